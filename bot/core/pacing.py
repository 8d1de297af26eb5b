"""Pacing that keeps a whole day's fan-out within each platform's rate limits.

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
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


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


