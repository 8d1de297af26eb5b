"""Deployment files: the Dockerfile, compose.yaml, Procfile and the Slack manifests.

The build machine has no container engine by default and no registry for the base image, so:
its shape is checked on every run (exec-form entry point, non-root user, database on a volume,
HEALTHCHECK); ``RUN_DOCKERFILE_TEST=1`` runs its own ``RUN`` steps in a fresh virtual environment,
then its ``ENTRYPOINT`` starts the bot (against the fake Slack), its ``HEALTHCHECK`` command
passes, and SIGTERM stops it within 10 s (needs PyPI, ~1.5 min); ``RUN_DOCKER_TEST=1`` builds and
runs the image itself where a docker engine answers (``DOCKER_BASE_IMAGE`` names a local base
when ``python:3.12-slim`` cannot be pulled; see docs/deploy.md).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def instructions(path: Path = ROOT / "Dockerfile") -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", path.read_text())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def one(name: str) -> str:
    [value] = [rest for word, rest in instructions() if word == name]
    return value


def env_of_dockerfile() -> dict[str, str]:
    env = {}
    for word, rest in instructions():
        if word == "ENV":
            env.update(dict(pair.split("=", 1) for pair in shlex.split(rest)))
    return env


def test_dockerfile_runs_python_as_pid_1_as_a_non_root_user_with_the_database_on_a_volume():
    steps = instructions()
    words = [w for w, _ in steps]
    base = dict(re.findall(r"ARG (\w+)=(\S+)", "\n".join(f"{w} {r}" for w, r in steps)))
    assert re.fullmatch(r"python:3\.1[1-9]-slim", base["PYTHON_IMAGE"])
    assert json.loads(one("ENTRYPOINT")) == ["python", "-m", "bot"]  # exec form: SIGTERM reaches Python
    assert json.loads(one("CMD")) == []
    user = one("USER")
    assert user not in ("root", "0") and words.index("USER") < words.index("ENTRYPOINT")
    assert "/data" in json.loads(one("VOLUME"))
    env = env_of_dockerfile()
    assert env["DIGEST_DB"].startswith("/data/") and env["DIGEST_HEALTH_PORT"] == "8080"
    check = one("HEALTHCHECK")
    assert json.loads(check.split("CMD", 1)[1]) == ["python", "-m", "bot.health"]
    ignored = (ROOT / ".dockerignore").read_text().split()
    for word, rest in steps:
        if word == "COPY":
            *sources, _ = rest.split()
            for source in sources:
                assert (ROOT / source).exists(), source
                assert source not in ignored


def test_compose_has_the_bot_a_named_volume_and_the_env_file():
    compose = (ROOT / "compose.yaml").read_text()
    assert re.search(r"^\s+env_file: \.env$", compose, re.M)
    assert re.search(r"^\s+- digest-data:/data$", compose, re.M)
    assert re.search(r"^volumes:\n  digest-data:", compose, re.M)
    assert "stop_grace_period" in compose and "restart: unless-stopped" in compose


def test_procfile_has_a_web_process_for_http_mode():
    procfile = dict(line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line)
    assert procfile["web"].strip() == "python -m bot" and "worker" in procfile
    assert "ephemeral" in (ROOT / "docs/deploy.md").read_text()


def test_slack_manifests_socket_mode_and_http_mode():
    socket = json.loads((ROOT / "bot/slack/manifest.json").read_text())
    http = json.loads((ROOT / "bot/slack/manifest.http.json").read_text())
    for m in (socket, http):  # Slack: lower case, digits, . _ - only, at most 80
        assert re.fullmatch(r"[a-z0-9._-]{1,80}", m["features"]["bot_user"]["display_name"])
    assert socket["settings"]["socket_mode_enabled"] is True
    assert http["settings"]["socket_mode_enabled"] is False
    urls = {http["settings"]["event_subscriptions"]["request_url"],
            http["settings"]["interactivity"]["request_url"],
            http["features"]["slash_commands"][0]["url"]}
    assert len(urls) == 1 and urls.pop().endswith("/slack/events")
    strip = lambda m: {**m, "settings": {}, "features": {**m["features"], "slash_commands": []}}  # noqa: E731
    assert strip(socket) == strip(http)  # the same app otherwise


@pytest.mark.skipif(not os.environ.get("RUN_DOCKERFILE_TEST"),
                    reason="set RUN_DOCKERFILE_TEST=1 to run the Dockerfile's steps in a fresh venv "
                           "(needs PyPI, ~1.5 min)")
def test_dockerfile_steps_in_a_fresh_venv(tmp_path):
    from test_lifecycle import fake_slack, free_port, until

    app, data = tmp_path / "app", tmp_path / "data"
    app.mkdir(), data.mkdir()
    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / "venv")], check=True)
    bin_dir = tmp_path / "venv" / "bin"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIGEST_", "SLACK_", "DISCORD_"))}
    env.update(env_of_dockerfile())
    env.update(PATH=f"{bin_dir}:{env['PATH']}", DIGEST_DB=str(data / "digest.db"),
               DIGEST_OUT=str(data / "out"), DIGEST_HEALTH_PORT=str(free_port()),
               MPLCONFIGDIR=str(tmp_path / "mpl"))
    env.pop("VIRTUAL_ENV", None)
    for word, rest in instructions():
        if word == "COPY":
            *sources, _ = rest.split()
            for source in sources:
                (shutil.copytree if (ROOT / source).is_dir() else shutil.copy)(ROOT / source, app / source)
        elif word == "RUN" and rest.split()[0] in ("pip", "python"):
            subprocess.run(rest, shell=True, cwd=app, env=env, check=True, timeout=900)
        # RUN useradd/mkdir/chown: the container's user and /data, not a venv's business
    api = fake_slack.FakeSlack().start()
    env.update(SLACK_BOT_TOKEN=fake_slack.BOT_TOKEN, SLACK_API_URL=api.api_url)
    entry = json.loads(one("ENTRYPOINT")) + json.loads(one("CMD"))
    proc = subprocess.Popen(entry, cwd=tmp_path, env=env, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        check = json.loads(one("HEALTHCHECK").split("CMD", 1)[1])
        until(lambda: subprocess.run(check, cwd=tmp_path, env=env, capture_output=True).returncode == 0,
              timeout=60, what="the HEALTHCHECK command to pass")
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
        assert time.monotonic() - sent < 10 and proc.returncode == 0, err
        assert "Traceback" not in err
    finally:
        if proc.poll() is None:
            proc.kill()
        api.stop()


def docker_ready() -> str | None:
    """The base image to build on when a container engine answers here, else None."""
    if not shutil.which("docker"):
        return None
    if subprocess.run(["docker", "info"], capture_output=True, timeout=20).returncode:
        return None
    base = os.environ.get("DOCKER_BASE_IMAGE") or "python:3.12-slim"  # a local stand-in may be named
    if subprocess.run(["docker", "image", "inspect", base], capture_output=True).returncode:
        return None
    return base


@pytest.mark.skipif(not os.environ.get("RUN_DOCKER_TEST"),
                    reason="set RUN_DOCKER_TEST=1 (with a running docker engine and the base image, or "
                           "DOCKER_BASE_IMAGE naming a local one) to build and run the image")
def test_image_builds_runs_as_non_root_is_healthy_and_stops_within_10s(tmp_path):
    from test_lifecycle import fake_slack, free_port, until

    base = docker_ready()
    if base is None:
        pytest.skip("no docker engine answering here, or no base image (no registry access)")
    tag = "daily-ai-insights:test"
    subprocess.run(["docker", "build", "-q", "--build-arg", f"PYTHON_IMAGE={base}", "-t", tag, "."],
                   cwd=ROOT, check=True, timeout=1200, capture_output=True)
    api = fake_slack.FakeSlack().start()
    health = free_port()
    name = f"digest-test-{os.getpid()}"
    subprocess.run(["docker", "run", "-d", "--name", name, "--network", "host",
                    "-e", f"SLACK_BOT_TOKEN={fake_slack.BOT_TOKEN}", "-e", f"SLACK_API_URL={api.api_url}",
                    "-e", f"DIGEST_HEALTH_PORT={health}", "-v", f"{name}:/data", tag],
                   check=True, capture_output=True, timeout=60)
    try:
        check = json.loads(one("HEALTHCHECK").split("CMD", 1)[1])
        until(lambda: subprocess.run(["docker", "exec", name, *check], capture_output=True).returncode == 0,
              timeout=60, what="the HEALTHCHECK command inside the container")
        uid = subprocess.run(["docker", "exec", name, "id", "-u"], capture_output=True, text=True).stdout
        assert uid.strip() not in ("", "0")
        db = subprocess.run(["docker", "exec", name, "digest", "status"], capture_output=True, text=True)
        assert "Database: /data/digest.db" in db.stdout
        sent = time.monotonic()
        subprocess.run(["docker", "stop", "-t", "10", name], check=True, capture_output=True, timeout=30)
        assert time.monotonic() - sent < 10  # SIGTERM reached python (exec form), not SIGKILL at 10 s
        state = subprocess.run(["docker", "inspect", "-f", "{{.State.ExitCode}}", name],
                               capture_output=True, text=True).stdout.strip()
        assert state == "0"
        logs = subprocess.run(["docker", "logs", name], capture_output=True, text=True).stderr
        assert "Traceback" not in logs and "starting: Slack (daily posts only), scheduler" in logs
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)
        subprocess.run(["docker", "volume", "rm", "-f", name], capture_output=True)
        api.stop()
