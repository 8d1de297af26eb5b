"""Markdown -> Slack mrkdwn, and splitting long text without losing or breaking anything."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.slack.mrkdwn import escape, link, split_text, to_mrkdwn, truncate


@pytest.mark.parametrize("markdown, mrkdwn", [
    ("**bold** and *italic* and _also_", "*bold* and _italic_ and _also_"),
    ("~~gone~~", "~gone~"),
    ("## 🤖 LLM", "*🤖 LLM*"),
    ("# **Title**", "*Title*"),
    ("1. **Key themes**\n   - 'A': x", "1. *Key themes*\n   • 'A': x"),
    ("* star bullet", "• star bullet"),
    ("[Paper A](https://arxiv.org/abs/2411.1)", "<https://arxiv.org/abs/2411.1|Paper A>"),
    ("see <https://example.org/x>", "see <https://example.org/x>"),
    ("a < b && c > d", "a &lt; b &amp;&amp; c &gt; d"),
    ("<!channel> <@U123> hi", "&lt;!channel&gt; &lt;@U123&gt; hi"),
    ("`x = a ** b` stays", "`x = a ** b` stays"),
    ("```python\nif a < b:\n    **x**\n```", "```\nif a &lt; b:\n    **x**\n```"),
    ("2 * 3 * 4 = 24", "2 * 3 * 4 = 24"),
    ("snake_case_name", "snake_case_name"),
    ("---", "──────────"),
    ("**요약:** 한국어", "*요약:* 한국어"),
])
def test_conversion(markdown, mrkdwn):
    assert to_mrkdwn(markdown) == mrkdwn


def test_link_labels_and_urls_cannot_break_out():
    assert link("https://x.org/a b|c>", "T <b> | x") == "<https://x.org/a%20b%7Cc%3E|T &lt;b&gt; ¦ x>"
    assert escape("<&>") == "&lt;&amp;&gt;"


def test_truncate_cuts_at_a_word():
    assert truncate("one two three four", 12) == "one two…"
    assert truncate("short", 12) == "short"


def nows(text: str) -> str:
    return re.sub(r"\s+", "", text)


words = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12),
    st.sampled_from(["<https://arxiv.org/abs/2411.00001|A paper with a long title>", "\n", "\n\n", "요약",
                     "🤖", "x" * 700]),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(words, max_size=400), st.integers(min_value=50, max_value=3000))
def test_split_keeps_everything_within_the_limit(parts, limit):
    text = " ".join(parts)
    chunks = split_text(text, limit)
    assert all(0 < len(c) <= limit for c in chunks)
    assert nows("".join(chunks)) == nows(text)  # nothing lost, nothing added, order kept
    for c in chunks:  # a link is never cut (they are all shorter than the limit here)
        if limit >= 60:
            assert c.count("<https://") == c.count("long title>")


def test_split_prefers_paragraphs_then_lines():
    para = "word " * 100
    text = "\n\n".join([para.strip()] * 10)
    chunks = split_text(text, 1200)
    assert all(c.startswith("word") and c.endswith("word") for c in chunks)
    assert len(chunks) == 5  # two paragraphs (2 x 499 + 2) per chunk


@pytest.mark.parametrize("markdown, mrkdwn", [
    ("[arxiv.org/abs/2411.1](https://evil.example/x)",
     "arxiv.org/abs/2411.1 (<https://evil.example/x|evil.example>)"),
    ("[paper](https://arxiv.org@evil.example/)", "paper (<https://arxiv.org@evil.example/|evil.example>)"),
    ("[x](https://arxiv.org.evil.example/a)", "x (<https://arxiv.org.evil.example/a|arxiv.org.evil.example>)"),
    ("[evil.example](https://evil.example/)", "<https://evil.example/|evil.example>"),
    ("[Model card](https://huggingface.co/papers/2411.1)", "<https://huggingface.co/papers/2411.1|Model card>"),
    ("[PDF](https://export.arxiv.org/pdf/2411.1)", "<https://export.arxiv.org/pdf/2411.1|PDF>"),
])
def test_links_off_the_paper_sites_show_their_real_host(markdown, mrkdwn):
    assert to_mrkdwn(markdown) == mrkdwn
