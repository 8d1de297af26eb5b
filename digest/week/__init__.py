"""The week: the 7 days ending a day against the 7 days before (issue 17).

Public API (used by the CLI, the chat adapters, the weekly posts and the web archive):

* ``week_report(service, end, language) -> Week`` (``digest.week.report``)
* ``render_week_markdown(week) -> str`` (``digest.week.render``)
* ``week_chart_png(week) -> bytes`` (``digest.week.chart``; imports matplotlib when called)
"""

from __future__ import annotations

from digest.week.render import render_week_markdown
from datetime import date

from digest.week.report import CategoryChange, RisingTerm, TopPaper, Week, week_numbers


def week_report(service, end: date | None = None, language: str | None = None,
                trend: bool = True) -> Week:
    """The week ending ``end`` (default yesterday) against the week before, from stored days only
    (``week_numbers``); with an LLM (and ``trend``) one short paragraph on the week's trend."""
    week = week_numbers(service, end, language)
    if trend and not week.empty and getattr(service, "llm", None) is not None:
        from digest.week.trend import with_trend

        week = with_trend(week, service)
    return week


def week_chart_png(week: Week, dpi: int = 100) -> bytes:
    """The two weeks side by side per category, as PNG bytes (matplotlib loaded on first use)."""
    from digest.week.chart import render_week_chart

    return render_week_chart(week, dpi=dpi)


__all__ = ["CategoryChange", "RisingTerm", "TopPaper", "Week", "render_week_markdown",
           "week_chart_png", "week_report"]
