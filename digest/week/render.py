"""The week as Markdown (the console, ``digest week``, chat replies and weekly posts).

Numbers come first and stand alone; the LLM paragraph, when there is one, follows them.
Titles and LLM text are untrusted: control characters are removed (``clean_text``).
"""

from __future__ import annotations

from datetime import date

from digest.text import t
from digest.untrusted import clean_text
from digest.week.report import CategoryChange, Week


def _signed(change: int, percent: float | None, language: str) -> str:
    if percent is None:
        return f"▲ {t(language, 'week_new')}" if change > 0 else "–"
    if change == 0:
        return "= 0%"
    return f"{'▲' if change > 0 else '▼'} {abs(percent):.0f}%"


def change_text(c: CategoryChange, language: str) -> str:
    """``▲ 25%`` / ``▼ 40%`` / ``= 0%`` / ``▲ new`` (no papers the week before)."""
    return _signed(c.change, c.percent, language)


def _days(days: tuple[date, ...]) -> str:
    return ", ".join(d.isoformat() for d in days)


def render_week_markdown(week: Week) -> str:
    lang = week.language
    start, end = week.start.isoformat(), week.end.isoformat()
    if week.empty:
        lines = [t(lang, "week_empty", start=start, end=end)]
        if week.previous_days:
            lines.append(t(lang, "week_previous_missing", days=_days(week.previous_missing)))
        return "\n".join(lines)
    percent = (100.0 * (week.total - week.previous_total) / week.previous_total
               if week.previous_total else None)
    lines = [f"*{t(lang, 'week_title', start=start, end=end, total=week.total, previous=week.previous_total, change=_signed(week.total - week.previous_total, percent, lang))}*"]
    if week.missing:
        lines.append("_" + t(lang, "week_missing", days=_days(week.missing)) + "_")
    if week.previous_missing:
        lines.append("_" + t(lang, "week_previous_missing", days=_days(week.previous_missing)) + "_")
    lines += ["", f"*{t(lang, 'week_categories')}*"]
    for c in week.categories:
        lines.append(f"• {c.emoji + ' ' if c.emoji else ''}{c.category}: {c.this_week} / "
                     f"{c.last_week}  {change_text(c, lang)}")
    lines += ["", f"*{t(lang, 'week_rising')}*"]
    if week.rising:
        lines += [f"• {clean_text(r.term)}: {r.this_week} / {r.last_week}" for r in week.rising]
    else:
        lines.append(t(lang, "week_no_rising"))
    lines += ["", f"*{t(lang, 'week_top')}*"]
    if week.top_papers:
        for i, p in enumerate(week.top_papers, 1):
            title = " ".join(clean_text(p.paper.title).split())
            lines.append(f"{i}. {title} ({t(lang, 'week_upvotes', n=p.upvotes)}, {p.category}, "
                         f"{p.day.isoformat()}) {p.paper.link}")
    else:
        lines.append(t(lang, "week_no_top"))
    if week.trend:
        lines += ["", f"*{t(lang, 'week_trend')}*", clean_text(week.trend)]
    elif week.trend_note:
        lines += ["", "_" + t(lang, "week_trend_failed", cause=week.trend_note) + "_"]
    return "\n".join(lines)
