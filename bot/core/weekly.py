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


class WeeklyPosts:
    def __init__(self, service, posters: dict, clock=None):
        self.service = service
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
            sub = d.subscription
            key = (d.end, sub.language)
            where = f"platform={sub.platform} channel={sub.channel} week_end={d.end} language={sub.language}"
            try:
                if key not in rendered:
                    rendered[key] = await asyncio.to_thread(self._render, d.end, sub.language)
                text, chart = rendered[key]
                record = await self.posters[sub.platform].week(sub.channel, d.end, sub.language, text, chart)
            except Exception as err:  # one channel failing never stops the others
                log.error("event=week_post_failed %s cause=%r", where, f"{type(err).__name__}: {err}"[:300])
                results.append((d, "failed", type(err).__name__))
                continue
            if not is_complete(record):
                results.append((d, "failed", record.detail if record else "no record"))
                continue
            log.info("event=week_post_ok %s message=%s", where, record.message_id)
            results.append((d, "posted", record.message_id))
        return results
