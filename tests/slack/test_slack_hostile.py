"""Slack against hostile text: a 1 MB LLM reply (issue 11 row 4), spoofed and script links
(row 6), and part headings on their own line (issue 13 item 5). The daily post goes through the
real slack_sdk client to the fake Web API; payloads are checked as Slack would check them."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from hostile_texts import (DAY, PHISH, SCRIPT_LINK, SCRIPT_LINK_LABELLED, SCRIPT_TAG, digest_of,
                           five_parts, huge_digest, huge_text, normal_digest, papers, summary)
from slack_helpers import all_text, assert_valid

from bot.slack import blocks
from bot.slack.client import make_client
from bot.slack.post import post_daily
from digest.present import links
from digest.store.chat_state import ChatState
from digest.models import Answer
from digest.deliver.ledger import PostLedger
from digest.present.markdown import MAX_CATEGORY_MESSAGES, MAX_POST_MESSAGES

CUT = "the rest is in the report, digest_2024-11-22.md"


async def post(service, digest, channel="C1"):
    client = make_client(service.settings)
    return await post_daily(client, service, PostLedger(service.store), ChatState(service.store),
                            channel, digest.day, digest.language, digest=digest)


def thread(fake, record):
    return [m for m in fake.replies("C1", record.message_id) if m.get("via") == "chat.postMessage"]


# --- row 4 ------------------------------------------------------------------------------------


async def test_a_one_megabyte_reply_is_a_few_messages_in_the_daily_post(service, fake):
    digest = huge_digest(3)
    record = await post(service, digest)
    assert record.detail == "complete"
    replies = thread(fake, record)
    assert len(replies) <= 3 * MAX_CATEGORY_MESSAGES  # was 1,491 for one such category
    for m in replies:
        assert_valid(m["blocks"], m["text"])
    for s in digest.summaries:
        mine = [m for m in replies if m["metadata"]["event_payload"]["category"] == s.category]
        assert 1 <= len(mine) <= MAX_CATEGORY_MESSAGES
        shown = "\n".join(all_text(m["blocks"]) for m in mine)
        assert CUT in shown
        assert all(f"<{p.link}|" in shown for p in s.papers)  # the sources survive the cut


async def test_a_post_is_capped_and_names_what_is_left_to_the_report(service, fake):
    sums = [replace(summary(f"Cat {i:02d}", huge_text(40_000)), papers=papers(60, str(i), "T" * 400))
            for i in range(14)]
    digest = digest_of(*sums)
    record = await post(service, digest)
    top = fake.top_level("C1")
    replies = thread(fake, record)
    assert len(top) + len(replies) + len(fake.files) <= MAX_POST_MESSAGES
    last = all_text(replies[-1]["blocks"])
    assert re.search(r"\d+ more categories are in the report \(digest_2024-11-22\.md\): Cat \d\d", last)
    assert replies[-1]["metadata"]["event_payload"]["category"] == blocks.MORE_KEY
    again = await post(service, digest)  # exactly once still holds for the capped post
    assert again == record and len(thread(fake, record)) == len(replies)


def test_digest_answers_and_thread_answers_stay_small():
    digest = huge_digest(1)
    [s] = digest.summaries
    reply = blocks.category_reply(digest, s.category)
    assert_valid(list(reply.blocks), reply.text)
    answers = blocks.answer_messages(Answer(text=huge_text()), "en")
    assert len(answers) <= MAX_CATEGORY_MESSAGES
    for a in answers:
        assert_valid(list(a.blocks), a.text)


@pytest.mark.parametrize("language", ["en", "ko"])
def test_a_normal_day_is_never_cut(language):
    digest = normal_digest(language)
    parts = blocks.thread_messages(digest)
    assert blocks.MORE_KEY not in [c for c, _, _ in parts]
    assert len(parts) + 2 <= MAX_POST_MESSAGES
    shown = "\n".join(all_text(list(p.blocks)) for _, _, p in parts)
    assert "report" not in shown and "리포트" not in shown
    for s in digest.summaries:
        assert s.text.splitlines()[-1].strip()[-60:] in shown


# --- row 6 ------------------------------------------------------------------------------------


SPOOF = f"1. **Key themes**\n   - See {PHISH}, {SCRIPT_LINK}, {SCRIPT_LINK_LABELLED} and <javascript:x> {SCRIPT_TAG}."
MRKDWN_LINK = re.compile(r"<([^<>|]+)\|([^<>]*)>")


def spoofed_digest():
    s = summary("Security", SPOOF, 2)
    bad = replace(s.papers[0], title=f"{PHISH} Caches {SCRIPT_LINK}", url="javascript:alert(1)")
    return digest_of(replace(s, papers=(bad, *s.papers[1:])))


def check_links(text: str) -> None:
    for url, label in MRKDWN_LINK.findall(text):
        assert links.host_of(url), url  # http(s) only
        assert links.trusted(url) or label == links.host_of(url), (url, label)
    assert "javascript" not in text.lower()
    assert "<script>" not in text


async def test_spoofed_links_show_their_real_host_in_the_daily_post(service, fake):
    digest = spoofed_digest()
    record = await post(service, digest)
    messages = fake.top_level("C1") + thread(fake, record)
    everything = "\n".join(all_text(m["blocks"]) + "\n" + m["text"] for m in messages)
    check_links(everything)
    assert "arxiv.org/abs/2411.00001 (<https://evil.example/phish|evil.example>)" in everything
    assert "click me" in everything and "&lt;script&gt;" in everything
    bad = digest.summaries[0].papers[0]
    assert f"<https://arxiv.org/abs/{bad.arxiv_id}|" in everything  # a javascript: paper URL: its arXiv page


def test_spoofed_links_in_digest_replies_and_answers():
    digest = spoofed_digest()
    for payload in (blocks.category_reply(digest, "Security"), blocks.overview_reply(digest),
                    *blocks.answer_messages(Answer(text=SPOOF, cited=digest.summaries[0].papers), "en")):
        check_links(all_text(list(payload.blocks)) + "\n" + payload.text)


# --- issue 13 item 5 ----------------------------------------------------------------------------


def test_part_headings_stay_on_their_own_line(service):
    offline = service.build(DAY, language="en")  # the offline summarizer's text (fixture feed)
    llm = digest_of(summary("LLM", five_parts(["RingCache", "QuantMix"], 1500), 2))
    for digest in (offline, llm):
        for s in digest.summaries:
            text = "\n".join(all_text(list(p.blocks)) for p in blocks.category_messages(s, digest))
            for k, part in enumerate(("Key themes", "Key findings per paper", "Synthesis and outlook"), 1):
                assert re.search(rf"^\s*\d\. \*{part}\*\s*$", text, re.M), (part, text[:600])


def test_the_cut_line_speaks_the_digest_language():
    digest = huge_digest(1, language="ko")
    text = "\n".join(all_text(list(p.blocks)) for _, _, p in blocks.thread_messages(digest))
    assert "전체 내용은 리포트 digest_2024-11-22.md에 있습니다" in text
