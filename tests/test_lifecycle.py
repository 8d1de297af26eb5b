"""The bot process as a service manager sees it: started as a real subprocess against fakes on
127.0.0.1, asked ``/healthz``, then the platform stops answering and SIGTERM comes. It must exit
within 10 s (Docker and systemd kill after 10 s), without a traceback; a wrong token or an
unreachable platform at start is one line and exit 2."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from aiohttp import WSMsgType, web

from schedule_fixtures import import_fakes

fake_slack, fake_discord = import_fakes()
ROOT = Path(__file__).parents[1]
SHUTDOWN_LIMIT = 10.0


# --- a WebSocket server that can stop answering (Slack Socket Mode, the Discord gateway) -------
class FreezingWebSocket:
    """Serves in a thread; ``on_text(ws, data)`` answers frames. ``freeze()``: open connections
    get no answer at all (no pong, no close handshake) and new ones are accepted but never
    greeted, as a platform behind a broken load balancer does."""

    def __init__(self, greet, on_text):
        self.greet, self.on_text = greet, on_text
        self.frozen = threading.Event()
        self.connections = 0
        self.open: list[web.WebSocketResponse] = []
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self.thread.start()
        assert ready.wait(10)

    def _run(self, ready):
        asyncio.set_event_loop(self.loop)
        app = web.Application()
        app.router.add_get("/{tail:.*}", self.link)
        self.runner = web.AppRunner(app, shutdown_timeout=1)
        self.loop.run_until_complete(self.runner.setup())
        self.site = site = web.TCPSite(self.runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        self.url = f"ws://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/"
        ready.set()
        self.loop.run_forever()

    async def link(self, request):
        ws = web.WebSocketResponse(autoping=False)
        await ws.prepare(request)
        self.connections += 1
        self.open.append(ws)
        if self.frozen.is_set():
            await asyncio.Event().wait()  # never greeted, never answered
        await ws.send_str(json.dumps(self.greet()))
        async for msg in ws:
            if self.frozen.is_set():
                await asyncio.Event().wait()
            if msg.type == WSMsgType.PING:
                await ws.pong(msg.data)
            elif msg.type == WSMsgType.TEXT:
                for reply in self.on_text(json.loads(msg.data)):
                    await ws.send_str(json.dumps(reply))
        return ws

    def freeze(self):
        self.frozen.set()

    def shut_down(self):
        """Close the open connections and the port: new connections are refused."""
        async def down():
            await self.site.stop()  # the port refuses from now on
            for ws in self.open:
                await asyncio.wait_for(ws.close(code=1001), 2)  # GOING_AWAY, as a restart sends

        asyncio.run_coroutine_threadsafe(down(), self.loop).result(10)

    def close(self):
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


# --- the process --------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bot_env(tmp_path, **extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DIGEST_", "SLACK_", "DISCORD_", "OPENAI_"))
           and k.lower() not in ("http_proxy", "https_proxy", "all_proxy")}
    env.update({"DIGEST_DB": str(tmp_path / "bot.db"), "DIGEST_OUT": str(tmp_path / "out"),
                "DIGEST_LOG_LEVEL": "INFO", "DIGEST_SOURCES": str(tmp_path / "none_{date}.json"),
                "DIGEST_HEALTH_PORT": "0", **extra})
    return env


def start(code: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def healthz(port: int) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def until(predicate, timeout=20.0, what=""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def terminate(proc: subprocess.Popen) -> tuple[float, str]:
    """SIGTERM; the seconds until the process exited, and its stderr."""
    sent = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        raise AssertionError(f"still running 30 s after SIGTERM:\n{err[-3000:]}")
    seconds = time.monotonic() - sent
    if os.environ.get("SHOW_BOT_STDERR"):
        print(f"\nSIGTERM -> exit: {seconds:.2f}s")
    return seconds, err


def assert_clean(err: str) -> None:
    if os.environ.get("SHOW_BOT_STDERR"):
        print(err)
    assert "Traceback" not in err, err[-4000:]
    assert "Unclosed" not in err, err[-4000:]


# --- Slack Socket Mode ------------------------------------------------------------------------
def test_socket_mode_exits_within_10s_after_slack_stops_answering(tmp_path):
    ws = FreezingWebSocket(lambda: {"type": "hello", "num_connections": 1,
                                    "connection_info": {"app_id": "A1"}}, lambda frame: [])
    api = fake_slack.FakeSlack().start()
    api.ws_url = ws.url
    health = free_port()
    env = bot_env(tmp_path, SLACK_BOT_TOKEN=fake_slack.BOT_TOKEN, SLACK_APP_TOKEN=fake_slack.APP_TOKEN,
                  SLACK_API_URL=api.api_url, DIGEST_HEALTH_PORT=str(health))
    proc = start("import sys; from bot.__main__ import main; sys.exit(main())", env)
    try:
        status, body = until(lambda: (lambda r: r if r[0] == 200 else None)(healthz(health)),
                             what="/healthz 200")
        assert set(body["parts"]) == {"database", "scheduler", "slack"}
        assert body["parts"]["slack"]["detail"] == "Socket Mode connected"
        api.stop()  # the Web API refuses connections; the socket gets no answer at all
        ws.freeze()
        time.sleep(1)
        seconds, err = terminate(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
        ws.close()
    assert proc.returncode == 0, err[-3000:]
    assert seconds < SHUTDOWN_LIMIT, (seconds, err[-3000:])
    assert_clean(err)
    assert "starting: Slack (Socket Mode), scheduler" in err


def test_socket_mode_outage_at_start_backs_off_one_line_per_attempt_and_stops_at_once(tmp_path):
    """Web API up (auth.test passes) but apps.connections.open fails: the start retries with
    growing delays, one line each, and SIGTERM ends the wait at once."""
    api = fake_slack.FakeSlack().start()
    api.fail("apps.connections.open", "internal_error", status=500, times=100)
    env = bot_env(tmp_path, SLACK_BOT_TOKEN=fake_slack.BOT_TOKEN, SLACK_APP_TOKEN=fake_slack.APP_TOKEN,
                  SLACK_API_URL=api.api_url, DIGEST_LOG_FORMAT="json")
    proc = start("import sys; from bot.__main__ import main; sys.exit(main(['slack']))", env)
    try:
        until(lambda: len(api.api_calls("apps.connections.open")) >= 2, what="two attempts")
        seconds, err = terminate(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
        api.stop()
    assert proc.returncode == 0 and seconds < SHUTDOWN_LIMIT, (seconds, err[-3000:])
    assert_clean(err)
    logs = [json.loads(line) for line in err.splitlines() if line.startswith("{")]  # JSON logs
    attempts = [entry for entry in logs if entry["event"] == "slack_connect_failed"]
    assert [(a["attempt"], a["retry_in"], a["level"]) for a in attempts[:2]] == [
        ("1", "1s", "WARNING"), ("2", "2s", "WARNING")]
    assert attempts[0]["cause"] == "internal_error" and attempts[0]["logger"] == "bot.slack.app"
    assert all(line.startswith("{") or not line.startswith("20") for line in err.splitlines())


def test_http_mode_serves_healthz_on_port_and_stops_within_10s(tmp_path):
    api = fake_slack.FakeSlack().start()
    port = free_port()
    env = bot_env(tmp_path, SLACK_BOT_TOKEN=fake_slack.BOT_TOKEN, SLACK_SIGNING_SECRET="s3cret",
                  SLACK_API_URL=api.api_url, PORT=str(port))
    proc = start("import sys; from bot.__main__ import main; sys.exit(main())", env)
    try:
        status, body = until(lambda: (lambda r: r if r[0] == 200 else None)(healthz(port)),
                             what="/healthz 200 on PORT")
        assert set(body["parts"]) == {"database", "scheduler", "slack"}
        api.stop()
        seconds, err = terminate(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0 and seconds < SHUTDOWN_LIMIT, (seconds, err[-3000:])
    assert f"Slack (HTTP mode, port {port})" in err
    assert_clean(err)


def test_a_wrong_slack_token_is_reported_at_start(tmp_path):
    api = fake_slack.FakeSlack().start()
    api.fail("auth.test", "invalid_auth")
    try:
        env = bot_env(tmp_path, SLACK_BOT_TOKEN="xoxb-wrong", SLACK_APP_TOKEN=fake_slack.APP_TOKEN,
                      SLACK_API_URL=api.api_url)
        run = subprocess.run([sys.executable, "-m", "bot"], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=60)
    finally:
        api.stop()
    assert run.returncode == 2
    assert "error: auth.test: invalid_auth — check SLACK_BOT_TOKEN" in run.stderr
    assert_clean(run.stderr)
    assert api.api_calls("apps.connections.open") == []  # nothing after the failed check


# --- Discord ----------------------------------------------------------------------------------
def gateway():
    """Just enough of Discord's gateway for discord.py: HELLO, READY after IDENTIFY, ACKs."""
    def on_text(frame):
        if frame["op"] == 2:  # IDENTIFY
            return [{"op": 0, "t": "READY", "s": 1, "d": {
                "v": 10, "user": fake_discord.BOT_USER, "guilds": [], "session_id": "sess-1",
                "resume_gateway_url": ws.url, "application": {"id": fake_discord.APP_ID, "flags": 0}}}]
        if frame["op"] == 1:  # HEARTBEAT
            return [{"op": 11, "d": None}]
        return []

    ws = FreezingWebSocket(lambda: {"op": 10, "d": {"heartbeat_interval": 41250}}, on_text)
    return ws


DISCORD_BOT = ("import sys, yarl, discord.gateway as g; g.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(sys.argv[1]); "
               "from bot.__main__ import main; sys.exit(main(['discord']))")


def test_discord_bot_exits_within_10s_after_the_gateway_stops_answering(tmp_path):
    ws = gateway()
    rest = fake_discord.FakeDiscord()
    stop_rest = rest.serve_in_thread()
    health = free_port()
    env = bot_env(tmp_path, DISCORD_TOKEN=fake_discord.TOKEN, DISCORD_API_URL=rest.base,
                  DIGEST_HEALTH_PORT=str(health))
    proc = subprocess.Popen([sys.executable, "-c", DISCORD_BOT, ws.url], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        status, body = until(lambda: (lambda r: r if r[0] == 200 else None)(healthz(health)),
                             what="/healthz 200")
        assert body["parts"]["discord"]["detail"].startswith("gateway connected")
        stop_rest()  # REST refuses, the gateway goes away: reconnects fail
        ws.shut_down()
        status, body = until(lambda: (lambda r: r if r[0] == 503 else None)(healthz(health)),
                             what="/healthz 503")
        assert body["failing"][0].startswith("discord: gateway not connected")
        time.sleep(0.3)  # the first reconnect attempt fails at once (refused)
        seconds, err = terminate(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
        ws.close()
    assert proc.returncode == 0, err[-3000:]
    assert seconds < SHUTDOWN_LIMIT, (seconds, err[-3000:])
    assert_clean(err)
    attempts = [x for x in err.splitlines() if "event=reconnect" in x]  # one line per attempt
    assert attempts and all("Attempting a reconnect in" in x and "(cause: " in x for x in attempts)
    assert len([x for x in err.splitlines() if x.startswith("20")]) < 20  # no flood


def test_discord_unreachable_is_one_line_for_every_entry_point(tmp_path):
    """``--invite``, ``--sync``, ``--post-now`` and the bot itself (run side by side)."""
    env = bot_env(tmp_path, DISCORD_TOKEN=fake_discord.TOKEN,
                  DISCORD_API_URL=f"http://127.0.0.1:{free_port()}/api/v10")
    runs = {" ".join(args): subprocess.Popen([sys.executable, "-m", "bot", "discord", *args], cwd=ROOT,
                                             env=env, text=True, stdout=subprocess.PIPE,
                                             stderr=subprocess.PIPE)
            for args in (["--invite"], ["--sync"], ["--post-now", "123"], [])}
    for name, proc in runs.items():
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 2, (name, err)
        lines = [line for line in err.splitlines() if "Discord unreachable" in line]
        assert len(lines) == 1 and "check the network or DISCORD_API_URL" in lines[0], (name, err)
        assert_clean(err)


def test_invite_from_the_application_id_needs_no_network(tmp_path):
    env = bot_env(tmp_path, DISCORD_APPLICATION_ID=fake_discord.APP_ID,
                  DISCORD_API_URL=f"http://127.0.0.1:{free_port()}/api/v10")
    run = subprocess.run([sys.executable, "-m", "bot", "discord", "--invite"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert f"client_id={fake_discord.APP_ID}" in run.stdout and "permissions=309237763072" in run.stdout
