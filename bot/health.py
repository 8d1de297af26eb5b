"""``GET /healthz``: whether this bot process can do its job, part by part, true at the moment
it is asked (a container's HEALTHCHECK, a load balancer, a systemd watchdog script).

Each part registers a check: the database accepts a write; the scheduler holds its lease and
renews it (or stands by while another process posts); each chat adapter is connected. All pass:
200 ``{"status": "ok", ...}``; any fails: 503 with the failing part named first in the text.
Served beside ``/slack/events`` in Slack HTTP mode, else on ``DIGEST_HEALTH_PORT``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import sqlite3
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

log = logging.getLogger(__name__)

Check = Callable[[], Awaitable[tuple[bool, str]]]
PATH = "/healthz"
CHECK_SECONDS = 3.0  # a check that hangs is a failing check


class Health:
    def __init__(self) -> None:
        self.checks: dict[str, Check] = {}
        self._last_failing: list[str] = []
        self.archive_dir: Path | None = None  # DIGEST_SITE_DIR: served at /archive/ when set

    def add(self, name: str, check: Check) -> None:
        self.checks[name] = check

    async def report(self) -> tuple[bool, dict[str, dict]]:
        async def run(check: Check) -> tuple[bool, str]:
            try:
                return await asyncio.wait_for(check(), CHECK_SECONDS)
            except asyncio.TimeoutError:
                return False, f"no answer within {CHECK_SECONDS:g}s"
            except Exception as err:  # noqa: BLE001 - a broken check is a failing part
                return False, f"{type(err).__name__}: {err}"

        results = await asyncio.gather(*(run(c) for c in self.checks.values()))
        parts = {name: {"ok": ok, "detail": detail} for name, (ok, detail) in zip(self.checks, results)}
        return all(ok for ok, _ in results), parts

    async def handle(self, request: web.Request) -> web.Response:
        ok, parts = await self.report()
        failing = [f"{name}: {p['detail']}" for name, p in parts.items() if not p["ok"]]
        body = {"status": "ok" if ok else "failing", "failing": failing, "parts": parts}
        if failing != self._last_failing:  # a line when it changes, not at every probe
            if failing:
                log.warning("event=health_failing %s", "; ".join(failing))
            else:
                log.info("event=health_ok")
            self._last_failing = failing
        return web.Response(text=json.dumps(body, ensure_ascii=False), status=200 if ok else 503,
                            content_type="application/json")

    def install(self, app: web.Application) -> None:
        app.router.add_get(PATH, self.handle)
        if self.archive_dir is not None:
            install_archive(app, Path(self.archive_dir))

    async def serve(self, host: str, port: int) -> tuple[web.AppRunner, int]:
        """A small server with only ``/healthz`` (when no HTTP app runs); the runner and port."""
        app = web.Application()
        self.install(app)
        runner, bound = await start_app(app, host, port, shutdown_timeout=1.0)
        log.info("event=health_listening host=%s port=%s path=%s", host, bound, PATH)
        return runner, bound


async def start_app(app: web.Application, host: str, port: int,
                    shutdown_timeout: float) -> tuple[web.AppRunner, int]:
    """Serve ``app`` on host:port (0 = any free port); the runner (cleanup() stops it) and the
    port actually bound. One way to start every HTTP server of the bot (health, Slack HTTP mode)."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=shutdown_timeout)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner, (runner.addresses[0][1] if runner.addresses else port)


ARCHIVE = "/archive"


def install_archive(app: web.Application, folder: Path) -> None:
    """The web archive (``digest site``) read-only at ``/archive/``: GET and HEAD only, no
    directory listing, no symlinks followed out of it, ``..`` refused (aiohttp's static handler
    resolves every path inside ``folder``); ``/archive/`` itself is its ``index.html``."""
    folder = folder.resolve()

    async def index(request: web.Request) -> web.StreamResponse:
        page = folder / "index.html"
        if not page.is_file():
            raise web.HTTPNotFound(text="no archive built yet (digest site)")
        return web.FileResponse(page)

    async def bare(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(ARCHIVE + "/")

    app.router.add_get(ARCHIVE, bare)
    app.router.add_get(ARCHIVE + "/", index)
    folder.mkdir(parents=True, exist_ok=True)
    app.router.add_static(ARCHIVE, folder, show_index=False, follow_symlinks=False)


# --- checks ----------------------------------------------------------------------------------
def database_check(path: Path) -> Check:
    """A real write (a probe row in ``leases``, always expired), on a connection of its own, so
    a read-only volume, a full disk or a lock held for seconds shows up."""
    owner = f"healthz:{socket.gethostname()}:{os.getpid()}"

    def probe() -> tuple[bool, str]:
        try:
            db = sqlite3.connect(path, timeout=CHECK_SECONDS - 1)
            try:
                db.execute("insert into leases (name, owner, expires_at) values ('healthz', ?, 0) "
                           "on conflict (name) do update set owner = excluded.owner", [owner])
                db.commit()
            finally:
                db.close()
        except sqlite3.Error as err:
            return False, f"not writable ({err})"
        return True, "writable"

    async def check() -> tuple[bool, str]:
        return await asyncio.to_thread(probe)

    return check


def lease_check(lease, clock=time.time) -> Check:
    """The scheduler's lease (``digest.deliver.lease.Lease``): held by this process and renewed in time,
    or held by another live process while this one stands by. Lost (held once, now another's or
    lapsed) or stale (nobody renews it) fails."""
    held_once = False

    def probe() -> tuple[bool, str]:
        nonlocal held_once
        holder = lease.holder()
        now = clock()
        if holder is None:
            return False, "no process holds the scheduler lease (scheduler not running?)"
        owner, expires = holder
        if owner == lease.owner:
            held_once = True
            if expires > now:
                return True, f"lease held, expires in {expires - now:.0f}s"
            return False, f"lease held but not renewed for {now - expires:.0f}s past its expiry"
        if held_once:
            return False, f"lease lost to {owner}: this process stopped renewing it in time"
        if expires > now:
            return True, f"standing by: {owner} posts"
        return False, f"lease of {owner} lapsed {now - expires:.0f}s ago and nobody took over"

    async def check() -> tuple[bool, str]:
        return await asyncio.to_thread(probe)

    return check


def discord_check(client) -> Check:
    """The gateway connection of a ``discord.Client``."""

    async def check() -> tuple[bool, str]:
        if client.is_closed():
            return False, "client closed"
        ws = getattr(client, "ws", None)
        if ws is None or not ws.open:
            return False, "gateway not connected (reconnecting)"
        if not client.is_ready():
            return False, "gateway connected, not ready yet"
        return True, f"gateway connected, latency {client.latency * 1000:.0f} ms"

    return check


def constant(ok: bool, detail: str) -> Check:
    async def check() -> tuple[bool, str]:
        return ok, detail

    return check


# --- the probe: ``python -m bot.health`` (Docker HEALTHCHECK, systemd, cron) ---------------------
def probe(url: str | None = None, timeout: float = 5.0) -> int:
    """GET ``/healthz`` of the local bot: exit 0 when healthy, 1 with the failing parts."""
    import urllib.error
    import urllib.request

    if url is None:  # the port the bot serves /healthz on, from the same settings (.env too)
        from digest.config import load_settings
        from digest.errors import DigestError

        try:
            settings = load_settings()
        except DigestError as err:
            print(f"unhealthy: {err}")
            return 1
        url = f"http://127.0.0.1:{settings.digest_health_port or settings.port}{PATH}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            body = json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as err:
        body = json.loads(err.read() or b"{}")
        print("unhealthy: " + "; ".join(body.get("failing") or [f"HTTP {err.code}"]))
        return 1
    except (OSError, ValueError) as err:
        print(f"unhealthy: no answer from {url} ({err})")
        return 1
    print("ok: " + ", ".join(f"{name} {part['detail']}" for name, part in body.get("parts", {}).items()))
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(probe(sys.argv[1] if len(sys.argv) > 1 else None))
