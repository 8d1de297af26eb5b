"""The week: the 7 days ending a day against the 7 days before (issue 17).

Public API (used by the CLI, the chat adapters, the weekly posts and the web archive):

* ``week_report(service, end, language) -> Week`` (``digest.week.report``)
* ``render_week_markdown(week) -> str`` (``digest.week.render``)
* ``week_chart_png(week) -> bytes`` (``digest.week.chart``; imports matplotlib when called)
"""

from __future__ import annotations

from digest.week.render import render_week_markdown
from digest.week.report import CategoryChange, RisingTerm, TopPaper, Week, week_report


def week_chart_png(week: Week, dpi: int = 100) -> bytes:
    """The two weeks side by side per category, as PNG bytes (matplotlib loaded on first use)."""
    from digest.week.chart import render_week_chart

    return render_week_chart(week, dpi=dpi)


__all__ = ["CategoryChange", "RisingTerm", "TopPaper", "Week", "render_week_markdown",
           "week_chart_png", "week_report"]
