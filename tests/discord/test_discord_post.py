"""The daily post over REST: chart + overview in the channel, a thread on it, one message per
category in the thread; once per (channel, day), also after a crash or a refused request."""

from __future__ import annotations

import asyncio

import discord
import pytest

from bot.discord import check
from bot.discord import embeds
from bot.discord.post import HISTORY_LIMIT, post_daily
from discord_helpers import DAY, LoopWatch, store_locked
from digest.errors import DigestError
from digest.deliver.ledger import FAILED, POSTED
from fake_discord import CHANNEL_ID, USER_ID

OTHER = {"id": USER_ID, "username": "alice", "discriminator": "0", "avatar": None, "global_name": None}
CATEGORIES = ["Computer Vision", "LLM", "Inference acceleration", "Multimodal", "Open Domain Reasoning",
              "Reinforcement Learning"]


async def post(bot, **kw):
    return await post_daily(bot, bot.service, bot.ledger, bot.state, CHANNEL_ID, DAY, "en", **kw)


def thread_categories(fake, thread_id: str) -> list[str]:
    return [m["embeds"][0]["title"].split(" ", 1)[1] for m in fake.bot_messages(thread_id)]


async def test_daily_post_with_chart_overview_thread_and_one_message_per_category(bot, fake):
    record = await post(bot)
    head = fake.bot_messages(CHANNEL_ID)
    assert len(head) == 1
    overview = head[0]["embeds"][0]
    assert head[0]["attachments"][0]["filename"] == "paper_2024-11-24.png"
    assert overview["image"]["url"] == "attachment://paper_2024-11-24.png"
    assert "8 papers in 6 categories" in overview["description"]
    assert "🤖 **LLM** · 2 papers — " in overview["description"]
    assert overview["footer"]["text"] == "Daily AI Insights · 2024-11-24"
    create = fake.posts_to(f"/messages/{head[0]['id']}/threads")
    assert create[0][3]["name"] == "Papers of 2024-11-24 — ask questions here"
    thread_id = fake.threads()[0]["id"]
    assert thread_categories(fake, thread_id) == CATEGORIES
    assert (record.state, record.message_id, record.thread_id) == (POSTED, head[0]["id"], thread_id)
    assert bot.state.thread_digest("discord", CHANNEL_ID, thread_id) == (DAY, "en")
    sends = fake.posts_to(f"/channels/{CHANNEL_ID}/messages") + fake.posts_to(f"/channels/{thread_id}/messages")
    assert all(c[3]["nonce"] and c[3]["enforce_nonce"] is True for c in sends)


async def test_a_day_is_posted_once_per_channel_unless_forced(bot, fake):
    first = await post(bot)
    again = await post(bot)
    assert again == first and len(fake.bot_messages(CHANNEL_ID)) == 1
    forced = await post(bot, force=True)
    assert len(fake.bot_messages(CHANNEL_ID)) == 2 and forced.message_id != first.message_id
    assert len(fake.threads()) == 2


async def test_refused_midway_then_completed_without_duplicates(bot, fake):
    posted_in_thread = []

    def third_category_refused(method, path):  # e.g. a permission removed during the post
        if method == "POST" and path.endswith("/messages") and CHANNEL_ID not in path:
            posted_in_thread.append(path)
            return len(posted_in_thread) == 3
        return False

    fake.refuse = third_category_refused
    with pytest.raises(discord.Forbidden):
        await post(bot)
    record = bot.ledger.get("discord", CHANNEL_ID, DAY)
    assert record.state == FAILED and "403" in record.detail
    thread_id = fake.threads()[0]["id"]
    assert thread_categories(fake, thread_id) == CATEGORIES[:2]
    record = await post(bot)  # reconciles: same channel message, same thread, only the rest
    assert record.state == POSTED
    assert len(fake.bot_messages(CHANNEL_ID)) == 1 and len(fake.threads()) == 1
    assert thread_categories(fake, thread_id) == CATEGORIES


async def test_pending_after_a_crash_finds_the_message_and_does_not_post_it_again(bot, fake, service):
    await post(bot)
    thread_id = fake.threads()[0]["id"]
    fake.messages[thread_id] = fake.messages[thread_id][:1]  # crashed after the first category
    bot.ledger.forget("discord", CHANNEL_ID, DAY)  # ...so the ledger still says pending
    bot.ledger.mark_pending("discord", CHANNEL_ID, DAY, "en")
    record = await post(bot)
    assert record.state == POSTED and record.thread_id == thread_id
    assert len(fake.bot_messages(CHANNEL_ID)) == 1
    assert thread_categories(fake, thread_id) == CATEGORIES
    assert fake.posts_to(f"/messages/{record.message_id}/threads")[-1]  # tried, 160004, reused


async def test_nonce_makes_a_blind_retry_harmless(bot, fake):
    await post(bot)
    bot.ledger.forget("discord", CHANNEL_ID, DAY)  # the record was lost: no reconciling scan
    record = await post(bot)
    assert len(fake.bot_messages(CHANNEL_ID)) == 1  # Discord returned the first message (same nonce)
    assert thread_categories(fake, record.thread_id) == CATEGORIES


async def test_rate_limited_posts_are_retried(bot, fake):
    fake.rate_limit_next = 2
    record = await post(bot)
    assert fake.rate_limited == 2 and record.state == POSTED
    assert len(fake.bot_messages(CHANNEL_ID)) == 1
    assert thread_categories(fake, record.thread_id) == CATEGORIES


async def test_nothing_to_post_records_nothing(bot, fake):
    from datetime import date

    with pytest.raises(DigestError):
        await post_daily(bot, bot.service, bot.ledger, bot.state, CHANNEL_ID, date(2024, 11, 23), "en")
    assert bot.ledger.get("discord", CHANNEL_ID, date(2024, 11, 23)) is None
    assert not fake.bot_messages(CHANNEL_ID)


async def test_every_daily_payload_respects_the_limits_for_a_long_digest(bot, fake, service):
    from dataclasses import replace

    d = service.get_digest(DAY, "en")
    long = replace(d, summaries=tuple(replace(s, text=(s.text + "\n\n") * 15) for s in d.summaries))
    service.store.save_digest(long)
    record = await post(bot)  # the fake refuses anything over a limit with 400
    assert record.state == POSTED
    parts = fake.bot_messages(record.thread_id)
    assert len(parts) > len(CATEGORIES)
    assert all(not check.violations({"content": m["content"], "embeds": m["embeds"]}) for m in parts)


async def test_the_scheduler_can_hand_over_a_filtered_digest(bot, fake, service):
    from dataclasses import replace

    d = service.get_digest(DAY, "en")
    only = replace(d, summaries=tuple(s for s in d.summaries if s.category in ("LLM", "Multimodal")))
    record = await post_daily(bot, service, bot.ledger, bot.state, CHANNEL_ID, DAY, "en", digest=only)
    assert thread_categories(fake, record.thread_id) == ["LLM", "Multimodal"]


def forget_nonces(fake, *channel_ids: str) -> None:
    """Discord dedupes a nonce for a few minutes only: a retry later than that is not deduped."""
    for cid in channel_ids:
        for m in fake.messages[cid]:
            m["nonce"] = None


def crashed(bot) -> None:
    bot.ledger.forget("discord", CHANNEL_ID, DAY)
    bot.ledger.mark_pending("discord", CHANNEL_ID, DAY, "en")


async def test_a_header_of_several_messages_is_completed_after_a_crash_between_them(bot, fake, service):
    from dataclasses import replace

    d = service.get_digest(DAY, "en")
    service.store.save_digest(replace(d, notes=tuple(f"Note {i}: " + "x" * 480 for i in range(16))))
    parts = len(embeds.daily_header(service.get_digest(DAY, "en")))
    assert parts >= 2
    heads = []

    def second_header_refused(method, path):
        if method == "POST" and path == f"/channels/{CHANNEL_ID}/messages":
            heads.append(path)
            return len(heads) == 2
        return False

    fake.refuse = second_header_refused
    with pytest.raises(discord.Forbidden):
        await post(bot)
    assert len(fake.bot_messages(CHANNEL_ID)) == 1 and not fake.threads()
    fake.refuse = None
    forget_nonces(fake, CHANNEL_ID)
    record = await post(bot)
    head = fake.bot_messages(CHANNEL_ID)
    assert len(head) == parts  # the rest of the header, the first part not again
    assert [m["embeds"][-1]["footer"]["text"] for m in head] == \
        [embeds.daily_footer(DAY, i + 1, parts) for i in range(parts)]
    assert record.message_id == head[0]["id"] and record.thread_id == head[0]["id"]
    assert thread_categories(fake, record.thread_id) == CATEGORIES


async def test_reconciling_looks_past_a_busy_channel_and_thread(bot, fake):
    await post(bot)
    thread_id = fake.threads()[0]["id"]
    fake.messages[thread_id] = fake.messages[thread_id][:1]  # crashed after the first category...
    for i in range(150):  # ...and the channel and the thread got busy before the next attempt
        fake.message(CHANNEL_ID, {"content": f"chat {i}"}, author=OTHER)
        fake.message(thread_id, {"content": f"question {i}"}, author=OTHER)
    forget_nonces(fake, CHANNEL_ID, thread_id)
    crashed(bot)
    record = await post(bot)
    assert record.state == POSTED and len(fake.bot_messages(CHANNEL_ID)) == 1
    assert thread_categories(fake, thread_id) == CATEGORIES  # the first category not again
    scans = [c for c in fake.calls if c[0] == "GET" and c[1] == f"/channels/{CHANNEL_ID}/messages"]
    assert len(scans) == 2 and "before" in scans[1][2]  # paged backwards, bounded


async def test_the_channel_scan_is_bounded(bot, fake):
    await post(bot)
    for i in range(450):
        fake.message(CHANNEL_ID, {"content": f"chat {i}"}, author=OTHER)
    crashed(bot)
    await post(bot)  # the nonce still dedupes the header within Discord's window
    scans = [c for c in fake.calls if c[0] == "GET" and c[1] == f"/channels/{CHANNEL_ID}/messages"]
    assert len(scans) == HISTORY_LIMIT // 100
    assert len(fake.bot_messages(CHANNEL_ID)) == 1


async def test_the_database_never_blocks_the_event_loop(bot, fake):
    """A build holding the store's lock must not stall the loop (the gateway heartbeat)."""
    async with LoopWatch() as watch:
        async with store_locked(bot.service.store, 0.6):
            task = asyncio.ensure_future(post(bot))
            await asyncio.sleep(0.3)
            assert not task.done()  # waiting for the lock, off the loop
        record = await task
    assert record.state == POSTED
    assert watch.longest < 0.3
