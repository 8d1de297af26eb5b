"""Papers-per-category bar chart as PNG bytes (matplotlib ``Figure``, never pyplot).

Korean labels need a CJK font: NanumGothic ships with the ``koreanize-matplotlib`` package (a
dependency), registered here from its files without importing that package (it touches pyplot).
"""

from __future__ import annotations

import importlib.util
import io
from datetime import date
from functools import lru_cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
from matplotlib import font_manager  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from digest.text import t  # noqa: E402

import logging  # noqa: E402

# NanumGothic has no "bold" entry matplotlib can name; it picks the heaviest face and says so.
logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)

BAR_COLOR = "#4C72B0"
FALLBACK_FONTS = ["DejaVu Sans"]


@lru_cache(maxsize=1)
def korean_font_family() -> list[str]:
    """Font families to use, a Korean-capable one first when its file can be found."""
    spec = importlib.util.find_spec("koreanize_matplotlib")
    if spec and spec.submodule_search_locations:
        fonts = Path(next(iter(spec.submodule_search_locations))) / "fonts"
        regular = fonts / "NanumGothic.ttf"
        if regular.exists():
            for path in (regular, fonts / "NanumGothicBold.ttf"):
                if path.exists():
                    font_manager.fontManager.addfont(str(path))
            return ["NanumGothic", *FALLBACK_FONTS]
    return FALLBACK_FONTS


def render_chart(counts: list[tuple[str, int]] | tuple[tuple[str, int], ...], day: date,
                 language: str = "ko", dpi: int = 100, seen_before: int = 0) -> bytes:
    """Horizontal bars, largest on top, the count at each bar's end, the date in the title.

    Sized 8 x (1.6 + 0.42 per category) inches so labels stay legible as a chat thumbnail.
    """
    rows = sorted(counts, key=lambda kv: (-kv[1], kv[0]))
    total = sum(n for _, n in rows)
    height = 1.6 + 0.42 * max(len(rows), 1)
    fig = Figure(figsize=(8, height), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    family = korean_font_family()
    names = [name for name, _ in rows][::-1]
    values = [n for _, n in rows][::-1]
    bars = ax.barh(names, values, color=BAR_COLOR, height=0.65)
    peak = max(values, default=0)
    for bar, value in zip(bars, values, strict=True):
        ax.text(bar.get_width() + max(peak * 0.01, 0.05), bar.get_y() + bar.get_height() / 2,
                str(value), va="center", ha="left", fontsize=12, fontweight="bold", family=family)
    ax.set_xlim(0, peak * 1.15 + 1)
    title = t(language, "chart_title", day=day.isoformat(), total=total)
    if seen_before:  # repeats are not in the bars: the caption counts them apart
        title = t(language, "chart_title_seen", day=day.isoformat(), total=total, n=seen_before)
    ax.set_title(title, fontsize=15,
                 fontweight="bold", family=family, loc="left")
    ax.set_xlabel(t(language, "chart_xlabel"), fontsize=11, family=family)
    ax.tick_params(axis="y", labelsize=12)
    ax.tick_params(axis="x", labelsize=10)
    return finish_bar_chart(fig, ax, family, dpi)


def finish_bar_chart(fig, ax, family: str, dpi: int) -> bytes:
    """The house style every bar chart shares (the day's and the week's): tick labels in the font
    that has Korean glyphs, whole-number counts, no top/right frame, a light grid -> PNG bytes."""
    for label in ax.get_yticklabels() + ax.get_xticklabels():
        label.set_family(family)
    ax.xaxis.get_major_locator().set_params(integer=True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()
