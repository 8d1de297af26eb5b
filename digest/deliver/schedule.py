"""The schedule rules of daily posts (engine side, no chat SDK): which day is due, DST, catch-up.

The rules (docs/scheduling.md says the same for users):

* **Which day a post covers.** On local date ``L`` (in the subscription's time zone) a channel
  receives the digest of day ``L - 1``: the last complete day of announcements.
* **When.** At ``post_time`` on ``L``. The day must also be over where digests are made
  (``DIGEST_TIMEZONE``, UTC by default), so it is never frozen half-full: where the post time
  comes before that (Asia/Seoul before 09:00 with UTC), the post goes out as soon as the day ends.
* **Catch-up.** If the bot was down at post time, it posts once later the same local day. When
  that local day has passed, the post is skipped: old days never flood a channel.
* **New subscriptions** start with the first post time after they were made (no immediate post).
* **Exactly once.** A post is recorded per (platform, channel, day) in ``digest.deliver.ledger``
  (pending -> posted); a recorded ``posted`` day is never posted again, a ``pending``/``failed``
  one is reconciled by the adapter (its marker is searched before posting again).

The functions take any subscription-shaped value (``Scheduled``), so this module does not import
the subscriptions table that uses it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from digest.deliver.ledger import PostLedger, PostRecord, is_complete
from digest.errors import DigestError

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


class SubscriptionError(DigestError):
    """A bad post time, time zone, language, category or an unknown channel."""


class Scheduled(Protocol):
    """What the schedule reads of a subscription."""

    platform: str
    channel: str
    post_time: str  # "HH:MM", 24-hour
    timezone: str  # IANA name
    paused: bool
    created_at: float  # POSIX seconds

    @property
    def tz(self) -> ZoneInfo: ...


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def parse_post_time(text: str) -> time:
    try:
        hh, mm = text.strip().split(":")
        return time(int(hh), int(mm))
    except (ValueError, AttributeError):
        raise SubscriptionError(f"{text!r} is not a time: use 24-hour HH:MM, e.g. 09:00") from None


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, IsADirectoryError):
        raise SubscriptionError(f"unknown time zone {name!r}: use an IANA name such as "
                                "Asia/Seoul, Europe/London or UTC") from None


def covered_day(local_date: date) -> date:
    """The digest day posted on ``local_date``: the day before (the last complete day)."""
    return local_date - timedelta(days=1)


def slot(post_time: str, tz: ZoneInfo, local_date: date) -> datetime:
    """The UTC instant of the post at ``post_time`` on ``local_date``.

    In a DST gap (02:30 on a spring-forward night) this is the wall time read with the old
    offset, i.e. one hour later on the clock (03:30); in a repeated hour, the first one.
    """
    wall = datetime.combine(local_date, parse_post_time(post_time), tzinfo=tz)
    return wall.astimezone(timezone.utc)


@dataclass(frozen=True)
class Due:
    """A subscription whose post for ``day`` should go out now."""

    subscription: Scheduled
    day: date
    slot: datetime  # UTC
    record: PostRecord | None  # pending/failed: the adapter reconciles before posting again

    @property
    def key(self) -> tuple[str, str, date]:
        return self.subscription.platform, self.subscription.channel, self.day


@dataclass(frozen=True)
class Next:
    """When a channel's next post goes out (UTC), and which day it covers."""

    at: datetime
    day: date
    waiting_for_day: bool = False  # the slot has passed but the day is not over yet


def due(subs: Iterable[Scheduled], ledger: PostLedger, now: datetime,
        complete_before: date | None = None, platforms=None) -> list[Due]:
    """Subscriptions to post now: the slot of their local today has come (and not before
    they subscribed), its day is complete (``day < complete_before``, the digest calendar's
    today) and the ledger has no ``posted`` record for it. Paused ones never are."""
    found = due_slots(subs, ledger, now, lambda sub, local: covered_day(local), complete_before, platforms)
    return [Due(sub, day, at, record) for sub, day, at, record in found]


def due_slots(subs: Iterable, ledger: PostLedger, now: datetime, covers,
              complete_before: date | None = None, platforms=None) -> list[tuple]:
    """``(subscription, day, slot, record)`` of each post due now, in slot order; shared by the
    daily and the weekly schedule (digest/week/subscriptions.py), which differ only in
    ``covers(sub, local_date)``: the day a post on that local date covers (the ledger's key),
    or None when the subscription posts nothing that day (a weekly post's other weekdays)."""
    now = now.astimezone(timezone.utc)
    records = ledger.since(now.date() - timedelta(days=3))  # any zone's "yesterday" is in here
    out = []
    for sub in subs:
        if sub.paused or (platforms is not None and sub.platform not in platforms):
            continue
        try:
            local = now.astimezone(sub.tz).date()
            at = slot(sub.post_time, sub.tz, local)
        except SubscriptionError:
            log.warning("event=bad_subscription platform=%s channel=%s tz=%s time=%s",
                        sub.platform, sub.channel, sub.timezone, sub.post_time)
            continue
        day = covers(sub, local)
        if day is None or now < at or at.timestamp() < sub.created_at:
            continue
        if complete_before is not None and day >= complete_before:
            continue
        record = records.get((sub.platform, sub.channel, day.isoformat()))
        if is_complete(record):
            continue
        out.append((sub, day, at, record))
    out.sort(key=lambda d: (d[2], d[0].platform, d[0].channel))
    return out


def next_post(sub: Scheduled, ledger: PostLedger, now: datetime,
              complete_before: date | None = None) -> Next | None:
    """When the channel's next post goes out; None while paused."""
    if sub.paused:
        return None
    now = now.astimezone(timezone.utc)
    local = now.astimezone(sub.tz).date()
    for offset in (0, 1):
        day_local = local + timedelta(days=offset)
        at = slot(sub.post_time, sub.tz, day_local)
        day = covered_day(day_local)
        if at.timestamp() < sub.created_at:
            continue
        if is_complete(ledger.get(sub.platform, sub.channel, day)):
            continue
        if offset == 0 and at <= now:  # due now (catching up, or waiting for the day)
            waiting = complete_before is not None and day >= complete_before
            return Next(now, day, waiting)
        return Next(at, day)
    later = local + timedelta(days=2)
    return Next(slot(sub.post_time, sub.tz, later), covered_day(later))
