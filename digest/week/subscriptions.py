"""Weekly posts: which channels get the week, on which weekday and time, and when one is due.

The rules mirror the daily ones (``digest.deliver.schedule``):

* On the subscription's weekday ``L`` (local date, its time zone), at ``post_time``, the channel
  receives the week ending ``L - 1`` (the 7 complete days before the post).
* The week's last day must be over where digests are made (``complete_before``).
* Catch-up: a bot that was down posts once later the same local day; a missed weekday stays missed.
* New subscriptions start with the first slot after they were made.
* Exactly once per (channel, week): the ``week_posts`` ledger (``PostLedger(store, WEEK_POSTS)``,
  keyed by the week's last day), pending -> posted, reconciled from the platform after a crash.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from digest.deliver.ledger import WEEK_POSTS, PostLedger, PostRecord, is_complete
from digest.deliver.schedule import Clock, SubscriptionError, due_slots, parse_post_time, slot, utc_now, zone
from digest.store import Store
from digest.text import CATALOGS

log = logging.getLogger(__name__)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_WORDS = {  # every catalog's weekday words (``words_weekdays``, Monday first)
    word: i for catalog in CATALOGS.values()
    for i, words in enumerate(catalog["words_weekdays"]) for word in words}


def parse_weekday(text: str) -> int:
    """``mon`` / ``Monday`` (or a weekday word of any catalog) -> 0..6; raises ``SubscriptionError``."""
    key = (text or "").strip().casefold()
    if key not in _WEEKDAY_WORDS:
        raise SubscriptionError(f"{text!r} is not a weekday: use mon, tue, wed, thu, fri, sat or sun")
    return _WEEKDAY_WORDS[key]


def week_end_for(local_date: date) -> date:
    """The last day of the week posted on ``local_date``: the day before."""
    return local_date - timedelta(days=1)


@dataclass(frozen=True)
class WeekSubscription:
    platform: str
    channel: str
    weekday: int  # 0 = Monday
    post_time: str  # "HH:MM"
    timezone: str
    language: str
    paused: bool = False
    created_by: str = ""
    created_at: float = 0.0

    @property
    def tz(self) -> ZoneInfo:
        return zone(self.timezone)

    def describe(self) -> str:
        return (f"weekly {WEEKDAYS[self.weekday]} {self.post_time} {self.timezone}, {self.language}"
                + (" (paused)" if self.paused else ""))


@dataclass(frozen=True)
class WeekDue:
    subscription: WeekSubscription
    end: date  # the week's last day
    slot: datetime  # UTC
    record: PostRecord | None

    @property
    def key(self) -> tuple[str, str, date]:
        return self.subscription.platform, self.subscription.channel, self.end


def _from_row(r: dict) -> WeekSubscription:
    return WeekSubscription(platform=r["platform"], channel=r["channel"], weekday=int(r["weekday"]),
                            post_time=r["post_time"], timezone=r["timezone"], language=r["language"],
                            paused=bool(r["paused"]), created_by=r["created_by"] or "",
                            created_at=float(r["created_at"] or 0))


class WeekSubscriptions:
    """CRUD over ``week_subscriptions`` and the weekly schedule (``due``, ``next_post``)."""

    def __init__(self, store: Store, clock: Clock | None = None, default_language: str = "ko"):
        self.store = store
        self.clock = clock or utc_now
        self.default_language = default_language
        self.ledger = PostLedger(store, WEEK_POSTS)

    def subscribe(self, platform: str, channel: str, weekday: str | int, post_time: str,
                  timezone_name: str, language: str | None = None, created_by: str = "") -> WeekSubscription:
        if platform not in ("slack", "discord") or not str(channel).strip():
            raise SubscriptionError("a weekly subscription needs a platform (slack or discord) and a channel")
        day = weekday if isinstance(weekday, int) else parse_weekday(weekday)
        t = parse_post_time(post_time)
        zone(timezone_name)
        language = (language or self.default_language).strip()
        if not language or len(language) > 20 or not language.replace("-", "").isalnum():
            raise SubscriptionError(f"{language!r} is not a language code (e.g. ko, en)")
        old = self.get(platform, channel)
        sub = WeekSubscription(platform, str(channel), day, f"{t.hour:02d}:{t.minute:02d}",
                               timezone_name, language, False,
                               old.created_by if old and old.created_by else created_by,
                               old.created_at if old else self.clock().timestamp())
        with self.store.transaction() as db:
            db["week_subscriptions"].upsert({
                "platform": sub.platform, "channel": sub.channel, "weekday": sub.weekday,
                "post_time": sub.post_time, "timezone": sub.timezone, "language": sub.language,
                "paused": 0, "created_by": sub.created_by, "created_at": sub.created_at,
            }, pk=("platform", "channel"))
        log.info("event=week_subscribed platform=%s channel=%s weekday=%s time=%s tz=%s language=%s",
                 platform, channel, WEEKDAYS[day], sub.post_time, sub.timezone, sub.language)
        return sub

    def unsubscribe(self, platform: str, channel: str) -> bool:
        with self.store.transaction() as db:
            cur = db.execute("delete from week_subscriptions where platform = ? and channel = ?",
                             [platform, str(channel)])
        return bool(cur.rowcount)

    def get(self, platform: str, channel: str) -> WeekSubscription | None:
        with self.store.lock:
            rows = self.store.db.execute_returning_dicts(
                "select * from week_subscriptions where platform = ? and channel = ?",
                [platform, str(channel)])
        return _from_row(rows[0]) if rows else None

    def all(self, platform: str | None = None) -> list[WeekSubscription]:
        sql = "select * from week_subscriptions" + (" where platform = ?" if platform else "")
        with self.store.lock:
            rows = self.store.db.execute_returning_dicts(
                sql + " order by platform, channel", [platform] if platform else [])
        return [_from_row(r) for r in rows]

    def due(self, now: datetime | None = None, complete_before: date | None = None,
            platforms=None) -> list[WeekDue]:
        """Weekly posts to send now: today is the weekday (local), its slot has come (and came
        after the subscription), the week is over, and the ledger has no complete record."""
        def covers(sub: WeekSubscription, local: date) -> date | None:
            return week_end_for(local) if local.weekday() == sub.weekday else None

        found = due_slots(self.all(), self.ledger, now or self.clock(), covers, complete_before, platforms)
        return [WeekDue(sub, end, at, record) for sub, end, at, record in found]

    def next_post(self, sub: WeekSubscription, now: datetime | None = None) -> datetime:
        """The UTC instant of the channel's next weekly post."""
        now = (now or self.clock()).astimezone(timezone.utc)
        local = now.astimezone(sub.tz).date()
        for offset in range(8):
            day = local + timedelta(days=offset)
            if day.weekday() != sub.weekday:
                continue
            at = slot(sub.post_time, sub.tz, day)
            done = is_complete(self.ledger.get(sub.platform, sub.channel, week_end_for(day)))
            if (at > now or offset == 0) and not done and at.timestamp() >= sub.created_at:
                return max(at, now)
        day = local + timedelta(days=(sub.weekday - local.weekday()) % 7 or 7)
        return slot(sub.post_time, sub.tz, day)

    # --- pause / resume (issue 17 finish): appended here, the due loop above is untouched
    def set_paused(self, platform: str, channel: str, paused: bool) -> WeekSubscription | None:
        """Pause or resume a channel's weekly post (``due`` skips paused ones); None when the
        channel has no weekly subscription. A resumed week is posted from the next slot on."""
        with self.store.transaction() as db:
            cur = db.execute("update week_subscriptions set paused = ? where platform = ? and channel = ?",
                             [int(paused), platform, str(channel)])
        return self.get(platform, channel) if cur.rowcount else None
