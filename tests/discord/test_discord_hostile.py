"""Discord against hostile text: a 1 MB LLM reply (issue 11 row 4), spoofed and script links in
embeds (row 6), part headings on their own line (issue 13 item 5). Messages go through discord.py's
real REST client to the fake server, which enforces Discord's limits."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hostile_texts import (PHISH, SCRIPT_LINK, SCRIPT_LINK_LABELLED, SCRIPT_TAG, digest_of, five_parts,
                           huge_digest, huge_text, normal_digest, papers, summary)

from bot.discord import embeds
from bot.discord import links as discord_links
from bot.discord.post import post_daily, to_kwargs
from digest.present import links
from digest.models import Answer
from digest.present.markdown import MAX_CATEGORY_MESSAGES, MAX_POST_MESSAGES
from fake_discord import CHANNEL_ID

CUT = "the rest is in the report, digest_2024-11-22.md"


async def post(bot, digest):
    return await post_daily(bot, bot.service, bot.ledger, bot.state, CHANNEL_ID, digest.day,
                            digest.language, digest=digest)


def shown(message: dict) -> str:
    parts = [message.get("content") or ""]
    for e in message.get("embeds") or []:
        parts += [e.get("title") or "", e.get("description") or ""]
        parts += [f["value"] for f in e.get("fields") or []]
    return "\n".join(parts)


# --- row 4 ------------------------------------------------------------------------------------


async def test_a_one_megabyte_reply_is_a_few_messages_in_the_daily_post(bot, fake):
    digest = huge_digest(3)
    await post(bot, digest)
    thread_id = fake.threads()[0]["id"]
    messages = fake.bot_messages(thread_id)
    assert len(messages) <= 3 * MAX_CATEGORY_MESSAGES  # was 3,156 for one such category
    for s in digest.summaries:
        mine = [m for m in messages if f"{s.category} · " in m["embeds"][-1]["footer"]["text"]]
        assert 1 <= len(mine) <= MAX_CATEGORY_MESSAGES
        text = "\n".join(map(shown, mine))
        assert CUT in text
        assert all(f"({p.link})" in text for p in s.papers)  # the sources survive the cut


async def test_a_post_is_capped_and_names_what_is_left_to_the_report(bot, fake):
    digest = crowded_day()
    record = await post(bot, digest)
    thread_id = fake.threads()[0]["id"]
    head, thread = fake.bot_messages(CHANNEL_ID), fake.bot_messages(thread_id)
    assert len(head) + len(thread) <= MAX_POST_MESSAGES
    assert re.search(r"\d+ more categories are in the report \(digest_2024-11-22\.md\): Cat \d\d",
                     shown(thread[-1]))
    assert await post(bot, digest) == record  # exactly once still holds for the capped post
    assert len(fake.bot_messages(thread_id)) == len(thread)


def crowded_day():
    """14 categories, each a long reply and 20 papers with long titles: past the post's cap."""
    return digest_of(*(replace(summary(f"Cat {i:02d}", huge_text(40_000)), papers=papers(20, str(i), "T" * 300))
                       for i in range(14)))


async def test_digest_answers_stay_small_and_discord_accepts_them(bot, fake):
    digest = crowded_day()
    payloads = embeds.digest_payloads(digest)
    assert len(payloads) <= MAX_POST_MESSAGES
    assert "more categories are in the report" in "\n".join(e.description or "" for e in payloads[-1].embeds)
    one = embeds.digest_payloads(digest, category="Cat 00")
    assert len(one) <= MAX_CATEGORY_MESSAGES
    channel = bot.get_partial_messageable(int(CHANNEL_ID))
    for payload in one + embeds.answer_payloads(Answer(text=huge_text()), "en"):
        await channel.send(**to_kwargs(payload))  # the fake refuses what Discord would
    assert len(embeds.answer_payloads(Answer(text=huge_text()), "en")) <= MAX_CATEGORY_MESSAGES


def test_a_normal_day_is_never_cut():
    digest = normal_digest()
    for payloads in (embeds.thread_payloads(digest), embeds.digest_payloads(digest)):
        text = "\n".join(shown({"content": p.content, "embeds": [e.to_dict() for e in p.embeds]})
                         for p in payloads)
        assert "in the report" not in text
        for s in digest.summaries:
            assert s.text.splitlines()[-1].strip()[-60:] in text
    assert len(embeds.thread_payloads(digest)) + len(embeds.daily_header(digest)) <= MAX_POST_MESSAGES


# --- row 6 ------------------------------------------------------------------------------------

SPOOF = f"1. **Key themes**\n   - See {PHISH}, {SCRIPT_LINK}, {SCRIPT_LINK_LABELLED} and <javascript:x> {SCRIPT_TAG}."
MASKED = re.compile(r"(?<!\\)\[((?:\\.|[^\]\\])*)\]\(([^)\s]*)\)")


def spoofed_digest():
    s = summary("Security", SPOOF, 2)
    bad = replace(s.papers[0], title=f"{PHISH} Caches {SCRIPT_LINK}", url="javascript:alert(1)")
    return digest_of(replace(s, papers=(bad, *s.papers[1:])), replace(summary("LLM", SPOOF, 1)))


def check_links(text: str) -> None:
    for label, url in MASKED.findall(text):
        url = url.strip("<>")
        assert links.host_of(url), url  # http(s) only
        assert links.trusted(url), (label, url)  # a masked link only to a paper site
    assert "javascript" not in text.lower()


async def test_spoofed_links_show_their_real_host_in_embeds(bot, fake):
    digest = spoofed_digest()
    await post(bot, digest)
    thread_id = fake.threads()[0]["id"]
    posted = [shown(m) for m in fake.bot_messages(CHANNEL_ID) + fake.bot_messages(thread_id)]
    everything = "\n".join(posted)
    check_links(everything)
    assert "arxiv.org/abs/2411.00001 (evil.example)" in everything
    bad = digest.summaries[0].papers[0]
    assert f"(https://arxiv.org/abs/{bad.arxiv_id})" in everything  # a javascript: URL: its arXiv page
    for payload in embeds.digest_payloads(digest) + embeds.answer_payloads(Answer(text=SPOOF), "en"):
        check_links(shown({"content": payload.content, "embeds": [e.to_dict() for e in payload.embeds]}))


# --- issue 13 item 5 ----------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["offline", "llm"])
def test_part_headings_stay_on_their_own_line(service, which):
    digest = service.get_digest(service.store.digest_days(limit=1)[0], "en") if which == "offline" \
        else digest_of(summary("LLM", five_parts(["RingCache", "QuantMix"], 1500), 2))
    for s in digest.summaries:
        text = "\n".join(e.description or "" for p in embeds.category_payloads(digest, s) for e in p.embeds)
        for part in ("Key themes", "Key findings per paper", "Synthesis and outlook"):
            assert re.search(rf"^\s*\d\. \*\*{part}\*\*\s*$", text, re.M), (part, text[:600])


# Discord's own masked-link rule (simple-markdown's): one level of () or [] inside, escapes honoured.
DISCORD_LINK = re.compile(r"(?<!\\)\[((?:\[[^\]]*\]|[^\[\]\\]|\\.)*)\]\(\s*<?((?:\([^)]*\)|[^\s\\]|\\.)*?)>?\s*\)")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["[", "]", "(", ")", "<", ">", "javascript:", "https://", "evil.example",
                                 "arxiv.org", "/abs/1", " ", "x", "\\", "((", "))", "[a]: "]),
                max_size=40).map("".join))
def test_no_masked_link_in_discord_output_leaves_the_paper_sites(text):
    for label, url in DISCORD_LINK.findall(discord_links.unmask_links(text)):
        assert links.trusted(url.strip("<>")), (text, discord_links.unmask_links(text))
