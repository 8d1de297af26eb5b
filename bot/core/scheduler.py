"""The daily scheduler: one asyncio loop that posts each subscribed channel its digest once.

Every ``DIGEST_SCHEDULER_INTERVAL`` seconds (and at start, which is the catch-up after downtime)
a tick:

1. asks ``Subscriptions.due(now)`` which channels should have their post now (their local post
   time has come today, the covered day is over, and the ledger has no ``posted`` record);
2. groups them by (day, language) and gets each digest ONCE, off the event loop (stored ->
   loaded; papers stored -> composed; else built) - LLM calls never grow with channels;
3. fans out to the platform ``Poster`` objects, a few channels at a time per platform; the
   posters pace their messages within each platform's rate limits (``bot.core.pacing``);
4. logs every outcome (``event=post_ok`` / ``post_failed`` ...); one channel failing never stops
   the others, it is retried on a later tick with backoff (the same local day only).

The exactly-once discipline lives in the ledger (``digest.deliver.ledger``) and the adapters' post
functions: pending -> post with a findable marker -> posted; a pending record is reconciled
before anything is posted again. The scheduler only decides *when* and *what*.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from bot.core.context import Poster
from bot.core.pings import PingSweep
from digest.errors import NoPapersError
from digest.models import Digest
from digest.deliver.ledger import NO_PAPERS, PostLedger, PostRecord, is_complete
from digest.deliver.schedule import Due
from digest.deliver.filters import channel_digest
from digest.deliver.subscriptions import Subscriptions, empty_note, filter_digest
from digest.llm.usage import billed_totals

log = logging.getLogger(__name__)

DEFAULT_CONCURRENCY = {"slack": 8, "discord": 40}  # channels in flight; pacing does the rest
MAX_RETRY_DELAY = 30 * 60.0  # seconds between attempts of a failing channel, at most
EMPTY = object()  # a (day, language) without papers


@dataclass(frozen=True)
class Outcome:
    platform: str
    channel: str
    day: date
    state: str  # posted | note | empty | failed
    detail: str = ""
    message_id: str = ""


@dataclass
class TickReport:
    now: datetime
    due: int = 0
    outcomes: list[Outcome] = field(default_factory=list)
    builds: list[tuple[date, str, str]] = field(default_factory=list)  # day, language, how
    pings: list[tuple[str, str, str]] = field(default_factory=list)  # platform, channel, detail

    def by_state(self, state: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.state == state]


def _cause(err: BaseException) -> str:
    text = " ".join(str(err).split())[:300]
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


class Scheduler:
    def __init__(self, service, posters: Iterable[Poster], *, subscriptions: Subscriptions | None = None,
                 clock: Callable[[], datetime] | None = None, interval: float | None = None,
                 concurrency: dict[str, int] | None = None, sleep=asyncio.sleep):
        self.service = service
        self.posters = {p.platform: p for p in posters}
        self.clock = clock or service.clock  # one clock for the process (tests set it)
        self.subscriptions = subscriptions or Subscriptions(
            service.store, clock=self.clock, taxonomy=service.taxonomy,
            default_language=service.settings.digest_language)
        self.ledger = PostLedger(service.store)
        self.interval = interval or service.settings.digest_scheduler_interval
        self.concurrency = {**DEFAULT_CONCURRENCY, **(concurrency or {})}
        self.sleep = sleep
        self._digests: dict[tuple[date, str], object] = {}
        self._build_retry: dict[tuple[date, str], tuple[float, int]] = {}
        self._post_retry: dict[tuple[str, str, date], tuple[float, int]] = {}
        self._warned: set[str] = set()
        self.pings = PingSweep(service, self.posters)  # follow pings after the posts (bot.core.pings)

    # --- the loop -------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event | None = None, lease=None) -> None:
        """Tick until ``stop`` is set; a failing tick is logged and the loop goes on.

        With a ``lease`` (digest.deliver.lease.Lease), a tick runs only while this process holds it, so
        two bot processes on one database never both post; the other stands by.
        """
        stop = stop or asyncio.Event()
        standby = False
        log.info("event=scheduler_start interval=%ss platforms=%s subscriptions=%d", self.interval,
                 ",".join(sorted(self.posters)) or "none", len(self.subscriptions.all()))
        while not stop.is_set():
            try:
                if lease is None or await asyncio.to_thread(lease.acquire):
                    if standby:
                        log.info("event=scheduler_active owner=%s", lease.owner)
                        standby = False
                    await self.tick()
                elif not standby:
                    standby = True
                    holder = lease.holder()
                    log.warning("event=scheduler_standby reason=another_process_posts holder=%s",
                                holder[0] if holder else "?")
            except Exception:  # a bug in one tick must not end the daily posts
                log.exception("event=tick_failed")
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.interval)
            except asyncio.TimeoutError:
                pass
        log.info("event=scheduler_stop")

    async def tick(self, now: datetime | None = None) -> TickReport:
        """Post everything due at ``now`` (default: the clock); returns what happened."""
        now = (now or self.clock()).astimezone(timezone.utc)
        report = TickReport(now)
        complete_before = now.astimezone(self.service.tz).date()
        await self._weekly(now, report)  # weekly posts (bot.core.weekly), their own ledger
        due = await asyncio.to_thread(self.subscriptions.due, now, complete_before)
        due = [d for d in due if self._has_poster(d) and not self._waiting(self._post_retry, d.key, now)]
        report.due = len(due)
        if not due:
            report.pings = await self.pings.sweep(now)
            return report
        groups: dict[tuple[date, str], list[Due]] = defaultdict(list)
        for d in due:
            groups[(d.day, d.subscription.language)].append(d)
        jobs: dict[str, list[tuple[Due, object]]] = defaultdict(list)
        for (day, language), items in sorted(groups.items()):
            digest = await self._digest(day, language, now, report)
            if digest is None:  # could not build: every channel of the group waits for a retry
                continue
            for d in items:
                jobs[d.subscription.platform].append((d, digest))
        await asyncio.gather(*(self._fan_out(platform, items, now, report)
                               for platform, items in jobs.items()))
        self._prune(now)
        report.pings = await self.pings.sweep(now)
        return report

    async def _weekly(self, now: datetime, report: TickReport) -> None:
        from bot.core.weekly import WeeklyPosts

        if not hasattr(self, "weekly"):
            self.weekly = WeeklyPosts(self.service, self.posters, clock=self.clock, interval=self.interval)
        for d, state, detail in await self.weekly.tick(now):
            sub = d.subscription
            report.outcomes.append(Outcome(sub.platform, sub.channel, d.end, f"week_{state}", detail))

    def _has_poster(self, d: Due) -> bool:
        platform = d.subscription.platform
        if platform in self.posters:
            return True
        if platform not in self._warned:
            self._warned.add(platform)
            log.warning("event=no_poster platform=%s: its subscriptions wait until the %s adapter "
                        "runs (set its token)", platform, platform)
        return False

    # --- digests: once per (day, language) ------------------------------------------------
    async def _digest(self, day: date, language: str, now: datetime, report: TickReport):
        key = (day, language)
        if key in self._digests:
            return self._digests[key]
        if self._waiting(self._build_retry, key, now):
            return None
        started = time.monotonic()
        calls0, tokens0 = await asyncio.to_thread(self._llm_usage)
        try:
            digest, how = await asyncio.to_thread(self._get_digest, day, language)
        except NoPapersError:
            digest, how = EMPTY, "no papers"
        except Exception as err:  # sources down, LLM errors that escaped the fallbacks...
            delay = self._backoff(self._build_retry, key, now)
            log.error("event=digest_failed day=%s language=%s cause=%r retry_in=%ds", day, language,
                      _cause(err), delay)
            report.builds.append((day, language, "failed"))
            return None
        calls1, tokens1 = await asyncio.to_thread(self._llm_usage)
        self._build_retry.pop(key, None)
        self._digests[key] = digest
        report.builds.append((day, language, how))
        papers = 0 if digest is EMPTY else digest.total_papers
        categories = 0 if digest is EMPTY else len(digest.summaries)
        log.info("event=digest_ready day=%s language=%s how=%s papers=%d categories=%d llm_calls=%d "
                 "llm_tokens=%d seconds=%.2f", day, language, how.replace(" ", "_"), papers, categories,
                 calls1 - calls0, tokens1 - tokens0, time.monotonic() - started)
        return digest

    def _get_digest(self, day: date, language: str) -> tuple[Digest, str]:
        store = self.service.store
        how = "stored" if store.load_digest(day, language) is not None else (
            "composed" if store.day_papers(day) else "built")
        return self.service.get_digest(day, language, build_missing=True), how

    def _llm_usage(self) -> tuple[int, int]:
        return billed_totals(self.service.store)

    # --- fan-out --------------------------------------------------------------------------
    async def _fan_out(self, platform: str, items: list[tuple[Due, object]], now: datetime,
                       report: TickReport) -> None:
        gate = asyncio.Semaphore(max(1, self.concurrency.get(platform, 4)))

        async def one(d: Due, digest) -> None:
            async with gate:
                report.outcomes.append(await self._post_one(d, digest, now))

        await asyncio.gather(*(one(d, digest) for d, digest in items))

    async def _post_one(self, d: Due, digest, now: datetime) -> Outcome:
        sub, poster = d.subscription, self.posters[d.subscription.platform]
        where = f"platform={sub.platform} channel={sub.channel} day={d.day} language={sub.language}"
        started = time.monotonic()
        try:
            if digest is not EMPTY and sub.filter:  # keyword filters: recomposed from the kept papers
                digest = await asyncio.to_thread(channel_digest, self.service, digest, sub.filter)
            shown = None if digest is EMPTY else filter_digest(digest, sub.categories)
            if shown is None or not shown.summaries:
                if not sub.notify_empty:
                    await asyncio.to_thread(self.ledger.mark_posted, sub.platform, sub.channel, d.day,
                                            sub.language, "", "", NO_PAPERS)
                    log.info("event=post_empty %s: no papers%s, nothing posted", where,
                             " in its categories" if shown is not None else "")
                    return Outcome(sub.platform, sub.channel, d.day, "empty", NO_PAPERS)
                text = empty_note(d.day, sub.language, sub.categories if shown is not None else ())
                record = await poster.note(sub.channel, d.day, sub.language, text)
                state = "note"
            else:
                record = await poster.post(sub.channel, shown)
                state = "posted"
        except Exception as err:  # DigestError, HTTP errors, bugs: this channel only
            delay = self._backoff(self._post_retry, d.key, now)
            log.error("event=post_failed %s cause=%r retry_in=%ds", where, _cause(err), delay)
            return Outcome(sub.platform, sub.channel, d.day, "failed", _cause(err))
        if not is_complete(record):
            delay = self._backoff(self._post_retry, d.key, now)
            detail = record.detail if record is not None else "no record"
            log.error("event=post_incomplete %s message=%s detail=%r retry_in=%ds", where,
                      record.message_id if record else "", detail, delay)
            return Outcome(sub.platform, sub.channel, d.day, "failed", detail,
                           record.message_id if record else "")
        self._post_retry.pop(d.key, None)
        reconciled = " reconciled=1" if d.record is not None else ""
        log.info("event=post_ok %s kind=%s message=%s thread=%s slot=%s late_s=%d seconds=%.2f%s",
                 where, state, record.message_id, record.thread_id or "-",
                 d.slot.isoformat(timespec="minutes"), max(0, (now - d.slot).total_seconds()),
                 time.monotonic() - started, reconciled)
        return Outcome(sub.platform, sub.channel, d.day, state, record.detail, record.message_id)

    # --- retries --------------------------------------------------------------------------
    def _waiting(self, table: dict, key, now: datetime) -> bool:
        entry = table.get(key)
        return entry is not None and now.timestamp() < entry[0]

    def _backoff(self, table: dict, key, now: datetime) -> float:
        attempts = table.get(key, (0.0, 0))[1] + 1
        delay = min(MAX_RETRY_DELAY, self.interval * (2 ** (attempts - 1)))
        table[key] = (now.timestamp() + delay, attempts)
        return delay

    def _prune(self, now: datetime) -> None:
        """Forget digests and retry state of days no zone can still post (older than 3 days)."""
        oldest = (now - timedelta(days=3)).date()
        for table in (self._digests, self._build_retry):
            for key in [k for k in table if k[0] < oldest]:
                del table[key]
        for key in [k for k in self._post_retry if k[2] < oldest]:
            del self._post_retry[key]
