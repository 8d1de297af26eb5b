"""Questions in a digest thread are answered there, with the thread's earlier turns, once."""

from __future__ import annotations

import asyncio

import pytest

from bot.discord.client import DigestBot
from bot.discord.post import post_daily
from discord_helpers import DAY, LoopWatch, store_locked, user_message
from digest.models import Answer, Paper
from digest.service import DigestService
from fake_discord import APP_ID, BOT_USER, CHANNEL_ID, OTHER_BOT_ID, TOKEN

MENTION = {k: BOT_USER[k] for k in ("id", "username", "discriminator", "avatar")}


@pytest.fixture
def answers(monkeypatch):
    """Stands in for the Q&A engine (digest/ask/service.py): records each call, answers with a citation."""
    calls = []

    def answer(self, question, day=None, history=(), user="", language=None):
        calls.append({"question": question, "day": day, "history": list(history), "user": user,
                      "language": language})
        cited = (Paper(arxiv_id="2411.80001", title="Speculative Decoding with Tiny Drafters",
                       url="https://arxiv.org/abs/2411.80001"),)
        return Answer(text=f"Answer {len(calls)}: TinyDraft speeds up decoding 2.4x.", cited=cited)

    monkeypatch.setattr(DigestService, "answer", answer)
    return calls


async def posted_thread(bot) -> str:
    record = await post_daily(bot, bot.service, bot.ledger, bot.state, CHANNEL_ID, DAY, "en")
    return record.thread_id


def replies(fake, thread_id: str) -> list[dict]:
    return [m for m in fake.bot_messages(thread_id) if m["content"].startswith(("Answer", "Ask", "Sorry"))]


async def test_question_in_the_thread_answered_once_with_history(bot, fake, answers):
    thread_id = await posted_thread(bot)
    first = user_message(fake, thread_id, "Which paper makes inference faster?")
    bot._connection.parse_message_create(first)
    await fake.wait_for(lambda: replies(fake, thread_id))
    bot._connection.parse_message_create(first)  # the gateway replays the event (RESUME)
    second = user_message(fake, thread_id, "By how much?")
    bot._connection.parse_message_create(second)
    await fake.wait_for(lambda: len(replies(fake, thread_id)) == 2)
    await asyncio.sleep(0.1)
    got = replies(fake, thread_id)
    assert len(got) == 2 and len(answers) == 2  # the replayed message was not answered again
    assert answers[0] == {"question": "Which paper makes inference faster?", "day": DAY, "history": [],
                          "user": "discord:900000000000000042", "language": "en"}
    assert answers[1]["history"] == [("user", "Which paper makes inference faster?"),
                                     ("assistant", "Answer 1: TinyDraft speeds up decoding 2.4x.")]
    assert got[0]["embeds"][0]["title"] == "Sources"
    assert "(https://arxiv.org/abs/2411.80001)" in got[0]["embeds"][0]["description"]
    assert thread_id in fake.typed()  # "digestbot is typing…" while the answer is prepared
    reply_call = [c for c in fake.calls if c[1] == f"/channels/{thread_id}/messages" and c[0] == "POST"][-1]
    assert reply_call[3]["allowed_mentions"]["parse"] == []  # an answer never pings anyone


async def test_answered_once_across_a_restart(bot, fake, answers, service):
    thread_id = await posted_thread(bot)
    msg = user_message(fake, thread_id, "What is new in reasoning?")
    bot._connection.parse_message_create(msg)
    await fake.wait_for(lambda: replies(fake, thread_id))
    restarted = DigestBot(service, message_content=True)  # a new process on the same database
    await restarted.login(TOKEN)
    try:
        restarted._connection.parse_message_create(msg)
        await asyncio.sleep(0.2)
    finally:
        await restarted.close()
    assert len(replies(fake, thread_id)) == 1 and len(answers) == 1


async def test_bots_and_other_channels_are_ignored(bot, fake, answers):
    thread_id = await posted_thread(bot)
    bot._connection.parse_message_create(user_message(fake, thread_id, "I am a bot", author_id=OTHER_BOT_ID, bot=True))
    bot._connection.parse_message_create(user_message(fake, CHANNEL_ID, "chatting in the channel"))
    await asyncio.sleep(0.2)
    assert answers == [] and not replies(fake, thread_id)


async def test_a_mention_in_the_channel_opens_a_thread_and_answers_there(bot, fake, answers):
    await posted_thread(bot)
    msg = user_message(fake, CHANNEL_ID, f"<@{APP_ID}> what about agents?", mentions=(MENTION,))
    bot._connection.parse_message_create(msg)
    await fake.wait_for(lambda: replies(fake, msg["id"]))
    assert answers[0]["question"] == "what about agents?" and answers[0]["day"] == DAY
    assert fake.channels[msg["id"]]["name"] == "❓ what about agents?"
    follow = user_message(fake, msg["id"], "and their benchmarks?")  # no mention needed any more
    bot._connection.parse_message_create(follow)
    await fake.wait_for(lambda: len(replies(fake, msg["id"])) == 2)
    assert answers[1]["history"][0] == ("user", "what about agents?")


async def test_without_message_content_only_mentions_are_answered(fake, service, answers):
    bot = DigestBot(service, message_content=False)
    assert not bot.intents.message_content and bot.intents.guild_messages
    await bot.login(TOKEN)
    try:
        thread_id = await posted_thread(bot)
        bot._connection.parse_message_create(user_message(fake, thread_id, ""))  # text withheld by Discord
        await asyncio.sleep(0.2)
        assert answers == []
        mention = user_message(fake, thread_id, f"<@{APP_ID}> summarize vision", mentions=(MENTION,))
        bot._connection.parse_message_create(mention)
        await fake.wait_for(lambda: replies(fake, thread_id))
        assert answers[0]["question"] == "summarize vision"
    finally:
        await bot.close()


async def test_an_engine_failure_gets_an_apology_not_silence(bot, fake, monkeypatch):
    thread_id = await posted_thread(bot)

    def broken(self, *a, **kw):
        raise RuntimeError("LLM down")

    monkeypatch.setattr(DigestService, "answer", broken)
    bot._connection.parse_message_create(user_message(fake, thread_id, "anything?"))
    await fake.wait_for(lambda: replies(fake, thread_id))
    assert replies(fake, thread_id)[0]["content"].startswith("Sorry")


async def test_the_real_offline_qa_service_answers_from_the_days_papers(bot, fake):
    thread_id = await posted_thread(bot)
    bot._connection.parse_message_create(user_message(fake, thread_id, "Which paper speeds up decoding?"))
    await fake.wait_for(lambda: [m for m in fake.bot_messages(thread_id) if m["content"]])
    reply = [m for m in fake.bot_messages(thread_id) if m["content"]][0]
    everything = reply["content"] + " ".join(e.get("description") or "" for e in reply["embeds"])
    assert "Speculative Decoding with Tiny Drafters" in everything
    assert "https://arxiv.org/abs/2411.80001" in everything


async def test_the_database_never_blocks_the_event_loop(bot, fake, answers):
    """A question while a build holds the store's lock: the loop (the gateway heartbeat) runs on."""
    thread_id = await posted_thread(bot)
    async with LoopWatch() as watch:
        async with store_locked(bot.service.store, 0.6):
            bot._connection.parse_message_create(user_message(fake, thread_id, "Which is fastest?"))
            await asyncio.sleep(0.3)
            assert not replies(fake, thread_id)  # waiting for the lock, off the loop
        await fake.wait_for(lambda: replies(fake, thread_id))
    assert watch.longest < 0.3 and len(answers) == 1


async def test_the_rate_limit_key_is_platform_and_user_as_on_slack(bot, fake, answers):
    """One key per user across platforms (``discord:<id>``, as Slack's ``slack:<id>``): a bare id
    could collide with another platform's user. Stamps of the old bare key expire within the hour."""
    from discord_helpers import USER_ID

    thread_id = await posted_thread(bot)
    bot._connection.parse_message_create(user_message(fake, thread_id, "what is new?"))
    await fake.wait_for(lambda: replies(fake, thread_id))
    assert answers[0]["user"] == f"discord:{USER_ID}"


async def test_the_apology_speaks_the_threads_language(bot, fake, monkeypatch):
    record = await post_daily(bot, bot.service, bot.ledger, bot.state, CHANNEL_ID, DAY, "ko")

    def broken(self, *a, **kw):
        raise RuntimeError("LLM down")

    monkeypatch.setattr(DigestService, "answer", broken)
    bot._connection.parse_message_create(user_message(fake, record.thread_id, "새로운 논문은?"))
    await fake.wait_for(lambda: [m for m in fake.bot_messages(record.thread_id) if "죄송" in m["content"]])
    [sorry] = [m for m in fake.bot_messages(record.thread_id) if "죄송" in m["content"]]
    assert "다시 질문해 주세요" in sorry["content"] and "Sorry" not in sorry["content"]
