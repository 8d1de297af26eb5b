"""Renderers are pure: long and odd digests still give payloads Slack accepts, with nothing lost."""

from __future__ import annotations

import re
from datetime import date

import pytest
from slack_helpers import all_text, assert_valid

from bot.slack import blocks
from bot.slack.mrkdwn import to_mrkdwn
from digest.models import Answer, CategorySummary, Digest, Paper
from digest.present.markdown import CHAT_CATEGORY_CHARS, MAX_CATEGORY_MESSAGES, chat_text
from digest.present.gist import GIST_CHARS, gist

DAY = date(2024, 11, 24)


def paper(i: int, title_len: int = 80) -> Paper:
    title = (f"Paper {i}: " + "Scaling Long-Context Reasoning & <Tools> " * 20)[:title_len]
    return Paper(arxiv_id=f"2411.{i:05d}", title=title, url=f"https://arxiv.org/abs/2411.{i:05d}")


def synthesis(chars: int, language: str = "en") -> str:
    unit = ("1. **핵심 주제**\n   - '논문': 긴 문맥 추론과 도구 사용을 결합한 방법론을 제안합니다.\n" if language == "ko"
            else "1. **Key themes**\n   - 'Paper 1': a method that *combines* long-context reasoning "
                 "with [tools](https://example.org/tools) & retrieval.\n")
    text = ""
    while len(text) < chars:
        text += unit + ("\n" if len(text) % 3 else "")
    return text[:chars]


def summary(name: str = "LLM", papers: int = 3, chars: int = 2000, title_len: int = 80,
            language: str = "en", emoji: str = "🤖") -> CategorySummary:
    return CategorySummary(category=name, emoji=emoji, papers=tuple(paper(i, title_len) for i in range(papers)),
                           text=synthesis(chars, language), model="gpt-4o-mini", language=language)


def digest_of(*summaries: CategorySummary, language: str = "en") -> Digest:
    counts = tuple((s.category, len(s.papers) + 2) for s in summaries)
    return Digest(day=DAY, language=language, summaries=summaries, counts=counts,
                  notes=("Offline summary: nothing generated.",))


def nows(text: str) -> str:
    return re.sub(r"\s+", "", text)


CASES = {
    "small": dict(papers=1, chars=300),
    "typical": dict(papers=3, chars=3500),
    "long synthesis": dict(papers=5, chars=30_000),
    "one huge word": dict(papers=2, chars=0),
    "many papers, long titles": dict(papers=60, chars=4000, title_len=400),
    "korean": dict(papers=4, chars=12_000, language="ko"),
    "long category name": dict(name="Very long category name " * 12, papers=2, chars=1000),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_category_thread_replies(case):
    s = summary(**case)
    if case["chars"] == 0:
        s = CategorySummary(s.category, s.emoji, s.papers, "x" * 12_000, s.model, s.language)
    d = digest_of(s, language=s.language)
    messages = blocks.category_messages(s, d)
    for m in messages:
        assert_valid(list(m.blocks), m.text)
    sections = [b["text"]["text"] for m in messages for b in m.blocks if b["type"] == "section"]
    assert len(messages) <= MAX_CATEGORY_MESSAGES
    shown, cut = chat_text(s, DAY)  # past CHAT_CATEGORY_CHARS: cut, with a line saying so
    assert cut == (len(s.text) > CHAT_CATEGORY_CHARS)
    expected = to_mrkdwn(shown) + "*" + ("출처" if s.language == "ko" else "Sources") + "*" + "".join(
        blocks._source_lines(s))
    assert nows("".join(sections)) == nows(expected)  # the whole synthesis and every source, in order
    everything = "".join(all_text(list(m.blocks)) for m in messages)
    for p in s.papers:
        assert f"<{p.link}|" in everything
    assert "<Tools>" not in everything  # escaped
    if len(messages) > 1:
        assert "(continued)" in all_text(list(messages[1].blocks)) or "(계속)" in all_text(list(messages[1].blocks))


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_category_slash_reply_is_one_message_and_keeps_sources(case):
    s = summary(**case)
    d = digest_of(s, language=s.language)
    payload = blocks.category_reply(d, s.category)
    assert_valid(list(payload.blocks), payload.text)
    text = all_text(list(payload.blocks))
    if len(s.papers) <= 20:
        for p in s.papers:
            assert f"<{p.link}|" in text
    if case["chars"] > 9000:
        assert "cut here" in text or "줄였습니다" in text


@pytest.mark.parametrize("categories", [1, 8, 40, 120, 400])
def test_daily_top_message_and_overview_fit_one_message(categories):
    d = digest_of(*(summary(f"Category {i}", papers=3, chars=3000) for i in range(categories)))
    top = blocks.daily_post(d)
    assert_valid(list(top.blocks), top.text)
    text = all_text(list(top.blocks))
    assert "2024-11-24" in text and f"*{d.total_papers} new papers* in {categories} categories" in text
    assert "Reply in this thread" in text
    assert all(f"Category {i}*" in text for i in range(categories)) or "more categories" in text
    overview = blocks.overview_reply(d)
    assert_valid(list(overview.blocks), overview.text)
    [actions] = [b for b in overview.blocks if b["type"] == "actions"]
    menu = actions["elements"][0]
    labels = [o["text"]["text"] for o in menu["options"]]
    assert labels == [f"🤖 Category {i}" for i in range(len(labels))]  # in order, as many as fit
    assert len(labels) >= min(categories, 30)
    assert blocks.parse_value(menu["options"][0]["value"]) == {"d": "2024-11-24", "l": "en", "c": "Category 0"}


def test_gist_is_one_line_from_the_synthesis():
    s = CategorySummary("LLM", "🤖", (paper(1),),
                        "1. **Key themes**\n   - x\n5. **Synthesis and outlook**\n   Agents are getting "
                        "cheaper to run. More next week.", "gpt", "en")
    assert gist(s) == "Agents are getting cheaper to run."
    assert len(gist(summary(chars=5000))) <= GIST_CHARS


@pytest.mark.parametrize("chars, cited", [(200, 1), (20_000, 12), (0, 0)])
def test_answers(chars, cited):
    ans = Answer(text=synthesis(chars), cited=tuple(paper(i) for i in range(cited)), grounded=chars != 0)
    messages = blocks.answer_messages(ans, "en")
    for m in messages:
        assert_valid(list(m.blocks), m.text)
    text = "".join(all_text(list(m.blocks)) for m in messages)
    for p in ans.cited:
        assert f"<{p.link}|" in text
    if not ans.grounded:
        assert "closest matches" in text


def test_text_reply_for_long_help():
    payload = blocks.text_reply("• /digest — line\n" * 2000)
    assert_valid(list(payload.blocks), payload.text)


def test_notification_text_is_escaped():
    """The ``text`` fallback reaches notifications: no ping, no forged link there either."""
    answer = Answer(text="<!channel> read <https://evil.example|arxiv.org> & more")
    [payload] = blocks.answer_messages(answer, "en")
    assert "<" not in payload.text and ">" not in payload.text
    # a URL that cannot be linked (not a host name) stays as its text, without the brackets
    assert payload.text == "&lt;!channel&gt; read https://evil.example|arxiv.org &amp; more"
    s = summary(papers=1, chars=300)
    evil = CategorySummary(category="LLM <!here>", emoji="🤖", papers=s.papers, text="<!channel> boo",
                           model="m", language="en")
    for p in blocks.category_messages(evil, digest_of(evil)) + [blocks.daily_post(digest_of(evil))]:
        assert "<!" not in p.text and "&lt;!here&gt;" in p.text
    cut = blocks.fallback("x" * (blocks.FALLBACK_LIMIT - 3) + "&&&&")
    assert len(cut) <= blocks.FALLBACK_LIMIT and not re.search(r"&[a-z]*…$", cut)


def test_hints_show_a_placeholder_not_markup():
    from digest.text import t

    for lang, word in (("en", "category"), ("ko", "분야")):
        hint = t(lang, "slack_hint", day="2024-11-22")
        assert f"&lt;{word}&gt;" in hint and "<" not in hint
