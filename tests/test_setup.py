"""A fresh clone, set up as the README says: ``cp .env.example .env``, ``make run`` without a
network, ``digest`` commands in real subprocesses; settings from .env; backup; version."""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from digest.cli import main
from digest.cli.build import SAMPLE, SAMPLE_DAY
from digest.config import load_settings
from digest.logs import JsonFormatter

ROOT = Path(__file__).parents[1]
DIGEST = str(Path(sys.executable).with_name("digest"))


def clean_env(**extra) -> dict[str, str]:
    """The user's environment without any setting, proxy or test variable: only .env speaks."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DIGEST_", "SLACK_", "DISCORD_", "OPENAI_", "PYTEST"))
           and k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "port")}
    env.update(extra)
    return env


def refused_url() -> str:
    """A URL on 127.0.0.1 whose port refuses connections (what "no network" looks like)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/daily_papers?date={{date}}"


def digest(cwd: Path, *args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([DIGEST, *args], cwd=cwd, env=env or clean_env(), capture_output=True,
                          text=True, timeout=120)


def test_env_example_copied_to_env_works_as_it_is(tmp_path):
    """The README's first step: every command works with the example file unchanged, and the
    relative paths in it (data/digest.db, out) land beside it."""
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    categories = digest(tmp_path, "categories")
    assert categories.returncode == 0, categories.stderr
    assert "Reinforcement Learning" in categories.stdout and categories.stderr == ""
    built = digest(tmp_path, "build", "--date", SAMPLE_DAY.isoformat(), "--source", str(SAMPLE))
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "out" / f"digest_{SAMPLE_DAY}.md").is_file()
    assert (tmp_path / "data" / "digest.db").is_file()
    shown = digest(tmp_path, "show", "LLM", SAMPLE_DAY.isoformat())
    assert shown.returncode == 0, shown.stderr
    assert "## 🤖 LLM" in shown.stdout and "출처" in shown.stdout  # Korean, the default


def test_make_run_without_network_builds_the_bundled_sample_day(tmp_path):
    """``make run`` (the README's first command) with every source refusing connections."""
    env = clean_env(DIGEST_SOURCES=refused_url(), DIGEST_HTTP_RETRIES="0",
                    DIGEST_DB=str(tmp_path / "d.db"), DIGEST_OUT=str(tmp_path / "out"))
    # -o: the venv is already set up (no pip run in a test)
    run = subprocess.run(["make", "-s", "-o", ".venv/.installed", "run"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    [line] = [x for x in run.stderr.splitlines() if "sample" in x]
    assert f"Built the bundled sample day {SAMPLE_DAY}" in line and "no source could be read" in line
    assert "Connection refused" in line
    assert (tmp_path / "out" / f"digest_{SAMPLE_DAY}.md").is_file()
    assert f"report: {tmp_path / 'out'}" in run.stdout
    # `digest build` keeps failing (exit 2) for scripts, and says it once (no log line as well)
    build = digest(tmp_path, "build", env=env)
    assert build.returncode == 2
    assert [x for x in build.stderr.splitlines() if "no source could be read" in x or
            "source failed" in x] == [x for x in build.stderr.splitlines() if x.startswith("error:")]
    assert len([x for x in build.stderr.splitlines() if "Connection refused" in x]) == 1


def test_relative_paths_in_env_resolve_beside_it_from_any_folder(tmp_path, monkeypatch):
    """cron running --once from / uses the bot's database, named relatively in its .env."""
    app = tmp_path / "srv"
    app.mkdir()
    (app / ".env").write_text("DIGEST_DB=data/bot.db\nDIGEST_OUT=\nDIGEST_TAXONOMY=\n")
    monkeypatch.delenv("DIGEST_DB")
    monkeypatch.delenv("DIGEST_OUT")
    monkeypatch.setenv("DIGEST_ENV_FILE", str(app / ".env"))
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.digest_db == app / "data" / "bot.db"
    assert settings.digest_taxonomy is None and settings.digest_out == Path("out")
    monkeypatch.setenv("DIGEST_DB", "elsewhere.db")  # the environment wins, as given
    assert load_settings().digest_db == Path("elsewhere.db")


def test_status_prints_the_database_it_uses(tmp_path, capsys):
    assert main(["status"]) == 0
    assert f"Database: {(tmp_path / 'digest.db').resolve()}" in capsys.readouterr().out


def test_unknown_setting_gets_a_warning_with_the_closest_name(tmp_path):
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    with (tmp_path / ".env").open("a") as f:
        f.write("DIGEST_LANGUGE=en\n")
    run = digest(tmp_path, "categories", env=clean_env(DIGEST_SCHEDULER_INTERVALL="5"))
    assert run.returncode == 0
    assert "unknown setting DIGEST_LANGUGE is ignored (did you mean DIGEST_LANGUAGE?)" in run.stderr
    assert "DIGEST_SCHEDULER_INTERVALL is ignored (did you mean DIGEST_SCHEDULER_INTERVAL?)" in run.stderr


def test_version_and_verbose_after_the_subcommand(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.startswith("digest 0.")
    assert main(["categories", "-v"]) == 0
    assert main(["subscriptions", "list", "--verbose"]) == 0


def test_backup_is_a_consistent_copy_of_the_live_database(tmp_path, capsys):
    assert main(["build", "--date", SAMPLE_DAY.isoformat(), "--source", str(SAMPLE)]) == 0
    live = sqlite3.connect(tmp_path / "digest.db")  # a writer holding the WAL open
    live.execute("pragma journal_mode=wal")
    live.execute("create table if not exists marker (x)")
    live.execute("insert into marker values (1)")
    live.commit()
    assert main(["backup", str(tmp_path / "backups") + "/"]) == 0
    assert "integrity ok" in capsys.readouterr().out
    [copy] = (tmp_path / "backups").glob("digest-*.db")
    db = sqlite3.connect(copy)
    assert db.execute("select count(*) from papers").fetchone()[0] == 14
    assert db.execute("select x from marker").fetchall() == [(1,)]  # the WAL's last commit too
    assert main(["backup", str(tmp_path / "digest.db")]) == 2
    assert "another file than the database" in capsys.readouterr().err
    live.close()


def test_json_logs_are_one_object_per_line_with_the_event_fields():
    record = logging.LogRecord("bot.runner", logging.ERROR, __file__, 1,
                               "event=component_stopped component=slack cause=%s", ("Timeout",), None)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    obj = json.loads(line)
    assert obj["level"] == "ERROR" and obj["logger"] == "bot.runner"
    assert obj["event"] == "component_stopped" and obj["component"] == "slack"
    assert obj["cause"] == "Timeout" and obj["time"].endswith("+00:00")
    try:
        raise ValueError("boom\nsecond line")
    except ValueError:
        record.exc_info = sys.exc_info()
    assert "ValueError" in json.loads(JsonFormatter().format(record))["exc"]


def test_run_with_network_builds_the_newest_day_that_has_papers(tmp_path, capsys, monkeypatch):
    """Today's list is still empty (early in the day): ``digest run`` builds yesterday's."""
    import threading
    from datetime import date, timedelta
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from digest.config import load_settings
    from digest.service import DigestService

    today = DigestService(load_settings()).today()
    yesterday = (today - timedelta(days=1)).isoformat()
    asked = []

    class HF(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            day = self.path.rsplit("date=", 1)[1]
            asked.append(day)
            body = SAMPLE.read_bytes() if day == yesterday else b"[]"
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), HF)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("DIGEST_SOURCES", f"http://127.0.0.1:{server.server_address[1]}/api/daily_papers?date={{date}}")
        assert main(["run"]) == 0
    finally:
        server.shutdown()
    assert asked == [today.isoformat(), yesterday]
    printed = capsys.readouterr()
    assert f"for {yesterday}" in printed.out and "sample" not in printed.err
    assert (tmp_path / "out" / f"digest_{yesterday}.md").is_file()
    assert date.fromisoformat(yesterday) < today
