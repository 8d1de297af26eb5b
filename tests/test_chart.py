"""The category chart: a real PNG, sorted bars with counts, Korean text without missing glyphs."""

from __future__ import annotations

import io
import warnings
from datetime import date

import matplotlib.image as mpimg
from matplotlib import font_manager

from digest.present.chart import korean_font_family, render_chart

COUNTS = [("Security", 1), ("LLM", 5), ("Multimodal", 3), ("Computer Vision", 2)]


def decode(png: bytes):
    return mpimg.imread(io.BytesIO(png), format="png")


def test_chart_is_a_decodable_png_of_thumbnail_friendly_size():
    png = render_chart(COUNTS, date(2024, 11, 24), "en")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    height, width = decode(png).shape[:2]
    assert width == 800 and 200 <= height <= 1000


def test_chart_grows_with_categories():
    small = decode(render_chart(COUNTS[:2], date(2024, 11, 24), "en")).shape[0]
    large = decode(render_chart([(f"Category {i}", i) for i in range(1, 15)], date(2024, 11, 24), "en")).shape[0]
    assert large > small


def test_korean_text_renders_with_a_korean_font_and_no_missing_glyphs():
    family = korean_font_family()
    assert family[0] == "NanumGothic"
    path = font_manager.findfont(font_manager.FontProperties(family="NanumGothic"), fallback_to_default=False)
    assert "NanumGothic" in path
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)"
        png = render_chart([("컴퓨터 비전", 3), ("강화학습", 1)], date(2024, 11, 24), "ko")
    assert decode(png).shape[1] == 800


def test_empty_counts_still_draw():
    assert decode(render_chart([], date(2024, 11, 24), "ko")).shape[1] == 800
