"""The week's chart: per category, this week's and the week before's counts side by side
(horizontal grouped bars, matplotlib ``Figure``, never pyplot; Korean labels via the same font
registration as the daily chart, ``digest.present.chart.korean_font_family``)."""

from __future__ import annotations


from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from digest.present.chart import BAR_COLOR, finish_bar_chart, korean_font_family
from digest.text import t
from digest.week.report import Week

LAST_COLOR = "#B0B7C3"


def render_week_chart(week: Week, dpi: int = 100) -> bytes:
    rows = list(week.categories)[::-1]  # largest this week on top
    height = 1.9 + 0.6 * max(len(rows), 1)
    fig = Figure(figsize=(8, height), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    family = korean_font_family()
    lang = week.language
    y = list(range(len(rows)))
    bar = 0.38
    now = ax.barh([i + bar / 2 for i in y], [c.this_week for c in rows], height=bar, color=BAR_COLOR,
                  label=t(lang, "week_chart_this", total=week.total))
    then = ax.barh([i - bar / 2 for i in y], [c.last_week for c in rows], height=bar,
                   color=LAST_COLOR, label=t(lang, "week_chart_last", total=week.previous_total))
    peak = max([c.this_week for c in rows] + [c.last_week for c in rows] + [0])
    for bars in (now, then):
        for b in bars:
            ax.text(b.get_width() + max(peak * 0.01, 0.05), b.get_y() + b.get_height() / 2,
                    str(int(b.get_width())), va="center", ha="left", fontsize=10, family=family)
    ax.set_yticks(y, [c.category for c in rows])
    ax.set_xlim(0, peak * 1.15 + 1)
    ax.set_title(t(lang, "week_chart_title", start=week.start.isoformat(), end=week.end.isoformat()),
                 fontsize=14, fontweight="bold", family=family, loc="left")
    ax.set_xlabel(t(lang, "chart_xlabel"), fontsize=11, family=family)
    ax.legend(prop={"family": family, "size": 10}, loc="lower right")
    return finish_bar_chart(fig, ax, family, dpi)
