"""Pure renderers: every payload fits Discord's limits, whatever the length of the input, and
nothing a reader needs (words of the synthesis, links to the papers) is lost when splitting."""

from __future__ import annotations

from datetime import date

import pytest

from bot.discord import embeds
from bot.discord import limits
from bot.discord.check import violations
from bot.discord.embeds import Payload
from digest.models import Answer, CategorySummary, Digest, Paper
from digest.present.markdown import CHAT_CATEGORY_CHARS, MAX_CATEGORY_MESSAGES, MAX_POST_MESSAGES, chat_text

DAY = date(2024, 11, 24)
WORDS = ("transformer", "diffusion", "검색", "agents", "🤖", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "KV-cache", "benchmark")


def words(n: int, seed: int = 0) -> str:
    return " ".join(f"{WORDS[(i + seed) % len(WORDS)]}{i}" for i in range(n))


def paper(i: int, title_chars: int = 60) -> Paper:
    title = (f"Paper [{i}] about *attention* (v2) " + "x" * title_chars)[:title_chars]
    return Paper(arxiv_id=f"2411.{i:05d}", title=title, url=f"https://arxiv.org/abs/2411.{i:05d}")


def summary(name: str = "LLM", text: str = "short", papers: int = 3, title_chars: int = 60,
            emoji: str = "🤖") -> CategorySummary:
    return CategorySummary(category=name, emoji=emoji, papers=tuple(paper(i, title_chars) for i in range(papers)),
                           text=text, model="extractive", language="en")


def digest(summaries: list[CategorySummary], chart: bytes = b"\x89PNG fake", notes=()) -> Digest:
    counts = tuple((s.category, max(1, len(s.papers))) for s in summaries)
    return Digest(day=DAY, language="en", summaries=tuple(summaries), counts=counts, chart_png=chart,
                  notes=tuple(notes))


def text_of(payloads: list[Payload]) -> str:
    parts = []
    for p in payloads:
        parts.append(p.content or "")
        for e in p.embeds:
            parts += [e.description or ""] + [f.value for f in e.fields]
    return "\n".join(parts)


def assert_sendable(payloads: list[Payload]) -> None:
    assert payloads
    for p in payloads:
        assert violations(p) == [], violations(p)


TEXTS = {
    "empty": "",
    "one line": "Key themes: sparse attention.",
    "exactly 4096": "a" * 4096,
    "4097 one word": "b" * 4097,
    "paragraphs 10k": "\n\n".join(words(60, k) for k in range(12)),
    "one line 30k": words(3000),
    "astral 5k": "𝔘" * 5000,
    "korean 9k": ("논문의 핵심 주제는 효율적인 추론입니다. " * 400),
    "markdown list": "\n".join(f"{i}. **Part {i}**\n   - '{words(30, i)}'" for i in range(1, 200)),
}


@pytest.mark.parametrize("name", list(TEXTS))
@pytest.mark.parametrize("papers,title_chars", [(0, 10), (3, 80), (20, 300), (60, 2000)])
def test_category_payloads_fit_and_keep_everything(name, papers, title_chars):
    s = summary(text=TEXTS[name], papers=papers, title_chars=title_chars)
    payloads = embeds.category_payloads(digest([s]), s)
    assert_sendable(payloads)
    body = text_of(payloads)
    if papers > 20:  # past DIGEST_PAPERS_PER_CATEGORY's maximum: capped, and it says so
        assert len(payloads) <= MAX_CATEGORY_MESSAGES or "the rest is in the report" in body
        return
    synthesis = "".join("".join(e.description.split()) for p in payloads for e in p.embeds if e.description)
    shown, cut = chat_text(s, DAY)  # past CHAT_CATEGORY_CHARS: cut, with a line saying so
    assert cut == (len(TEXTS[name]) > CHAT_CATEGORY_CHARS)
    assert synthesis == ("".join(shown.split()) or "—")  # nothing lost or reordered at a cut
    for p in s.papers:
        assert f"({p.link})" in body  # every source keeps its link
    first = payloads[0].embeds[0]
    assert first.title == "🤖 LLM"
    footers = [p.footer for p in payloads]
    assert len(set(footers)) == len(footers)  # each message can be found again after a crash


def test_long_synthesis_continues_in_order():
    text = "\n\n".join(f"Paragraph {i}: " + words(80, i) for i in range(12))
    parts = embeds.category_embeds(summary(text=text), "en")
    assert len(parts) > 1
    assert "(continued)" in parts[1].title
    joined = " ".join(e.description for e in parts if e.description)
    positions = [joined.index(f"Paragraph {i}:") for i in range(12)]
    assert positions == sorted(positions)


@pytest.mark.parametrize("categories", [1, 8, 12, 40])
@pytest.mark.parametrize("text_len", [200, 3000, 9000])
def test_digest_answer_and_daily_post_fit(categories, text_len):
    sums = [summary(name=f"Category {i} {'n' * (i % 5) * 60}".strip(), text=words(text_len // 10, i), papers=5)
            for i in range(categories)]
    d = digest(sums, notes=["Offline summary: " + words(30)])
    for payloads in (embeds.digest_payloads(d), embeds.daily_header(d), embeds.thread_payloads(d),
                     embeds.digest_payloads(d, category=sums[-1].category)):
        assert_sendable(payloads)
    answer = embeds.digest_payloads(d)
    assert answer[0].chart and not any(p.chart for p in answer[1:])  # the chart once, first
    titles = " ".join(e.title or "" for p in answer for e in p.embeds)
    shown = [s for s in sums if f"🤖 {s.category}"[:200] in titles]
    assert shown == sums[:len(shown)]  # in order; the rest (past MAX_POST_MESSAGES) named at the end
    if len(shown) < len(sums):
        assert len(answer) <= MAX_POST_MESSAGES
        assert f"{len(sums) - len(shown)} more categories are in the report" in text_of(answer[-1:])
    header = embeds.daily_header(d)
    overview = header[0]
    assert overview.embeds[0].image.url == "attachment://paper_2024-11-24.png"
    # every header message carries its own marker: a crash between them can be completed
    markers = [embeds.daily_footer(DAY, i + 1, len(header)) for i in range(len(header))]
    assert [p.footer for p in header] == [p.embeds[-1].footer.text for p in header] == markers
    assert len(set(markers)) == len(header)
    assert all(f"**{s.category}**" in text_of(embeds.daily_header(d)) for s in sums)


def test_overview_has_counts_and_one_line_gists():
    sums = [summary("LLM", "1. **Key themes**\n   - 'A': agents, tools\n\n2. **More**", 2),
            summary("Computer Vision", "Segmenting medical images. More text.", 1, emoji="👁️")]
    d = digest(sums)
    desc = embeds.overview_embeds(d)[0].description
    assert "3 papers in 2 categories" in desc
    assert "🤖 **LLM** · 2 papers — 'A': agents, tools" in desc
    # the one gist (digest/present/gist.py): an offline synthesis gives its last sentence
    assert "👁️ **Computer Vision** · 1 paper — More text." in desc


def test_chart_over_the_attachment_limit_is_left_out_with_a_note():
    d = digest([summary()], chart=b"x" * 2000)
    payloads = embeds.daily_header(d, attachment_limit=1000)
    assert not payloads[0].chart
    assert payloads[0].embeds[0].image.url is None
    assert "too large" in payloads[0].embeds[-1].description
    assert embeds.digest_payloads(d, attachment_limit=1000)[0].chart is False


@pytest.mark.parametrize("length", [0, 1, 1999, 2000, 2001, 12_345])
@pytest.mark.parametrize("cited", [0, 3, 40])
def test_answer_payloads(length, cited):
    text = ("x" * length) if length < 2500 else words(length // 8)
    ans = Answer(text=text or "No answer.", cited=tuple(paper(i, 400) for i in range(cited)))
    payloads = embeds.answer_payloads(ans, "en")
    assert_sendable(payloads)
    assert all(p.content for p in payloads)
    if cited:
        assert payloads[-1].embeds[0].title == "Sources"
        assert "(https://arxiv.org/abs/2411.00000)" in payloads[-1].embeds[0].description


@pytest.mark.parametrize("limit", [2, 7, 100, 2000])
@pytest.mark.parametrize("text", [words(500), "y" * 5000, "𝔘" * 999, "\n\n\n".join(["para"] * 300), "  "])
def test_split_text(limit, text):
    chunks = limits.split_text(text, limit)
    assert all(0 < limits.ulen(c) <= limit for c in chunks)
    assert "".join("".join(c.split()) for c in chunks) == "".join(text.split())


def test_links_in_answers_show_no_preview_and_are_not_repeated():
    p = paper(1)
    ans = Answer(text=f"[1] {p.title} — {p.link}\nSee also [this](https://x.org/a).", cited=(p, paper(2)))
    payloads = embeds.answer_payloads(ans, "en")
    assert f"<{p.link}>" in payloads[0].content and "See also this (x.org)." in payloads[0].content
    assert p.link not in payloads[0].embeds[0].description  # listed once, in the text
    assert paper(2).link in payloads[0].embeds[0].description


def test_paper_line_escapes_markdown_and_keeps_link_safe():
    p = Paper(arxiv_id="1", title="A [bracketed] *bold* title", url="https://x.org/a (1)")
    line = embeds.paper_line(p)
    assert line == "• [A \\[bracketed\\] \\*bold\\* title](https://x.org/a%20%281%29)"


def test_text_payloads_split_help():
    payloads = embeds.text_payloads("• line\n" * 1000)
    assert len(payloads) == 4
    assert_sendable(payloads)


@pytest.mark.parametrize("text, shown", [
    ("See [arXiv:2411.00001](https://evil.example/x).", "See arXiv:2411.00001 (evil.example)."),
    ("[https://arxiv.org/abs/1](https://evil.example/a_(b))", "<https://arxiv.org/abs/1> (evil.example)"),
    ("[the paper](https://arxiv.org@evil.example/abs/1)", "the paper (evil.example)"),
    ("[HF](https://huggingface.co.evil.example/p)", "HF (huggingface.co.evil.example)"),
    ("[a [b] c](<https://x.org/a> \"title\")", "a [b] c (x.org)"),
    ("[x](javascript:alert(1))", "x"),
    ("[TinyDraft](https://arxiv.org/abs/2411.80001)", "[TinyDraft](https://arxiv.org/abs/2411.80001)"),
    ("[card](https://huggingface.co/papers/2411.80001)", "[card](https://huggingface.co/papers/2411.80001)"),
    ("[pdf](https://export.arxiv.org/pdf/2411.80001)", "[pdf](https://export.arxiv.org/pdf/2411.80001)"),
    ("[1] a citation (not a link)", "[1] a citation (not a link)"),
])
def test_masked_links_in_answers_show_where_they_go(text, shown):
    """An LLM's [label](url) may hide its target behind a trusted-looking label: off arxiv.org and
    huggingface.co the mask is dropped and the host shown."""
    payloads = embeds.answer_payloads(Answer(text=text, cited=()), "en")
    assert payloads[0].content == shown


def test_a_cited_paper_hidden_in_an_untrusted_link_is_still_listed():
    p = paper(1)
    ans = Answer(text=f"Read [{p.title}](https://evil.example/?u={p.link}).", cited=(p,))
    payloads = embeds.answer_payloads(ans, "en")
    assert "evil.example" in payloads[0].content and "](" not in payloads[0].content
    assert p.link in payloads[0].embeds[0].description  # the real link, in the sources
