"""The Slack app (slack-bolt, asyncio): Socket Mode by default, HTTP mode as an option.

    python -m bot slack                          Socket Mode (SLACK_BOT_TOKEN + SLACK_APP_TOKEN)
    python -m bot slack --http --port 3000       HTTP mode: Slack POSTs to /slack/events
                                                 (SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET)
    python -m bot slack --post-now C0123456789 [--date 2024-11-24] [--force]
                                                 post a day's digest now (Web API only;
                                                 default day: yesterday)

``SLACK_API_URL`` overrides the Web API base URL. Every engine call runs in a worker thread, and
every slow piece of work after the ack in a tracked task, so the event loop and the 3-second
ack never wait on a digest build or an LLM.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import threading
from collections.abc import Callable, Coroutine
from datetime import date, timedelta

import aiohttp
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.health import Health, database_check, start_app
from bot.logs import configure_logging
from bot.slack import blocks, commands, guard, threads
from bot.slack.client import error_code, make_client, secret
from bot.slack.post import PLATFORM, post_daily
from digest.store.chat_state import ChatState
from digest.config import Settings, get_settings
from digest.errors import ConfigError, DigestError
from digest.models import Digest, DigestQuery
from digest.deliver.ledger import PostLedger, PostRecord
from digest.service import DigestService, Reply
from digest.text import t

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
DRAIN_SECONDS = 5.0  # work in flight on SIGTERM; the whole shutdown stays under 10 s
CLOSE_SECONDS = 2.0  # closing the Socket Mode connection of an unreachable Slack
RECONNECT_MAX_SECONDS = 60.0
#: Slack's answers to a token that will never work: stop at start, say which token.
AUTH_ERRORS = {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired",
               "not_allowed_token_type", "invalid_token", "no_permission", "missing_scope"}


async def check_auth(client: AsyncWebClient) -> dict:
    """``auth.test`` at start: a wrong SLACK_BOT_TOKEN (or an unreachable Slack) is one line now,
    not a failure at the first daily post."""
    try:
        return (await client.auth_test()).data
    except SlackApiError as err:
        code = error_code(err)
        hint = " — check SLACK_BOT_TOKEN (xoxb-...)" if code in AUTH_ERRORS else ""
        raise ConfigError(f"auth.test: {code}{hint}") from None
    except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as err:
        raise ConfigError(f"Slack unreachable (auth.test: {type(err).__name__}: "
                          f"{' '.join(str(err).split()) or 'timeout'}); check the network or SLACK_API_URL") from None


class _SameTokenNotice(logging.Filter):
    """bolt warns that SLACK_BOT_TOKEN is unused when a client is given: it is the same token."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


logging.getLogger("bot.slack.bolt").addFilter(_SameTokenNotice())

#: ``handler(query, channel=..., user=..., language=...) -> str`` answers /digest subscribe,
#: unsubscribe and settings; it runs in a worker thread. Default: the engine's
#: ``digest.deliver.chat.handle_subscription_command`` with Slack admins/owners as admins.
SubscriptionHandler = Callable[..., str]


class SlackBot:
    """The bolt ``AsyncApp`` with the bot's listeners, its Web API client and its state."""

    def __init__(self, service: DigestService, client: AsyncWebClient | None = None, *,
                 signing_secret: str | None = None, command: str = "/digest",
                 language: str | None = None, subscriptions: SubscriptionHandler | None = None):
        self.service = service
        self.settings: Settings = service.settings
        self.client = client or make_client(self.settings)
        self.language = language or self.settings.digest_language
        self.command = command
        self.subscriptions = subscriptions
        self.state = ChatState(service.store)
        self.ledger = PostLedger(service.store)
        # process_before_response: listeners only ack and spawn(), so bolt answers as soon as
        # they return instead of polling for the ack every 10 ms; all slow work is spawned.
        self.signing_secret = signing_secret or secret(self.settings.slack_signing_secret) or ""
        self.app = AsyncApp(client=self.client, signing_secret=self.signing_secret,
                            logger=logging.getLogger("bot.slack.bolt"), process_before_response=True)
        self._tasks: set[asyncio.Task] = set()
        self._locks: dict[tuple, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self.app.error(self._on_error)
        commands.register(self)
        threads.register(self)

    # --- background work ----------------------------------------------------------------
    def spawn(self, coro: Coroutine) -> asyncio.Task:
        """Run ``coro`` after the ack; tracked so that shutdown (and tests) can wait for it."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task failed", exc_info=task.exception())

    async def drain(self, timeout: float | None = None) -> None:
        """Wait for the work started by earlier requests (and for what that work starts)."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        for _ in range(3):  # let listeners that bolt has just scheduled reach their spawn()
            await asyncio.sleep(0)
        while self._tasks:
            left = None if deadline is None else max(0.0, deadline - loop.time())
            done, _ = await asyncio.wait(set(self._tasks), timeout=left)
            if deadline is not None and loop.time() >= deadline:
                break

    async def _on_error(self, error, body, logger):
        log.error("listener failed: %s", error, exc_info=error)

    # --- engine calls (worker threads) -------------------------------------------------------
    def _lock(self, key: tuple) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(key, threading.Lock())

    def resolve(self, query: DigestQuery, language: str) -> Reply:
        """``service.resolve`` building what is missing; one build per day at a time."""
        with self._lock(("build", query.day, language)):
            return self.service.resolve(query, language, build_missing=True)

    async def is_admin(self, user: str | None) -> bool:
        """Workspace admins and owners may change a channel's subscription (``users:read``)."""
        if not user:
            return False
        try:
            info = (await self.client.users_info(user=user)).get("user") or {}
        except SlackApiError as err:
            log.warning("users.info %s failed (%s): treated as not an admin", user, error_code(err))
            return False
        return bool(info.get("is_admin") or info.get("is_owner") or info.get("is_primary_owner"))

    async def subscription(self, query: DigestQuery, command: dict, respond) -> None:
        """``/digest subscribe|unsubscribe|settings`` for the command's channel."""
        channel, user = command.get("channel_id"), command.get("user_id")
        try:
            if self.subscriptions is not None:
                text = await asyncio.to_thread(self.subscriptions, query, channel=channel, user=user,
                                               language=self.language)
            else:
                from digest.deliver.chat import handle_subscription_command

                admin = await self.is_admin(user)
                text = await asyncio.to_thread(handle_subscription_command, query, PLATFORM, channel,
                                               user, admin, service=self.service,
                                               language=self.language)
        except DigestError as err:
            text = str(err)
        except Exception:
            log.exception("/digest %s failed", query.kind)
            text = t(self.language, "slack_failed", error="internal error")
        await commands.send(respond, blocks.text_reply(text), "/digest subscription",
                            response_type="ephemeral")

    # --- daily post (the scheduler's entry point) -----------------------------------------
    async def post_daily(self, channel: str, day: date, language: str | None = None,
                         force: bool = False, digest: Digest | None = None) -> PostRecord:
        """Post ``day`` to ``channel`` once (see ``bot.slack.post.post_daily``); ``digest`` may be
        a subscription's filtered copy (``digest.deliver.subscriptions.filter_digest``)."""
        return await post_daily(self.client, self.service, self.ledger, self.state, channel, day,
                                language or (digest.language if digest else self.language), force,
                                digest=digest)

    # --- transports -------------------------------------------------------------------------
    def web_app(self, path: str = EVENTS_PATH, health: Health | None = None) -> web.Application:
        """POST ``path`` guarded by ``bot.slack.guard`` (size, signature, shape) then routed by
        bolt; GET /healthz (``bot.health``: the process' checks; by default the database alone)."""
        application = guard.web_app(self.app, self.signing_secret, path)
        if health is None:
            health = Health()
            health.add("database", database_check(self.settings.digest_db))
        health.install(application)
        return application

    async def serve_http(self, host: str = "0.0.0.0", port: int = 3000,
                         path: str = EVENTS_PATH, health: Health | None = None) -> tuple[web.AppRunner, int]:
        """Start serving Slack's requests; returns the runner (cleanup() stops it) and the port."""
        runner, bound = await start_app(self.web_app(path, health), host, port,
                                        shutdown_timeout=DRAIN_SECONDS)  # requests in flight at SIGTERM
        log.info("Slack HTTP mode: listening on %s:%s%s", host, bound, path)
        return runner, bound

    def socket_mode(self, app_token: str) -> AsyncSocketModeHandler:
        return AsyncSocketModeHandler(self.app, app_token)

    async def run(self, *, http: bool = False, host: str = "0.0.0.0", port: int = 3000,
                  app_token: str | None = None, stop: asyncio.Event | None = None,
                  health: Health | None = None) -> None:
        """Serve until ``stop`` is set, then finish the work in flight (at most DRAIN_SECONDS).

        ``stop`` also ends a connection attempt to an unreachable Slack at once."""
        stop = stop or asyncio.Event()
        if http:
            runner, _ = await self.serve_http(host, port, health=health)
            closer = runner.cleanup
        else:
            if not app_token:
                raise ConfigError("SLACK_APP_TOKEN is not set (Socket Mode needs it)")
            self.handler = handler = self.socket_mode(app_token)
            if health is not None:
                health.add("slack", self.socket_health)
            closer = lambda: self._close_socket(handler)  # noqa: E731
            try:
                if await self.connect_socket_mode(handler, stop):
                    log.info("Slack Socket Mode: connected")
            except BaseException:
                await closer()
                raise
        try:
            await stop.wait()
        finally:
            log.info("Slack: stopping (finishing the work in flight)")
            await closer()
            await self.drain(DRAIN_SECONDS)

    async def connect_socket_mode(self, handler: AsyncSocketModeHandler, stop: asyncio.Event) -> bool:
        """Open the Socket Mode connection; False if ``stop`` came first.

        ``apps.connections.open`` is tried with exponential backoff (1 s to 60 s, one log line
        per attempt); a refused app token ends the start with one line. Once connected,
        slack_sdk reconnects by itself (one line per attempt, see ``bot.logs``)."""
        client, delay, attempt = handler.client, 1.0, 0
        while True:
            attempt += 1
            try:
                client.wss_uri = await client.issue_new_wss_url()
                break
            except SlackApiError as err:
                code = error_code(err)
                if code in AUTH_ERRORS:
                    raise ConfigError(f"apps.connections.open: {code} — check SLACK_APP_TOKEN "
                                      "(xapp-..., scope connections:write)") from None
                why = code
            except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as err:
                why = f"{type(err).__name__}: {' '.join(str(err).split())}"
            log.warning("event=slack_connect_failed attempt=%d retry_in=%gs cause=%s", attempt,
                        delay, why)
            try:
                await asyncio.wait_for(stop.wait(), delay)
                return False
            except asyncio.TimeoutError:
                delay = min(delay * 2, RECONNECT_MAX_SECONDS)
        connect = asyncio.create_task(handler.connect_async())
        stopper = asyncio.create_task(stop.wait())
        await asyncio.wait({connect, stopper}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        if not connect.done():
            connect.cancel()
            await asyncio.gather(connect, return_exceptions=True)
            return False
        connect.result()
        return True

    async def _close_socket(self, handler: AsyncSocketModeHandler) -> None:
        """Close the Socket Mode client; an unreachable Slack gets CLOSE_SECONDS, then the
        sockets are dropped (no "Unclosed client session" either way)."""
        try:
            await asyncio.wait_for(handler.close_async(), CLOSE_SECONDS)
        except (asyncio.TimeoutError, Exception) as err:  # noqa: BLE001 - on the way out
            log.info("Slack: Socket Mode close cut short (%s)", type(err).__name__)
            client = handler.client
            client.closed = True
            for task in (client.message_processor, client.current_session_monitor,
                         client.message_receiver):
                if task is not None:
                    task.cancel()
            if client.aiohttp_client_session is not None:
                await client.aiohttp_client_session.close()

    async def socket_health(self) -> tuple[bool, str]:
        handler = getattr(self, "handler", None)
        if handler is None:
            return False, "Socket Mode not started"
        if await handler.client.is_connected():
            return True, "Socket Mode connected"
        return False, "Socket Mode not connected (reconnecting)"


# --------------------------------------------------------------------------- command line


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bot slack",
                                description="Run the Slack app, or post a day's digest now.")
    p.add_argument("--http", action="store_true",
                   help="HTTP mode (needs SLACK_SIGNING_SECRET and a public URL) instead of Socket Mode")
    p.add_argument("--port", type=int, default=None,
                   help="HTTP mode port (default PORT, 3000)")
    p.add_argument("--host", default="0.0.0.0", help="HTTP mode address (default 0.0.0.0)")
    p.add_argument("--post-now", metavar="CHANNEL_ID",
                   help="post the digest to this channel now (its ID, e.g. C0123456789) and exit")
    p.add_argument("--date", metavar="YYYY-MM-DD",
                   help="with --post-now: the day (default yesterday, the last complete day; "
                        "today's papers are still coming in)")
    p.add_argument("--language", help="with --post-now: the digest language (default DIGEST_LANGUAGE)")
    p.add_argument("--force", action="store_true",
                   help="with --post-now: post even if that day was already posted to the channel")
    return p


async def post_now(settings: Settings, channel: str, day_text: str | None, language: str | None,
                   force: bool) -> int:
    if channel.startswith("#") or not channel[:1].isalnum():
        raise ConfigError(f"--post-now takes a channel ID such as C0123456789, not {channel!r} "
                          "(channel details -> bottom of the About tab)")
    service = DigestService(settings)
    client = make_client(settings)
    # default: yesterday, the last complete day (today's is still half-filled), as the scheduler
    day = service.parse_day(day_text) if day_text else service.today() - timedelta(days=1)
    ledger, state = PostLedger(service.store), ChatState(service.store)
    await check_auth(client)  # a wrong token or an unreachable Slack: one line, before anything
    before = ledger.get(PLATFORM, channel, day)
    record = await post_daily(client, service, ledger, state, channel, day, language, force)
    if before is not None and before == record:
        print(f"The digest of {day} was already posted to {channel} (ts {record.message_id}); "
              "use --force to post it again.")
    elif record.detail == "complete":
        print(f"Posted the digest of {day} to {channel} (ts {record.message_id}).")
    else:
        print(f"Posted the digest of {day} to {channel} (ts {record.message_id}), but: {record.detail}",
              file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = get_settings()
        configure_logging(settings.digest_log_level, fmt=settings.digest_log_format)
        if (args.date or args.force or args.language) and not args.post_now:
            raise ConfigError("--date, --language and --force go with --post-now CHANNEL_ID")
        if not secret(settings.slack_bot_token):
            make_client(settings)  # raises the ConfigError that explains SLACK_BOT_TOKEN
        if args.post_now:
            return asyncio.run(post_now(settings, args.post_now, args.date, args.language, args.force))
        if args.http and not secret(settings.slack_signing_secret):
            raise ConfigError("HTTP mode needs SLACK_SIGNING_SECRET (Basic Information -> App "
                              "Credentials -> Signing Secret)")
        if not args.http and not secret(settings.slack_app_token):
            raise ConfigError("Socket Mode needs SLACK_APP_TOKEN (xapp-..., Basic Information -> "
                              "App-Level Tokens, scope connections:write), or run with --http")
    except DigestError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    # the runner's process: auth.test first, signals, shutdown under 10 s, /healthz; no scheduler
    from bot import runner

    return runner.run(settings, runner.Plan(slack="http" if args.http else "socket"),
                      argparse.Namespace(once=False, no_scheduler=True, host=args.host, port=args.port))
