"""One catalog, one language rule: the report, Slack and Discord say the same words for one digest.

Before the catalog, each surface read the language its own way: with ``Korean`` the report and
Discord spoke Korean while Slack fell back to English, and Discord's sources heading was its own word.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from bot.discord import embeds
from bot.slack import blocks
from digest.models import CategorySummary, Digest, Paper
from digest.present.markdown import render_markdown
from digest.text import papers, t

DAY = date(2024, 11, 24)


def _digest(language: str) -> Digest:
    items = tuple(Paper(arxiv_id=f"2411.{i:05d}", title=f"Paper {i} on long-context reasoning",
                        url=f"https://arxiv.org/abs/2411.{i:05d}") for i in range(3))
    summary = CategorySummary(category="LLM", emoji="🤖", papers=items, text="1. **Key themes**\n- reasoning",
                              model="extractive", language=language)
    return Digest(day=DAY, language=language, summaries=(summary,), counts=(("LLM", 3),))


def _slack_text(payloads) -> str:
    out: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            out.extend(v for v in node.values() if isinstance(v, str))
            for v in node.values():
                walk(v)
        elif isinstance(node, (list, tuple)):
            for v in node:
                walk(v)
    for p in payloads:
        out.append(p.text)
        walk(list(p.blocks))
    return "\n".join(out)


def _discord_text(payloads_or_embeds) -> str:
    out: list[str] = []
    for e in payloads_or_embeds:
        out += [e.title or "", e.description or ""] + [f"{f.name}\n{f.value}" for f in e.fields]
    return "\n".join(out)


@pytest.mark.parametrize("language", ["ko-KR", "ko_KR", "Korean"])
def test_the_report_slack_and_discord_say_the_same_korean_words(language):
    digest = _digest(language)
    summary = digest.summaries[0]
    report = render_markdown(digest)
    slack = _slack_text(blocks.category_messages(summary, digest)) + _slack_text([blocks.daily_post(digest)])
    discord = _discord_text(embeds.category_embeds(summary, language, DAY) + embeds.overview_embeds(digest, False))

    sources = t(language, "sources")
    assert sources == "출처"
    assert sources in report and sources in slack and sources in discord
    assert "Sources" not in report + slack + discord
    count = papers(language, 3)  # "논문 3편" on both chat surfaces
    assert count == "논문 3편" and count in slack and count in discord
    assert "3 papers" not in slack + discord


def test_english_is_the_fallback_on_every_surface():
    digest = _digest("fr")
    summary = digest.summaries[0]
    slack = _slack_text(blocks.category_messages(summary, digest))
    discord = _discord_text(embeds.category_embeds(summary, "fr", DAY))
    assert "Sources" in render_markdown(digest) and "Sources" in slack and "Sources" in discord


# Korean text lives in the Korean catalog and the glossary (which also holds the Korean half of
# the patterns that read Korean questions and LLM replies); plus the one shared injection pattern.
KOREAN_ALLOWED = {
    "digest/text/ko.py": "the Korean catalog",
    "digest/glossary.py": "Korean words the engine reads (query terms, particles, reply headings)",
    "digest/untrusted.py": "the shared injection pattern, which matches Korean attempts",
}
_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")
ROOT = Path(__file__).resolve().parent.parent


def test_korean_text_only_in_the_catalog_and_the_glossary():
    found = {str(p.relative_to(ROOT)) for folder in ("digest", "bot") for p in (ROOT / folder).rglob("*.py")
             if _HANGUL.search(p.read_text(encoding="utf-8"))}
    assert "digest/text/ko.py" in found  # the scan does see Korean
    stray = found - set(KOREAN_ALLOWED)
    assert not stray, f"Korean text outside the catalog and the glossary: {sorted(stray)}"
