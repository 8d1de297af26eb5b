"""``python -m bot`` (the Procfile entry): every chat adapter whose token is set, and the daily
scheduler, in one process.

* Slack: ``SLACK_BOT_TOKEN`` posts; with ``SLACK_APP_TOKEN`` it also serves ``/digest`` and thread
  questions over Socket Mode, or with ``SLACK_SIGNING_SECRET`` over HTTP (``--port``).
* Discord: ``DISCORD_TOKEN`` posts over REST and serves ``/digest`` and threads on the gateway.
* The scheduler posts each subscribed channel its digest at its local time (``bot.core.scheduler``).

``--once`` runs one scheduler tick over REST (no gateway, no Socket Mode) and exits: a catch-up
from cron, or a check of a deployment. With no token at all it says what to set, and points at
``python -m bot console``, which needs none.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from dataclasses import dataclass, field

from bot.core import pacing
from bot.health import Health, constant, database_check, discord_check, lease_check
from bot.logs import LOG_FORMAT, SECRET_LOGGERS, configure_logging, quiet_reconnects  # noqa: F401
from bot.discord.poster import DiscordPoster
from bot.slack.poster import SlackPoster
from bot.core.scheduler import Scheduler
from digest.config import Settings, get_settings
from digest.errors import DigestError
from digest.deliver.lease import Lease

log = logging.getLogger("bot.runner")

#: SIGTERM to exit stays under 10 s (Docker's and systemd's grace before SIGKILL): work in flight
#: gets DRAIN_SECONDS, closing the clients and the rest CLOSE_SECONDS. A post cut short is
#: ``pending`` in the ledger and reconciled at the next start (never posted twice).
DRAIN_SECONDS = 5.0
CLOSE_SECONDS = 2.0

@dataclass
class Plan:
    slack: str | None = None  # "socket" | "http" | "post-only"
    discord: bool = False
    notes: list[str] = field(default_factory=list)  # what is not started, and why

    @property
    def any(self) -> bool:
        return bool(self.slack or self.discord)


def _secret(value) -> str | None:
    if value is None:
        return None
    raw = value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)
    return raw.strip() or None


def plan(settings: Settings) -> Plan:
    """Which adapters the tokens allow, and a line for each one that cannot start."""
    p = Plan()
    if _secret(settings.slack_bot_token):
        if _secret(settings.slack_app_token):
            p.slack = "socket"
        elif _secret(settings.slack_signing_secret):
            p.slack = "http"
        else:
            p.slack = "post-only"
            p.notes.append("Slack: daily posts only; /digest and thread questions need SLACK_APP_TOKEN "
                           "(Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)")
    else:
        p.notes.append("Slack: not started (SLACK_BOT_TOKEN is not set)")
    if _secret(settings.discord_token):
        p.discord = True
    else:
        p.notes.append("Discord: not started (DISCORD_TOKEN is not set)")
    return p


NO_TOKEN = ("No chat token is set, so there is nothing to connect to.\n"
            "  Slack:   SLACK_BOT_TOKEN (xoxb-...) and SLACK_APP_TOKEN (xapp-..., Socket Mode), see docs/slack.md\n"
            "  Discord: DISCORD_TOKEN, see docs/discord.md\n"
            "Put them in .env, or try every command without a token: python -m bot console")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bot",
                                description="Run every chat adapter whose token is set, and the "
                                            "daily scheduler. Adapters alone: python -m bot slack|discord|console.")
    p.add_argument("--once", action="store_true",
                   help="run one scheduler tick over REST (post what is due now, catch up) and exit")
    p.add_argument("--no-scheduler", action="store_true", help="serve commands only, post nothing")
    p.add_argument("--host", default="0.0.0.0", help="Slack HTTP mode address (default 0.0.0.0)")
    p.add_argument("--port", type=int, default=None,
                   help="Slack HTTP mode port (default PORT, 3000)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = get_settings()
    except DigestError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    configure_logging(settings.digest_log_level, fmt=settings.digest_log_format)
    p = plan(settings)
    if not p.any:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    return run(settings, p, args)


def run(settings: Settings, p: Plan, args) -> int:
    """Say what starts, run it until SIGTERM/SIGINT; an expected failure is one line, exit 2."""
    args.port = args.port or settings.port
    started = []
    if p.slack:
        started.append({"socket": "Slack (Socket Mode)", "http": f"Slack (HTTP mode, port {args.port})",
                        "post-only": "Slack (daily posts only)"}[p.slack] if not args.once else "Slack (REST)")
    if p.discord:
        started.append("Discord (gateway)" if not args.once else "Discord (REST)")
    if not args.no_scheduler:
        started.append("scheduler (one tick)" if args.once else
                       f"scheduler (every {settings.digest_scheduler_interval:g}s)")
    print("starting: " + ", ".join(started), file=sys.stderr)
    for note in p.notes:
        print(note, file=sys.stderr)
    try:
        return asyncio.run(serve(settings, p, args))
    except DigestError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


# --- the process ---------------------------------------------------------------------------------
async def serve(settings: Settings, p: Plan, args) -> int:
    from digest.service import DigestService

    service = DigestService(settings)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    quiet_reconnects()
    health = Health()
    health.add("database", database_check(settings.digest_db))
    health.archive_dir = settings.digest_site_dir  # the web archive at /archive/ (None: not served)
    posters, tasks, closers = [], {}, []
    port = getattr(args, "port", None) or settings.port
    try:
        if p.slack:
            from bot.slack.app import check_auth
            from bot.slack.client import make_client

            client = make_client(settings)
            who = await check_auth(client)  # a wrong SLACK_BOT_TOKEN: one line now, exit 2
            log.info("event=slack_auth_ok team=%s user=%s", who.get("team"), who.get("user"))
            pacing.pace_slack(client, pacing.SLACK_LIMITS)
            posters.append(SlackPoster(client, service))
            if not args.once and p.slack in ("socket", "http"):
                from bot.slack.app import SlackBot

                slack = SlackBot(service, client)  # /digest subscribe etc.: digest.deliver.chat
                if p.slack == "http":  # no connection to watch: Slack calls in
                    health.add("slack", constant(True, "HTTP mode (auth.test ok at start)"))
                tasks["slack"] = asyncio.create_task(slack.run(
                    http=p.slack == "http", host=args.host, port=port,
                    app_token=_secret(settings.slack_app_token), stop=stop, health=health))
            elif not args.once:
                health.add("slack", constant(True, "Web API (auth.test ok at start)"))
        if p.discord:
            import discord

            from bot.discord.client import DigestBot, configure_api, login

            configure_api(settings.discord_api_url)
            bot = DigestBot(service) if not args.once else discord.Client(
                intents=discord.Intents.none(), allowed_mentions=discord.AllowedMentions.none())
            closers.append(bot.close)
            await login(bot, settings.discord_token.get_secret_value())  # one line if it fails
            pacing.pace_discord(bot.http, pacing.DISCORD_LIMITS)
            posters.append(DiscordPoster(bot, service))
            if not args.once:
                health.add("discord", discord_check(bot))
                tasks["discord"] = asyncio.create_task(bot.connect(reconnect=True))
        scheduler = Scheduler(service, posters)
        lease = Lease(service.store, "scheduler", ttl=max(3 * settings.digest_scheduler_interval, 90.0))
        if args.once:
            if not lease.acquire():
                holder = lease.holder()
                print(f"another bot process ({holder[0] if holder else '?'}) is posting from this "
                      "database: nothing done", file=sys.stderr)
                return 0
            try:
                report = await scheduler.tick()
            finally:
                lease.release()
            counts = {s: len(report.by_state(s)) for s in ("posted", "note", "empty", "failed")}
            print(f"due {report.due}: " + ", ".join(f"{n} {s}" for s, n in counts.items()), file=sys.stderr)
            return 1 if counts["failed"] else 0
        if not args.no_scheduler:
            health.add("scheduler", lease_check(lease))
            tasks["scheduler"] = asyncio.create_task(scheduler.run(stop, lease))
            closers.append(lambda: asyncio.to_thread(lease.release))
        # Slack HTTP mode serves /healthz on PORT too; DIGEST_HEALTH_PORT is the same in every mode
        if settings.digest_health_port and not (
                p.slack == "http" and settings.digest_health_port == port):
            try:
                health_runner, bound = await health.serve(args.host, settings.digest_health_port)
                print(f"health: http://{args.host}:{bound}/healthz", file=sys.stderr)
                closers.append(health_runner.cleanup)
            except OSError as err:  # a second bot on this host: no /healthz, the bot still runs
                log.warning("event=health_unavailable port=%s cause=%s", settings.digest_health_port,
                            err.strerror or err)
        rc = await _supervise(tasks, stop, closers)
        closers.clear()  # closed there, in order
        return rc
    finally:
        stop.set()
        for close in closers:
            try:
                await asyncio.wait_for(close(), CLOSE_SECONDS)
            except Exception:  # noqa: BLE001 - closing on the way out
                log.warning("event=close_failed", exc_info=log.isEnabledFor(logging.DEBUG))


async def _supervise(tasks: dict[str, asyncio.Task], stop: asyncio.Event, closers=(),
                     ends_on_close: frozenset[str] = frozenset({"discord"})) -> int:
    """Run until a signal, or until one part stops on its own (then stop the rest, exit 1).

    On the way out the parts finish their work in flight first (up to :data:`DRAIN_SECONDS`;
    a Discord post must not meet a closed session), then the clients are closed, which also ends
    the Discord gateway (the parts named in ``ends_on_close``, not waited for before the close).
    Every part's exception is logged, also of those that end after the stop."""
    stopper = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait({*tasks.values(), stopper}, return_when=asyncio.FIRST_COMPLETED)
    rc = 0
    reported: set[str] = set()
    for name, task in tasks.items():
        if task in done and not stop.is_set():
            err = _task_error(task)
            log.error("event=component_stopped component=%s cause=%s", name,
                      f"{type(err).__name__}: {err}" if err else "returned", exc_info=err)
            _explain(name, err)
            reported.add(name)
            rc = 1
    stop.set()  # Slack finishes its work in flight, the scheduler its tick
    names = {task: name for name, task in tasks.items()}
    pending = [t for t in tasks.values() if not t.done()]
    if pending:
        drain = [t for t in pending if names[t] not in ends_on_close]
        if drain:
            await asyncio.wait(drain, timeout=DRAIN_SECONDS)
    for close in closers:  # after the drain: nothing in flight needs the sessions any more
        try:
            await asyncio.wait_for(close(), CLOSE_SECONDS)
        except Exception as err:  # noqa: BLE001 - closing on the way out
            log.warning("event=close_failed cause=%s: %s", type(err).__name__, err,
                        exc_info=log.isEnabledFor(logging.DEBUG))
    closed_ones = [t for t in tasks.values() if not t.done() and names[t] in ends_on_close]
    if closed_ones:  # their client is closed: a reconnect backoff asleep has nothing left to do
        _, asleep = await asyncio.wait(closed_ones, timeout=0.5)
        for task in asleep:
            task.cancel()
        await asyncio.gather(*asleep, return_exceptions=True)
    pending = [t for t in tasks.values() if not t.done()]
    if pending:
        _, late = await asyncio.wait(pending, timeout=CLOSE_SECONDS)
        for task in late:
            log.warning("event=component_cancelled component=%s: not stopped within %gs",
                        names[task], DRAIN_SECONDS + CLOSE_SECONDS)
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
    for name, task in tasks.items():  # nothing is lost: errors of parts that ended after the stop
        err = _task_error(task)
        if err is not None and name not in reported:
            log.error("event=component_failed component=%s cause=%s: %s", name, type(err).__name__,
                      err, exc_info=err)
    stopper.cancel()
    return rc


def _task_error(task: asyncio.Task) -> BaseException | None:
    if not task.done() or task.cancelled():
        return None
    return task.exception()


def _explain(name: str, err: BaseException | None) -> None:
    if name == "discord" and err is not None and type(err).__name__ == "PrivilegedIntentsRequired":
        print("Discord refused the Message Content intent: enable it under Bot > Privileged Gateway "
              "Intents, or set DISCORD_MESSAGE_CONTENT=false to answer only mentions.", file=sys.stderr)
