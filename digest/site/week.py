"""One page per ISO week (Monday to Sunday), built from what the store has.

This is the archive's own small week view: the 7 days with their paper counts and links to the day
pages, and per-category counts per day. The richer week report (issue 17 items 1-2, digest/week/)
can replace :func:`week_page` later: the site only calls it with the week's Monday and the digests
of that week it holds, and writes what it returns to ``week/<YYYY>-W<NN>.html``.
"""

from __future__ import annotations

from datetime import date, timedelta

from digest.models import Digest
from digest.site.html import esc
from digest.site.pages import day_path, page, week_key
from digest.text import t


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_page(first: date, digests: dict[date, Digest], language: str) -> str:
    """The week starting Monday ``first``; ``digests``: the stored days of it (missing days named)."""
    days = [first + timedelta(days=i) for i in range(7)]
    key = week_key(first)
    title = t(language, "site_week_title", week=key, start=days[0].isoformat(), end=days[-1].isoformat())
    per_day = []
    for d in days:
        got = digests.get(d)
        cell = (f'<a href="../{day_path(d)}">{d.isoformat()}</a> '
                f'{esc(t(language, "site_papers", n=got.total_papers))}' if got
                else f'{d.isoformat()} <span class="missing">{esc(t(language, "site_no_digest"))}</span>')
        per_day.append(f"<li>{cell}</li>")
    cats: dict[str, dict[date, int]] = {}
    for d, got in digests.items():
        for name, n in got.counts:
            cats.setdefault(name, {})[d] = n
    ordered = sorted(cats.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    head = "".join(f"<th>{d.strftime('%m-%d')}</th>" for d in days)
    rows = "".join(
        f"<tr><th>{esc(name)}</th>" + "".join(f"<td>{by_day.get(d, '')}</td>" for d in days)
        + f"<td>{sum(by_day.values())}</td></tr>\n" for name, by_day in ordered)
    total = sum(g.total_papers for g in digests.values())
    body = (f"<h1>{esc(title)}</h1>\n<p class=\"meta\">{esc(t(language, 'site_papers', n=total))}</p>\n"
            f"<ul class=\"week-days\">{''.join(per_day)}</ul>\n"
            f"<div class=\"table\"><table>\n<thead><tr><th>{esc(t(language, 'site_category'))}</th>"
            f"{head}<th>{esc(t(language, 'site_total'))}</th></tr></thead>\n<tbody>\n{rows}</tbody>\n"
            f"</table></div>\n")
    return page(language, title, body, "../")
