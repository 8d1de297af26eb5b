"""One page per ISO week (Monday to Sunday), built from what the store has.

The page shows the week report of ``digest.week`` (the Monday-to-Sunday week against the one
before): per-category counts with ▲/▼ and %, the rising terms, the most upvoted papers, the
missing days named, the week chart (a PNG written beside the page), and under it the 7 days with
links to their pages. No LLM is called while the site is built (``trend=False``); the trend paragraph
is shown when ``/digest week`` or a weekly post already cached it (``LLM.cached``, no call).
Terms and titles are untrusted: everything goes through ``esc`` / ``paper_html``.
"""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

from digest.models import Digest
from digest.site.html import esc, paper_html
from digest.site.pages import _size, day_path, page, week_key
from digest.text import t
from digest.untrusted import clean_text


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_chart_path(first: date) -> str:
    return f"week/{week_key(first)}.png"


def week_of(store, taxonomy, first: date, language: str, llm=None):
    """The week report of Monday ``first`` from the store and taxonomy; with ``llm`` its trend
    paragraph only when already cached (``LLM.cached``: no call while the site is built)."""
    from digest.week import week_report
    from digest.week.trend import cached_trend

    source = SimpleNamespace(store=store, taxonomy=taxonomy, llm=llm, settings=None)
    week = week_report(source, first + timedelta(days=6), language, trend=False)
    return cached_trend(week, source) if llm is not None else week


def _report_html(week, language: str, chart: bytes | None, first: date) -> str:
    from digest.week.render import change_text

    lang = language
    parts = []
    if week.missing:
        parts.append(f'<p class="note missing">{esc(t(lang, "week_missing", days=", ".join(d.isoformat() for d in week.missing)))}</p>')
    if week.previous_missing:
        parts.append(f'<p class="note">{esc(t(lang, "week_previous_missing", days=", ".join(d.isoformat() for d in week.previous_missing)))}</p>')
    if chart:
        parts.append(f'<figure><img src="{esc(week_key(first))}.png" alt="{esc(t(lang, "site_week_chart_alt"))}"'
                     f'{_size(chart)}></figure>')
    if week.trend:
        parts.append(f'<h2>{esc(t(lang, "week_trend"))}</h2>\n<p class="trend">{esc(clean_text(week.trend))}</p>')
    rows = "".join(
        f'<tr><th>{esc(c.emoji)} {esc(c.category)}</th><td>{c.this_week}</td><td>{c.last_week}</td>'
        f'<td class="{"up" if c.change > 0 else "down" if c.change < 0 else "same"}">'
        f'{esc(change_text(c, lang))}</td></tr>\n' for c in week.categories)
    parts.append(f'<h2>{esc(t(lang, "week_categories"))}</h2>\n<div class="table"><table>\n<thead><tr>'
                 f'<th>{esc(t(lang, "site_category"))}</th><th>{esc(t(lang, "site_week_this"))}</th>'
                 f'<th>{esc(t(lang, "site_week_before"))}</th><th>{esc(t(lang, "site_week_change"))}</th>'
                 f'</tr></thead>\n<tbody>\n{rows}</tbody>\n</table></div>')
    parts.append(f'<h2>{esc(t(lang, "week_rising"))}</h2>')
    if week.rising:
        parts.append('<ul class="rising">' + "".join(
            f'<li>{esc(clean_text(r.term))}: {r.this_week} / {r.last_week}</li>' for r in week.rising) + "</ul>")
    else:
        parts.append(f'<p>{esc(t(lang, "week_no_rising"))}</p>')
    parts.append(f'<h2>{esc(t(lang, "week_top"))}</h2>')
    if week.top_papers:
        parts.append('<ol class="top">' + "".join(
            f'<li>{paper_html(p.paper)} <span class="meta">{esc(p.category)} · '
            f'<a href="../{day_path(p.day)}">{p.day.isoformat()}</a></span></li>'
            for p in week.top_papers) + "</ol>")
    else:
        parts.append(f'<p>{esc(t(lang, "week_no_top"))}</p>')
    return "\n".join(parts) + "\n"


def week_page(first: date, digests: dict[date, Digest], language: str, week=None,
              chart: bytes | None = None) -> str:
    """The week starting Monday ``first``; ``digests``: the stored days of it (missing days named);
    ``week``: its report (``week_of``) and ``chart`` its PNG, written by the caller beside the page."""
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
    total = sum(g.total_papers for g in digests.values())
    report = _report_html(week, language, chart, first) if week is not None and not week.empty else ""
    body = (f"<h1>{esc(title)}</h1>\n<p class=\"meta\">{esc(t(language, 'site_papers', n=total))}</p>\n"
            f"{report}<h2>{esc(t(language, 'site_week_days'))}</h2>\n"
            f"<ul class=\"week-days\">{''.join(per_day)}</ul>\n")
    return page(language, title, body, "../")
