"""The Markdown report and the console against hostile text (issue 11 rows 4 and 6) and with part
headings on their own line (issue 13 item 5). Real rendering: the report's Markdown, and the
console's rich output of it; the offline digest is built by the real pipeline from a feed file."""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace

import pytest
from hostile_texts import (DAY, PHISH, SCRIPT_LINK, SCRIPT_LINK_LABELLED, SCRIPT_TAG, digest_of,
                           five_parts, huge_digest, normal_digest, summary)
from rich.console import Console

from bot.console import ConsoleChat
from digest.present import links
from digest.config import load_settings
from digest.models import Answer
from digest.present.markdown import CHAT_CATEGORY_CHARS, CHAT_POST_CHARS, REPORT_CATEGORY_CHARS, render_markdown
from digest.service import DigestService


def console_shows(digest, category=None, width=100, service=None) -> str:
    out = io.StringIO()
    chat = ConsoleChat(service, Console(file=out, width=width, highlight=False), "en", "u")
    chat.show_digest(digest, category)
    return out.getvalue()


def console_answer(answer: Answer) -> str:
    out = io.StringIO()
    ConsoleChat(None, Console(file=out, width=200, highlight=False), "en", "u").show_answer(answer)
    return out.getvalue()


# --- row 4: a 1 MB reply ------------------------------------------------------------------


def test_a_one_megabyte_reply_makes_a_small_report_that_says_it_was_cut():
    md = render_markdown(huge_digest(3))
    assert len(md) < 3 * (REPORT_CATEGORY_CHARS + 2_000)  # was 3 MB
    assert md.count("more characters not shown: far longer than a summary should be") == 3


def test_korean_report_says_so_in_korean():
    md = render_markdown(huge_digest(1, language="ko"))
    assert "자 생략: 요약이라기에는 지나치게 깁니다" in md


def test_the_console_shows_a_category_up_to_the_chat_limit_and_points_to_the_report():
    shown = console_shows(huge_digest(2))
    assert len(shown) < 2 * (CHAT_CATEGORY_CHARS * 1.3 + 2_000)  # was 2 MB
    assert shown.count("the rest is in the report, digest_2024-11-22.md") == 2


def test_the_console_caps_a_whole_day_and_names_what_is_left_to_the_report():
    digest = huge_digest(20)  # more categories than the taxonomy has, each a 1 MB reply
    shown = console_shows(digest, width=200)
    assert len(shown) < CHAT_POST_CHARS * 1.3
    assert re.search(r"\d+ more categories are in the report \(digest_2024-11-22\.md\): Huge \d+", shown)


def test_a_normal_day_is_never_cut():
    digest = normal_digest()
    md = render_markdown(digest)
    shown = console_shows(digest, width=300)
    for s in digest.summaries:
        last = s.text.rsplit(" ", 3)[-3]
        assert s.text.splitlines()[-1].strip() in md
        assert last in shown
    assert "not shown" not in md and "in the report" not in shown


# --- row 6: spoofed links and HTML -------------------------------------------------------------


SPOOF_TEXT = (f"1. **Key themes**\n   - See {PHISH} and {SCRIPT_LINK} or {SCRIPT_LINK_LABELLED}.\n"
              f"   - <javascript:alert(2)> and {SCRIPT_TAG} and <a href=\"javascript:x\">a</a>\n"
              f"   - ![pixel](https://tracker.example/p.png) from [the paper](https://arxiv.org/abs/2411.1)")


def spoofed_digest():
    s = summary("Security", SPOOF_TEXT, 2)
    hostile_title = replace(s.papers[0], title=f"{PHISH} {SCRIPT_TAG} Faster Caches {SCRIPT_LINK}")
    return digest_of(replace(s, papers=(hostile_title, *s.papers[1:])))


def live_links(markdown: str) -> list[tuple[str, str]]:
    """(label, url) of every Markdown link and image a viewer would make clickable."""
    return re.findall(r"(?<!\\)\[((?:\\.|[^\]\\])*)\]\(([^)]*)\)", markdown)


def test_the_report_shows_the_real_host_and_no_script_link_or_html():
    md = render_markdown(spoofed_digest())
    for label, url in live_links(md):
        if url == "paper_2024-11-22.png":
            continue  # the report's own chart
        host = links.host_of(url)
        assert host, (label, url)  # http(s) only
        assert links.trusted(url) or label == host, (label, url)  # off the paper sites: label = host
    assert "(javascript:" not in md and "<javascript:" not in md
    assert "<script>" not in md and "<a href" not in md
    assert "&lt;script>" in md or "\\<script\\>" in md  # shown as text, not dropped
    assert "arxiv.org/abs/2411.00001 ([evil.example](https://evil.example/phish))" in md
    assert "pixel ([tracker.example](https://tracker.example/p.png))" in md
    assert "[the paper](https://arxiv.org/abs/2411.1)" in md
    assert "![pixel]" not in md  # no remote image loads from a report


def test_the_console_shows_the_real_host_and_no_script_link():
    shown = console_shows(spoofed_digest(), width=300)
    assert "arxiv.org/abs/2411.00001 (evil.example)" in shown
    assert "javascript:alert(1)" not in shown and "document.cookie" not in shown
    assert "click me" in shown  # the label stays, as text
    assert "<script>alert(1)</script>" in shown  # HTML as text: a terminal runs nothing
    answer = console_answer(Answer(text=f"Read {PHISH} and {SCRIPT_LINK_LABELLED}."))
    assert "arxiv.org/abs/2411.00001 (evil.example)" in answer and "javascript" not in answer


def test_a_spoofed_title_in_a_feed_reaches_the_report_without_its_mask(tmp_path):
    feed = tmp_path / "hf.json"
    feed.write_text(json.dumps([{"paper": {
        "id": "2411.90077", "title": f"{PHISH} Caching Keys for Long Contexts {SCRIPT_TAG}",
        "summary": "We shard the key-value cache of long-context inference across GPUs. "
                   "It reduces memory by 62% on one million tokens.", "upvotes": 3,
        "authors": [{"name": "A. Author"}]}, "publishedAt": "2024-11-22T00:00:00Z"}]))
    service = DigestService(load_settings(digest_language="en"))
    digest = service.build(DAY, sources=[str(feed)])
    md = render_markdown(digest)
    assert "](https://evil.example/phish)" not in md.replace("([evil.example](https://evil.example/phish))", "")
    assert "<script>" not in md
    assert "evil.example" in md


# --- issue 13 item 5: part headings on their own line ----------------------------------------


def heading_lines(shown: str) -> dict[str, str]:
    """Each part heading's console line (stripped of list numbering and box characters)."""
    out = {}
    for line in shown.splitlines():
        for part in ("Key themes", "Shared keywords, trends and patterns", "Key findings per paper",
                     "Impact on sectors", "Synthesis and outlook"):
            if part in line:
                out[part] = line.strip()
    return out


@pytest.mark.parametrize("text", [
    five_parts(["RingCache", "QuantMix"], 1500),
    "**Key themes:**\nCaches.\n\n**Impact on sectors:**\nServing costs.\n\n**Synthesis and outlook:**\n"
    "Cheaper long contexts.",
], ids=["llm-numbered", "llm-bold-colon"])
def test_llm_part_headings_stay_on_their_own_line_in_the_console(text):
    shown = console_shows(digest_of(summary("LLM", text, 2)), width=200)
    lines = heading_lines(shown)
    assert lines["Synthesis and outlook"].rstrip(":").endswith("Synthesis and outlook"), lines
    for part, line in lines.items():
        assert line.rstrip(":").endswith(part), (part, line)


def test_offline_part_headings_stay_on_their_own_line_in_the_console(fixtures):
    service = DigestService(load_settings(digest_language="en"))
    digest = service.build(DAY, sources=[str(fixtures / "hf_small.json")])
    shown = console_shows(digest, width=200, service=service)
    lines = [ln.strip() for ln in shown.splitlines() if "Synthesis and outlook" in ln]
    assert len(lines) == len(digest.summaries)
    assert all(ln.endswith("Synthesis and outlook") for ln in lines), lines
