"""Daily-post subscriptions per (platform, channel): the ``subscriptions`` table (CRUD) and what
a subscription receives (``filter_digest``, ``empty_note``). When posts are due: ``schedule``;
the chat commands: ``chat``; the status lines: ``status``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from digest.deliver import schedule
from digest.deliver.filters import ChannelFilter, keywords
from digest.deliver.ledger import PostLedger, PostRecord
from digest.deliver.schedule import (
    Clock,
    Due,
    Next,
    SubscriptionError,
    parse_post_time,
    utc_now,
    zone,
)
from digest.models import Digest
from digest.store import Store
from digest.text import t

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Subscription:
    platform: str
    channel: str
    post_time: str  # "HH:MM", 24-hour
    timezone: str  # IANA name
    language: str
    categories: tuple[str, ...] = ()  # empty: every category
    paused: bool = False
    notify_empty: bool = False  # post a one-line note on days without papers
    created_by: str = ""
    created_at: float = 0.0  # POSIX seconds; posts start with the first slot after this
    only: tuple[str, ...] = ()  # keyword filters (digest.deliver.filters): papers must match one
    exclude: tuple[str, ...] = ()  # ... and none of these

    @property
    def filter(self) -> ChannelFilter:
        return ChannelFilter(self.only, self.exclude)

    @property
    def tz(self) -> ZoneInfo:
        return zone(self.timezone)

    def local_date(self, now: datetime) -> date:
        return now.astimezone(self.tz).date()

    def slot(self, local_date: date) -> datetime:
        """The UTC instant of the post on ``local_date`` (DST: ``schedule.slot``)."""
        return schedule.slot(self.post_time, self.tz, local_date)

    def describe(self) -> str:
        cats = ", ".join(self.categories) if self.categories else "all categories"
        state = " (paused)" if self.paused else ""
        words = f", filter: {self.filter.describe('en')}" if self.filter else ""
        return f"{self.post_time} {self.timezone}, {self.language}, {cats}{words}{state}"


def _row(s: Subscription) -> dict:
    return {"platform": s.platform, "channel": s.channel, "post_time": s.post_time,
            "timezone": s.timezone, "language": s.language,
            "categories": ",".join(s.categories), "paused": int(s.paused),
            "notify_empty": int(s.notify_empty), "created_by": s.created_by,
            "created_at": s.created_at,
            **dict(zip(("only_words", "exclude_words"), s.filter.encode()))}


def _from_row(r: dict) -> Subscription:
    return Subscription(platform=r["platform"], channel=r["channel"], post_time=r["post_time"],
                        timezone=r["timezone"], language=r["language"],
                        categories=tuple(c for c in (r["categories"] or "").split(",") if c),
                        paused=bool(r["paused"]), notify_empty=bool(r["notify_empty"]),
                        created_by=r["created_by"] or "", created_at=float(r["created_at"] or 0),
                        **_filter_fields(r))


def _filter_fields(r: dict) -> dict:
    flt = ChannelFilter.decode(r.get("only_words"), r.get("exclude_words"))
    return {"only": flt.only, "exclude": flt.exclude}


class Subscriptions:
    """CRUD over the ``subscriptions`` table; ``due``, ``next_post`` and ``last_post`` ask
    ``schedule`` and the post ledger about them."""

    def __init__(self, store: Store, clock: Clock | None = None, taxonomy=None,
                 default_language: str = "ko"):
        self.store = store
        self.clock = clock or utc_now
        self.taxonomy = taxonomy
        self.default_language = default_language
        self.ledger = PostLedger(store)

    # --- CRUD -----------------------------------------------------------------------------
    def _canonical_categories(self, categories) -> tuple[str, ...]:
        names: list[str] = []
        for raw in categories or ():
            raw = raw.strip()
            if not raw:
                continue
            name = raw
            if self.taxonomy is not None:
                cat = self.taxonomy.get(raw)
                if cat is None:
                    hint = self.taxonomy.suggest(raw)
                    raise SubscriptionError(f"unknown category {raw!r}"
                                            + (f": did you mean {hint!r}?" if hint else ""))
                name = cat.name
            if name not in names:
                names.append(name)
        return tuple(names)

    def subscribe(self, platform: str, channel: str, post_time: str, timezone_name: str,
                  language: str | None = None, categories=(), *, notify_empty: bool | None = None,
                  created_by: str = "", only=None, exclude=None) -> Subscription:
        """Create or update the channel's subscription (an update keeps ``created_at`` and
        resumes a paused one). Validates every field; raises ``SubscriptionError``."""
        if not platform or not str(channel).strip():
            raise SubscriptionError("a subscription needs a platform and a channel")
        t = parse_post_time(post_time)
        zone(timezone_name)
        language = (language or self.default_language).strip()
        if not language or len(language) > 20 or not language.replace("-", "").isalnum():
            raise SubscriptionError(f"{language!r} is not a language code (e.g. ko, en, ja)")
        cats = self._canonical_categories(categories)
        old = self.get(platform, channel)
        # filters given replace the old ones; not given (None) keep them, as notify_empty does
        only = keywords(only, self.taxonomy) if only is not None else (old.only if old else ())
        exclude = keywords(exclude, self.taxonomy) if exclude is not None else (old.exclude if old else ())
        sub = Subscription(
            platform=platform, channel=str(channel), post_time=f"{t.hour:02d}:{t.minute:02d}",
            timezone=timezone_name, language=language, categories=cats, paused=False,
            notify_empty=(old.notify_empty if old else False) if notify_empty is None else notify_empty,
            created_by=old.created_by if old and old.created_by else created_by,
            created_at=old.created_at if old else self.clock().timestamp(), only=only, exclude=exclude)
        with self.store.transaction() as db:
            db["subscriptions"].upsert(_row(sub), pk=("platform", "channel"))
        log.info("event=subscribed platform=%s channel=%s time=%s tz=%s language=%s categories=%s by=%s",
                 platform, channel, sub.post_time, sub.timezone, sub.language,
                 ",".join(cats) or "all", created_by or "-")
        return sub

    def unsubscribe(self, platform: str, channel: str) -> bool:
        with self.store.transaction() as db:
            cur = db.execute("delete from subscriptions where platform = ? and channel = ?",
                             [platform, str(channel)])
        if cur.rowcount:
            log.info("event=unsubscribed platform=%s channel=%s", platform, channel)
        return bool(cur.rowcount)

    def update(self, platform: str, channel: str, **changes) -> Subscription:
        """Change ``paused`` / ``notify_empty`` / ``language`` / ``categories`` of a subscription."""
        old = self.get(platform, channel)
        if old is None:
            raise SubscriptionError(f"{platform} channel {channel} has no subscription")
        if "categories" in changes:
            changes["categories"] = self._canonical_categories(changes["categories"])
        for key in ("only", "exclude"):
            if key in changes:
                changes[key] = keywords(changes[key], self.taxonomy)
        new = replace(old, **changes)
        with self.store.transaction() as db:
            db["subscriptions"].upsert(_row(new), pk=("platform", "channel"))
        log.info("event=subscription_changed platform=%s channel=%s %s", platform, channel,
                 " ".join(f"{k}={v}" for k, v in changes.items()))
        return new

    def pause(self, platform: str, channel: str) -> Subscription:
        return self.update(platform, channel, paused=True)

    def resume(self, platform: str, channel: str) -> Subscription:
        return self.update(platform, channel, paused=False)

    def get(self, platform: str, channel: str) -> Subscription | None:
        with self.store.lock:
            rows = self.store.db.execute_returning_dicts(
                "select * from subscriptions where platform = ? and channel = ?",
                [platform, str(channel)])
        return _from_row(rows[0]) if rows else None

    def all(self, platform: str | None = None) -> list[Subscription]:
        sql = "select * from subscriptions" + (" where platform = ?" if platform else "")
        with self.store.lock:
            rows = self.store.db.execute_returning_dicts(
                sql + " order by platform, channel", [platform] if platform else [])
        return [_from_row(r) for r in rows]

    # --- schedule -------------------------------------------------------------------------
    def due(self, now: datetime | None = None, complete_before: date | None = None,
            platforms=None) -> list[Due]:
        """Subscriptions to post now (see ``schedule.due``)."""
        return schedule.due(self.all(), self.ledger, now or self.clock(), complete_before, platforms)

    def next_post(self, sub: Subscription, now: datetime | None = None,
                  complete_before: date | None = None) -> Next | None:
        """When the channel's next post goes out; None while paused."""
        return schedule.next_post(sub, self.ledger, now or self.clock(), complete_before)

    def last_post(self, sub: Subscription) -> PostRecord | None:
        return self.ledger.last(sub.platform, sub.channel)


# --- digests per subscription --------------------------------------------------------------
def filter_digest(digest: Digest, categories) -> Digest:
    """Only the sections of ``categories`` (all when empty); counts and chart stay the day's."""
    if not categories:
        return digest
    wanted = set(categories)
    return replace(digest, summaries=tuple(s for s in digest.summaries if s.category in wanted))


def empty_note(day: date, language: str, categories=()) -> str:
    """The one-line note posted on a day without papers (when the channel asked for it)."""
    if categories:
        return t(language, "sub_empty_note_in", day=day.isoformat(), categories=", ".join(categories))
    return t(language, "sub_empty_note", day=day.isoformat())
