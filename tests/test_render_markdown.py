"""Markdown in the reference layout: title, chart link, emoji sections with summary and sources."""

from __future__ import annotations

import re
from datetime import date

from digest.models import CategorySummary, Digest, Paper
from digest.present.markdown import render_markdown

DAY = date(2024, 11, 24)
P1 = Paper("2411.10442", "Enhancing Reasoning of MLLMs")
P2 = Paper("2411.14402", "Multimodal Autoregressive Pre-training")
DIGEST = Digest(DAY, "ko", (
    CategorySummary("Multimodal", "👽", (P1, P2), "1. **주제**\n   - x", "extractive", "ko"),
    CategorySummary("Security", "🛡️", (P2,), "1. **주제**\n   - y", "extractive", "ko"),
), counts=(("Multimodal", 2), ("Security", 1)))


def test_reference_layout():
    md = render_markdown(DIGEST)
    lines = md.splitlines()
    assert lines[0] == "# Daily Artificial Intelligence Insights : Papers"
    assert "![Category Distribution Graph](paper_2024-11-24.png)" in md
    assert re.findall(r"^## (.+)$", md, re.M) == ["👽 Multimodal", "🛡️ Security"]
    section = md.split("## 👽 Multimodal")[1].split("## 🛡️ Security")[0]
    assert section.index("**요약:**") < section.index("**출처:**")
    assert " - Enhancing Reasoning of MLLMs (https://arxiv.org/abs/2411.10442)" in section
    assert " - Multimodal Autoregressive Pre-training (https://arxiv.org/abs/2411.14402)" in section


def test_english_labels_and_one_category():
    en = Digest(DAY, "en", DIGEST.summaries, DIGEST.counts)
    md = render_markdown(en, category="Security")
    assert "**Summary:**" in md and "**Sources:**" in md
    assert "## 🛡️ Security" in md and "## 👽 Multimodal" not in md


def test_notes_are_quoted_under_the_title():
    noted = Digest(DAY, "en", DIGEST.summaries, DIGEST.counts, notes=("source failed: x",))
    assert "> source failed: x" in render_markdown(noted)
