"""Questions in a digest's thread and mentions: answered once, in the thread, with context."""

from __future__ import annotations

import pytest
from slack_helpers import DAY, all_text, assert_valid, message

from bot.slack.app import SlackBot
from digest.models import Answer
from digest.service import DigestService


@pytest.fixture
def qa(monkeypatch, digest):
    """Record the questions the Q&A service gets; answer with Markdown and a citation."""
    asked = []
    paper = digest.summary_for("LLM").papers[0]

    def answer(self, question, day=None, history=(), user="", language=None):
        asked.append({"question": question, "day": day, "history": list(history), "user": user,
                      "language": language})
        return Answer(text=f"**{paper.title}** cuts KV memory by 60% [1].", cited=(paper,))

    monkeypatch.setattr(DigestService, "answer", answer)
    return asked


@pytest.fixture
async def thread(bot, digest, fake):
    record = await bot.post_daily("C1", DAY)
    return record.message_id


def answers(fake, ts, channel="C1"):
    return [m for m in fake.replies(channel, ts)
            if m.get("via") == "chat.postMessage" and not m.get("metadata")]


async def test_question_answered_once_even_when_delivered_twice(slack, fake, bot, thread, qa, digest):
    event = message("Which paper saves memory?", "1732600100.000100", thread_ts=thread)
    first = await slack.event(event, "Ev1")
    again = await slack.event(event, "Ev1", retry=1)  # Slack's retry of the same event
    assert first.status == 200 and again.status == 200
    await bot.drain()
    [reply] = answers(fake, thread)
    assert_valid(reply["blocks"], reply["text"])
    text = all_text(reply["blocks"])
    paper = digest.summary_for("LLM").papers[0]
    assert f"*{paper.title}* cuts KV memory" in text  # Markdown -> mrkdwn
    assert f"<{paper.link}|{paper.title}>" in text  # the cited paper as a link
    assert qa == [{"question": "Which paper saves memory?", "day": DAY, "history": [],
                   "user": "slack:U42", "language": "en"}]


async def test_follow_up_gets_the_thread_history(slack, fake, bot, thread, qa):
    await slack.event(message("Which paper saves memory?", "1732600100.000100", thread_ts=thread), "Ev1")
    await bot.drain()
    await slack.event(message("And how fast is it?", "1732600200.000100", thread_ts=thread), "Ev2")
    await bot.drain()
    assert len(answers(fake, thread)) == 2
    history = qa[1]["history"]
    assert history[0] == ("user", "Which paper saves memory?")
    assert history[1][0] == "assistant" and "cuts KV memory" in history[1][1]


async def test_no_second_answer_after_a_restart(slack, fake, bot, thread, qa, service):
    event = message("Which paper saves memory?", "1732600100.000100", thread_ts=thread)
    await slack.event(event, "Ev1")
    await bot.drain()
    restarted = SlackBot(DigestService(clock=service.clock))  # same database, new process
    runner, port = await restarted.serve_http("127.0.0.1", 0)
    try:
        from slack_helpers import SlackSim

        again = SlackSim(f"http://127.0.0.1:{port}/slack/events", fake)
        assert (await again.event(event, "Ev1", retry=2)).status == 200
        await restarted.drain()
    finally:
        await runner.cleanup()
    assert len(answers(fake, thread)) == 1 and len(qa) == 1


@pytest.mark.parametrize("extra", [
    {"user": "UBOT", "bot_id": "BBOT"},  # the bot itself
    {"user": "U77", "bot_id": "B77", "subtype": "bot_message"},  # another bot
    {"subtype": "message_changed"},  # an edit
])
async def test_bots_and_edits_are_ignored(slack, fake, bot, thread, qa, extra):
    event = message("Which paper saves memory?", "1732600100.000100", thread_ts=thread)
    event.update(extra)
    await slack.event(event, "Ev9")
    await bot.drain()
    assert answers(fake, thread) == [] and qa == []


async def test_other_threads_and_top_level_messages_are_ignored(slack, fake, bot, thread, qa):
    await slack.event(message("hello all", "1732600300.000100"), "Ev3")
    await slack.event(message("unrelated", "1732600400.000100", thread_ts="1732600000.999999"), "Ev4")
    await bot.drain()
    assert qa == [] and len(fake.posts("C1")) == 1 + len(bot.service.get_digest(DAY).summaries)


async def test_mention_anywhere_is_answered_in_a_thread(slack, fake, bot, digest, qa):
    ts = "1732600500.000100"
    mention = message("<@UBOT> what is new in LLM?", ts, channel="C2", type="app_mention")
    await slack.event(mention, "Ev5")
    await bot.drain()
    [reply] = [m for m in fake.posts("C2")]
    assert reply["thread_ts"] == ts
    assert qa[0]["question"] == "what is new in LLM?" and qa[0]["day"] == DAY
    # the thread is now about that day: a follow-up without a mention is answered too
    await slack.event(message("and in vision?", "1732600600.000100", channel="C2", thread_ts=ts), "Ev6")
    await bot.drain()
    assert len(fake.posts("C2")) == 2 and qa[1]["history"][0] == ("user", "what is new in LLM?")


async def test_mention_inside_peoples_thread_does_not_take_it_over(slack, fake, bot, digest, qa):
    root = fake.add_message("C3", "lunch?")
    await slack.event(message("<@UBOT> any LLM papers?", "1732601100.000100", channel="C3",
                              thread_ts=root, type="app_mention"), "Ev20")
    await bot.drain()
    assert [m["thread_ts"] for m in fake.posts("C3")] == [root]
    await slack.event(message("pizza!", "1732601200.000100", channel="C3", thread_ts=root), "Ev21")
    await bot.drain()
    assert len(fake.posts("C3")) == 1 and len(qa) == 1


async def test_mention_in_a_digest_thread_is_answered_once(slack, fake, bot, thread, qa):
    text, ts = "<@UBOT> which paper saves memory?", "1732600700.000100"
    await slack.event(message(text, ts, thread_ts=thread), "Ev7")  # message.channels
    await slack.event(message(text, ts, thread_ts=thread, type="app_mention"), "Ev8")  # app_mention
    await bot.drain()
    assert len(answers(fake, thread)) == 1 and len(qa) == 1


async def test_a_failing_answer_says_sorry(slack, fake, bot, thread, monkeypatch):
    def broken(self, *args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(DigestService, "answer", broken)
    await slack.event(message("Which paper?", "1732600800.000100", thread_ts=thread), "Ev10")
    await bot.drain()
    [reply] = answers(fake, thread)
    assert "Sorry, I could not answer that right now" in reply["text"]


async def test_when_nothing_at_all_can_be_posted_the_claim_is_released(slack, fake, bot, thread, qa):
    event = message("Which paper saves memory?", "1732600900.000100", thread_ts=thread)
    fake.fail("chat.postMessage", "internal_error", times=4)  # the answer and the apology
    await slack.event(event, "Ev11")
    await bot.drain()
    assert answers(fake, thread) == []
    await slack.event(event, "Ev11", retry=1)  # a second delivery: this time it goes through
    await bot.drain()
    assert len(answers(fake, thread)) == 1


async def test_real_qa_service_offline_answer(slack, fake, bot, thread):
    """No stub: the engine's own Q&A (search answer without an LLM key) through the thread."""
    await slack.event(message("Which paper reduces KV cache memory?", "1732601000.000100",
                              thread_ts=thread), "Ev12")
    await bot.drain()
    [reply] = answers(fake, thread)
    assert_valid(reply["blocks"], reply["text"])
    assert "LongRoPE Cache" in all_text(reply["blocks"])


async def test_an_answer_that_cannot_be_posted_gets_an_apology(slack, fake, bot, thread, qa):
    """The event was acked, so Slack never redelivers it: say sorry instead of staying silent."""
    event = message("Which paper saves memory?", "1732600950.000100", thread_ts=thread)
    fake.fail("chat.postMessage", "channel_not_found", times=2)
    await slack.event(event, "Ev13")
    await bot.drain()
    [reply] = answers(fake, thread)
    assert reply["text"] == "Sorry, I could not answer that just now — please ask again."
    await slack.event(event, "Ev13", retry=1)  # claimed: a second delivery is not answered
    await bot.drain()
    assert len(answers(fake, thread)) == 1


def test_the_apology_speaks_korean():
    from digest.text import t

    assert "다시 질문해 주세요" in t("ko", "slack_post_failed")


async def test_a_bare_mention_gets_the_engines_answer_as_on_discord(slack, fake, bot, digest):
    """An empty question is answered by the engine on both platforms (one text, one rule)."""
    expected = bot.service.answer("", language="en").text
    ts = "1732601500.000100"
    await slack.event(message("<@UBOT>", ts, channel="C2", type="app_mention"), "Ev20")
    await bot.drain()
    [reply] = fake.posts("C2")
    assert reply["thread_ts"] == ts
    assert " ".join(expected.split())[:40] in " ".join(reply["text"].split())
