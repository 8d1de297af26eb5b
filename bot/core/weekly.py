"""Weekly posts (issue 17): each tick of the scheduler, the channels whose weekly slot has come
get the week (``digest.week``) once, through their platform's poster (``Poster.week``).

The week is computed once per (week, language) per tick and rendered to text and a chart; the
posters keep the ledger discipline of the daily note (``bot.core.posting.post_note`` on the
``week_posts`` ledger): pending -> a message with a findable marker -> posted; after a crash the
marker is looked up in the channel before anything is sent again.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime, timezone

from digest.deliver.ledger import is_complete
from digest.week import render_week_markdown, week_chart_png, week_report
from digest.week.subscriptions import WeekDue, WeekSubscriptions

log = logging.getLogger(__name__)
MAX_RETRY_DELAY = 30 * 60.0


class WeeklyPosts:
    def __init__(self, service, posters: dict, clock=None, interval: float = 30.0):
        self.service = service
        self.interval = interval
        self._retry: dict[tuple[str, str, date], tuple[float, int]] = {}  # key -> (not before, attempts)
        self.posters = posters  # platform -> Poster with a ``week`` method
        self.subscriptions = WeekSubscriptions(service.store, clock=clock or service.clock,
                                               default_language=service.settings.digest_language)

    def _render(self, end: date, language: str) -> tuple[str, bytes]:
        week = week_report(self.service, end, language)
        return render_week_markdown(week), (b"" if week.empty else week_chart_png(week))

    async def tick(self, now: datetime) -> list[tuple[WeekDue, str, str]]:
        """Post every weekly post due at ``now``; ``(due, state, detail)`` per channel, where state
        is ``posted`` or ``failed`` (retried on a later tick of the same local day)."""
        now = now.astimezone(timezone.utc)
        complete_before = now.astimezone(self.service.tz).date()
        due = await asyncio.to_thread(self.subscriptions.due, now, complete_before, set(self.posters))
        rendered: dict[tuple[date, str], tuple[str, bytes]] = {}
        results = []
        for d in due:
            if now.timestamp() < self._retry.get(d.key, (0.0, 0))[0]:
                continue  # failed lately: wait for its backoff
            sub = d.subscription
            key = (d.end, sub.language)
            where = f"platform={sub.platform} channel={sub.channel} week_end={d.end} language={sub.language}"
            try:
                if key not in rendered:
                    rendered[key] = await asyncio.to_thread(self._render, d.end, sub.language)
                text, chart = rendered[key]
                record = await self.posters[sub.platform].week(sub.channel, d.end, sub.language, text, chart)
            except Exception as err:  # one channel failing never stops the others
                delay = self._backoff(d.key, now)
                log.error("event=week_post_failed %s cause=%r retry_in=%ds", where,
                          f"{type(err).__name__}: {err}"[:300], delay)
                results.append((d, "failed", type(err).__name__))
                continue
            if not is_complete(record):
                self._backoff(d.key, now)
                results.append((d, "failed", record.detail if record else "no record"))
                continue
            self._retry.pop(d.key, None)
            log.info("event=week_post_ok %s message=%s", where, record.message_id)
            results.append((d, "posted", record.message_id))
        return results

    def _backoff(self, key, now: datetime) -> float:
        """interval x 2^n, at most 30 minutes, as the daily posts (``bot.core.scheduler``)."""
        attempts = self._retry.get(key, (0.0, 0))[1] + 1
        delay = min(MAX_RETRY_DELAY, self.interval * 2 ** (attempts - 1))
        self._retry[key] = (now.timestamp() + delay, attempts)
        return delay
