"""The follow ping after each daily post: one extra message (or a few, if long) in the digest's
thread naming each follower with matches there, exactly once per (channel, day).

The scheduler calls :meth:`PingSweep.sweep` at the end of every tick. It looks at the channels
whose day is completely posted (the posts ledger) and whose ping is not done (the ping ledger,
``digest.follows.store.PingLedger``), so a ping interrupted by a crash - or whose daily post
finished in an earlier process - is finished on a later tick. The discipline is the daily post's:
pending -> each message carries a findable marker (its first line, and Slack metadata) -> posted;
a pending record is reconciled by looking for the messages already in the thread. A day without
any match is recorded ``posted`` with detail "no matches" and nothing is sent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.core.posting import NOTE_DETAIL
from digest.deliver.ledger import NO_PAPERS, PostLedger, is_complete
from digest.follows.match import FollowMatcher
from digest.follows.store import POSTED, Follows, PingLedger, PingRecord

log = logging.getLogger(__name__)

WINDOW_DAYS = 2  # days back a ping is still sent (a restart after downtime pings no old days)
NO_MATCHES = "no matches"


async def post_ping(pings: PingLedger, platform: str, channel: str, day, parts: list[tuple[list[str], str]], *,
                    find: Callable[[], Awaitable[set[int]]],
                    send: Callable[[int, list[str], str], Awaitable[str]]) -> PingRecord | None:
    """Send the ping's ``parts`` once: a pending record first looks for the parts already out."""
    record = await asyncio.to_thread(pings.get, platform, channel, day)
    if record is not None and record.state == POSTED:
        return record
    if not parts:
        await asyncio.to_thread(pings.mark_posted, platform, channel, day, "", NO_MATCHES)
        return await asyncio.to_thread(pings.get, platform, channel, day)
    sent = await find() if record is not None else set()
    await asyncio.to_thread(pings.mark_pending, platform, channel, day)
    first = ""
    for i, (users, text) in enumerate(parts):
        if i in sent:
            continue
        message_id = await send(i, users, text)
        first = first or message_id
    users = sum(len(u) for u, _ in parts)
    await asyncio.to_thread(pings.mark_posted, platform, channel, day, first,
                            f"{users} users, {len(parts)} messages")
    return await asyncio.to_thread(pings.get, platform, channel, day)


class PingSweep:
    def __init__(self, service, posters: dict):
        self.service = service
        self.posters = posters
        self.ledger = PostLedger(service.store)
        self.pings = PingLedger(service.store)
        self.follows = Follows(service.store)
        self.matcher = FollowMatcher(service.store, service.taxonomy)

    async def sweep(self, now: datetime) -> list[tuple[str, str, str]]:
        """Ping every channel whose post is complete and whose ping is not; (platform, channel, detail)."""
        if not self.service.settings.digest_follows:
            return []
        since = (now - timedelta(days=WINDOW_DAYS)).date()
        records = await asyncio.to_thread(self.ledger.since, since)
        done = await asyncio.to_thread(self.pings.posted_since, since)
        out = []
        for key, record in sorted(records.items()):
            platform, channel, _ = key
            poster = self.posters.get(platform)
            if key in done or poster is None or not hasattr(poster, "ping") or not is_complete(record) \
                    or record.detail in (NO_PAPERS, NOTE_DETAIL) or not record.thread_id:
                continue
            try:
                matches = await asyncio.to_thread(self._matches, platform, channel, record.day)
                ping = await poster.ping(channel, record.day, record.language, record.thread_id, matches)
            except Exception as err:  # this channel's ping only; retried on the next tick
                log.error("event=ping_failed platform=%s channel=%s day=%s cause=%r", platform, channel,
                          record.day, f"{type(err).__name__}: {err}"[:300])
                out.append((platform, channel, "failed"))
                continue
            detail = ping.detail if ping is not None else ""
            log.info("event=ping_ok platform=%s channel=%s day=%s detail=%r", platform, channel,
                     record.day, detail)
            out.append((platform, channel, detail))
        return out

    def _matches(self, platform: str, channel: str, day):
        return self.matcher.day_matches(day, self.follows.followers(platform, channel))
