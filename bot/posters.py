"""The scheduler's platform posters, wrapping the adapters' exactly-once post functions, and the
pacing that keeps a whole day's fan-out within each platform's rate limits.

* :class:`SlackPoster` -> ``bot.slack.post.post_daily`` (marker: message ``metadata``);
* :class:`DiscordPoster` -> ``bot.discord.post.post_daily`` (marker: ``nonce`` + footer);
* ``note(...)``: the one-line "no papers" message, with the same ledger discipline (pending ->
  message carrying a findable marker -> posted; a pending record is looked up before resending).

Pacing is per message, at the one choke point of each SDK (``AsyncWebClient.api_call``,
``discord.http.HTTPClient.request``), so the adapters' own calls (thread replies, answers to
questions) are paced too:

=========  =======================================  ====================================
platform   limit (documented)                       pacing here
=========  =======================================  ====================================
Slack      chat.postMessage ~1/s per channel,       at most 3 per 3 s per channel,
           bursts allowed; a workspace-wide limit   5/s across the workspace (burst 10)
Discord    50 requests/s per bot (global);          40/s across the bot (burst 10),
           5 messages / 5 s per channel (a thread   at most 5 per 5 s per channel
           is a channel of its own)
=========  =======================================  ====================================

A 429 is still possible (limits change, other apps share a workspace): slack_sdk's
``RateLimitErrorRetryHandler`` and discord.py both wait ``Retry-After`` and retry.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date

from digest.store.chat_state import ChatState
from digest.models import Digest
from digest.deliver.ledger import PostLedger, PostRecord, is_complete

log = logging.getLogger(__name__)

NOTE_EVENT_TYPE = "daily_digest_note"
NOTE_DETAIL = "note"
NOTE_HISTORY = 100  # recent messages searched for an earlier note


# --- pacing ----------------------------------------------------------------------------------
class RateLimiter:
    """A token bucket: ``rate`` tokens a second, at most ``burst`` saved up. ``await acquire()``."""

    def __init__(self, rate: float, burst: float = 1.0, *, clock: Callable[[], float] = time.monotonic,
                 sleep=asyncio.sleep):
        self.rate, self.burst = float(rate), max(1.0, float(burst))
        self.clock, self.sleep = clock, sleep
        self.tokens = self.burst
        self.stamp = clock()
        self.lock = asyncio.Lock()
        self.waited = 0.0  # seconds spent waiting, for the logs and the benchmark

    async def acquire(self) -> None:
        async with self.lock:
            while True:
                now = self.clock()
                self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
                self.stamp = now
                if self.tokens >= 1.0:
                    self.tokens -= 1.0
                    return
                wait = (1.0 - self.tokens) / self.rate
                self.waited += wait
                await self.sleep(wait)


@dataclass(frozen=True)
class Limits:
    per_channel: float  # messages a second in one channel, on average ...
    channel_burst: int  # ... at most this many in any channel_burst / per_channel seconds
    overall: float  # requests (Discord) / messages (Slack) a second across the bot
    overall_burst: float


SLACK_LIMITS = Limits(per_channel=1.0, channel_burst=3, overall=5.0, overall_burst=10)
DISCORD_LIMITS = Limits(per_channel=1.0, channel_burst=5, overall=40.0, overall_burst=10)
UNLIMITED = Limits(per_channel=1e9, channel_burst=1_000_000, overall=1e9, overall_burst=1e9)


class Pacer:
    """An overall token bucket, and per channel a sliding window (at most ``channel_burst``
    messages in any ``channel_burst / per_channel`` seconds, like Discord's 5 per 5 s).

    The overall bucket is taken last and the channel's send time recorded after it, so neither
    limit can be broken by waiting on the other."""

    def __init__(self, limits: Limits, *, clock: Callable[[], float] = time.monotonic, sleep=asyncio.sleep):
        self.limits = limits
        self.clock, self.sleep = clock, sleep
        self.overall = RateLimiter(limits.overall, limits.overall_burst, clock=clock, sleep=sleep)
        self.window = max(1, int(limits.channel_burst)) / limits.per_channel
        self.channels: dict[str, tuple[asyncio.Lock, deque]] = {}
        self.sent = 0
        self.channel_waited = 0.0

    async def message(self, channel: str | None) -> None:
        if not channel:
            return await self.request()
        lock, sends = self.channels.get(channel) or self.channels.setdefault(
            channel, (asyncio.Lock(), deque(maxlen=max(1, int(self.limits.channel_burst)))))
        async with lock:
            if len(sends) == sends.maxlen:
                wait = sends[0] + self.window - self.clock()
                if wait > 0:
                    self.channel_waited += wait
                    await self.sleep(wait + min(0.05, self.window / 10))  # margin: network jitter
            await self.overall.acquire()
            sends.append(self.clock())
        self.sent += 1

    async def request(self) -> None:
        await self.overall.acquire()
        self.sent += 1

    @property
    def waited(self) -> float:
        return self.overall.waited + self.channel_waited


SLACK_MESSAGE_METHODS = frozenset({"chat.postMessage", "files.completeUploadExternal"})


def pace_slack(client, limits: Limits = SLACK_LIMITS) -> Pacer:
    """Pace ``client`` (an ``AsyncWebClient``): every message-creating call waits its turn."""
    pacer = Pacer(limits)
    original = client.api_call

    async def api_call(api_method: str, **kwargs):
        if api_method in SLACK_MESSAGE_METHODS:
            args = kwargs.get("json") or kwargs.get("data") or kwargs.get("params") or {}
            channel = args.get("channel") or args.get("channel_id") if isinstance(args, dict) else None
            await pacer.message(channel)
        return await original(api_method, **kwargs)

    client.api_call = api_call
    client.pacer = pacer
    return pacer


def pace_discord(http, limits: Limits = DISCORD_LIMITS) -> Pacer:
    """Pace a discord.py ``HTTPClient``: every request counts against the global limit, message
    creation also against its channel's."""
    pacer = Pacer(limits)
    original = http.request

    async def request(route, **kwargs):
        if route.method == "POST" and route.path == "/channels/{channel_id}/messages":
            await pacer.message(str(route.channel_id))
        else:
            await pacer.request()
        return await original(route, **kwargs)

    http.request = request
    http.pacer = pacer
    return pacer


# --- posters ---------------------------------------------------------------------------------
async def post_note(ledger: PostLedger, platform: str, channel: str, day: date, language: str, *,
                    find: Callable[[], Awaitable[str]], send: Callable[[], Awaitable[str]],
                    failure: Callable[[Exception], str | None]) -> PostRecord:
    """The one-line "no papers" note of ``day`` in ``channel``, once, on either platform.

    The ledger discipline of the digests: a complete record is final; a pending or failed one
    may have gone out before a crash, so ``find()`` (the message id of an earlier note, or "")
    looks for it before anything is resent; else the record is marked pending, ``send()`` posts
    (returning the message id) and the record is marked posted. An error that ``failure`` names
    (a platform error code) marks the record failed; any error is raised on to the scheduler.
    """
    record = await asyncio.to_thread(ledger.get, platform, channel, day)
    if is_complete(record):
        return record
    message_id = await find() if record is not None else ""
    if not message_id:
        await asyncio.to_thread(ledger.mark_pending, platform, channel, day, language)
        try:
            message_id = await send()
        except Exception as err:
            code = failure(err)
            if code is not None:
                await asyncio.to_thread(ledger.mark_failed, platform, channel, day, language, code)
            raise
    await asyncio.to_thread(ledger.mark_posted, platform, channel, day, language, message_id, "",
                            NOTE_DETAIL)
    return await asyncio.to_thread(ledger.get, platform, channel, day)


class SlackPoster:
    platform = "slack"

    def __init__(self, client, service):
        self.client = client  # slack_sdk AsyncWebClient (paced by the runner)
        self.service = service
        self.ledger = PostLedger(service.store)
        self.state = ChatState(service.store)

    async def post(self, channel: str, digest: Digest) -> PostRecord:
        from bot.slack.post import post_daily

        return await post_daily(self.client, self.service, self.ledger, self.state, channel,
                                digest.day, digest.language, digest=digest)

    async def note(self, channel: str, day: date, language: str, text: str) -> PostRecord:
        from slack_sdk.errors import SlackApiError

        async def send() -> str:
            resp = await self.client.chat_postMessage(
                channel=channel, text=text,
                metadata={"event_type": NOTE_EVENT_TYPE,
                          "event_payload": {"day": day.isoformat(), "language": language}})
            return resp["ts"]

        def failure(err: Exception) -> str | None:
            return str(err.response.get("error") or "error") if isinstance(err, SlackApiError) else None

        return await post_note(self.ledger, self.platform, channel, day, language,
                               find=lambda: self._find_note(channel, day), send=send, failure=failure)

    async def _find_note(self, channel: str, day: date) -> str:
        resp = await self.client.conversations_history(channel=channel, include_all_metadata=True,
                                                       limit=NOTE_HISTORY)
        for message in resp.get("messages") or []:
            meta = message.get("metadata") or {}
            if meta.get("event_type") == NOTE_EVENT_TYPE and \
                    (meta.get("event_payload") or {}).get("day") == day.isoformat():
                return message["ts"]
        return ""


class DiscordPoster:
    platform = "discord"

    def __init__(self, client, service):
        self.client = client  # a logged-in discord.Client (DigestBot in the runner)
        self.service = service
        self.ledger = PostLedger(service.store)
        self.state = ChatState(service.store)

    async def post(self, channel: str, digest: Digest) -> PostRecord:
        from bot.discord.post import post_daily

        return await post_daily(self.client, self.service, self.ledger, self.state, channel,
                                digest.day, digest.language, digest=digest)

    async def note(self, channel: str, day: date, language: str, text: str) -> PostRecord:
        import discord

        from bot.discord.post import nonce

        target = self.client.get_partial_messageable(int(channel))

        async def find() -> str:
            async for message in target.history(limit=NOTE_HISTORY):
                if message.author.id == self.client.user.id and message.content == text:
                    return str(message.id)
            return ""

        async def send() -> str:
            sent = await target.send(content=text, nonce=nonce(channel, day, "note"),
                                     allowed_mentions=discord.AllowedMentions.none())
            return str(sent.id)

        def failure(err: Exception) -> str | None:
            if isinstance(err, discord.HTTPException):
                return f"{err.status}/{err.code}: {err.text}"[:300]
            return None

        return await post_note(self.ledger, self.platform, channel, day, language,
                               find=find, send=send, failure=failure)
