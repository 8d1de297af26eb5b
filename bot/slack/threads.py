"""Questions in a digest's thread (``message`` events) and mentions anywhere (``app_mention``).

Each event is claimed once by its ``event_id`` in the database before any work, so Slack's
retries, a second delivery and a restart never produce a second answer. The bot's own messages
and other bots' are ignored; a mention is answered by the mention handler only. The flow itself
(claim, day, history, answer, turns) is ``bot.core.threads.answer_in_thread``, shared with Discord;
this module parses Slack's events and sends Slack's messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import re

from bot.core.threads import Question, answer_in_thread
from bot.slack import blocks
from bot.slack.post import PLATFORM, PostError, call_with_retry
from digest.text import t
from digest.models import Answer

log = logging.getLogger(__name__)

HUMAN_SUBTYPES = (None, "thread_broadcast", "file_share")
_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<[!#][^>]*>")


def is_human(event: dict, bot_user_id: str | None) -> bool:
    if event.get("bot_id") or event.get("bot_profile") or event.get("subtype") not in HUMAN_SUBTYPES:
        return False
    user = event.get("user")
    return bool(user) and user != bot_user_id


def question_text(text: str, bot_user_id: str | None) -> str:
    """Slack message text -> the plain question (the bot's mention and markup removed)."""
    text = _MENTION.sub(lambda m: "" if m[1] == bot_user_id else f"@{m[1]}", text or "")
    text = _LINK.sub(lambda m: m[2] or m[1], text)
    text = _SPECIAL.sub("", text)
    return " ".join(html.unescape(text).split())


def mentions(text: str, bot_user_id: str | None) -> bool:
    return bool(bot_user_id) and any(m == bot_user_id for m in _MENTION.findall(text or ""))


class SlackReplier:
    """Where a Slack question is answered (its thread) and how (Block Kit replies)."""

    def __init__(self, bot, channel: str, thread_ts: str, opened: bool):
        self.bot, self.channel, self.thread_ts, self.opened = bot, channel, thread_ts, opened

    async def where(self) -> tuple[str, str, bool]:
        return self.channel, self.thread_ts, self.opened

    def busy(self):
        return contextlib.nullcontext()

    def failure_text(self, language: str, error: str) -> str:
        return t(language, "slack_answer_failed", error=error)

    async def _post(self, what: str, payload: blocks.Payload) -> None:
        await call_with_retry(
            f"{what} in {self.channel} thread {self.thread_ts}",
            lambda: self.bot.client.chat_postMessage(
                channel=self.channel, thread_ts=self.thread_ts, unfurl_links=False, unfurl_media=False,
                **payload.kwargs()))

    async def send(self, answer: Answer, language: str) -> int:
        posted = 0
        for payload in blocks.answer_messages(answer, language):
            try:
                await self._post("answer", payload)
            except PostError:
                break  # the rest is not sent; an answer cut short beats a repeated one
            posted += 1
        return posted

    async def apologize(self, language: str) -> bool:
        try:
            await self._post("apology", blocks.text_reply(t(language, "slack_post_failed")))
        except PostError:
            log.error("could not answer in %s thread %s, nor say so", self.channel, self.thread_ts)
            return False
        return True


def register(bot) -> None:
    """Listen to thread messages and mentions on ``bot.app`` (a ``SlackBot``)."""
    app = bot.app

    @app.event("message")
    async def on_message(event, body, context):
        thread_ts = event.get("thread_ts")
        if not thread_ts or thread_ts == event.get("ts") or not is_human(event, context.bot_user_id):
            return
        if mentions(event.get("text", ""), context.bot_user_id):
            return  # the app_mention event of the same message answers it
        bot.spawn(on_thread_message(bot, event, body.get("event_id", ""), context.bot_user_id))

    @app.event("app_mention")
    async def on_mention(event, body, context):
        if is_human(event, context.bot_user_id):
            bot.spawn(on_app_mention(bot, event, body.get("event_id", ""), context.bot_user_id))


def _question(bot, event: dict, event_id: str, bot_user_id: str | None) -> Question:
    return Question(platform=PLATFORM, event_id=event_id, user=event.get("user", ""),
                    text=question_text(event.get("text", ""), bot_user_id), language=bot.language)


async def on_thread_message(bot, event: dict, event_id: str, bot_user_id: str | None) -> None:
    channel, thread_ts = event.get("channel"), event["thread_ts"]
    link = await asyncio.to_thread(bot.state.thread_digest, PLATFORM, channel, thread_ts)
    if link is None:
        return  # not a digest thread
    await answer_in_thread(bot, _question(bot, event, event_id, bot_user_id),
                           SlackReplier(bot, channel, thread_ts, opened=False))


async def on_app_mention(bot, event: dict, event_id: str, bot_user_id: str | None) -> None:
    channel = event.get("channel")
    thread_ts = event.get("thread_ts") or event.get("ts")
    # a mention that starts a thread opens a Q&A thread; one inside people's thread does not
    opened = event.get("thread_ts") in (None, event.get("ts"))
    await answer_in_thread(bot, _question(bot, event, event_id, bot_user_id),
                           SlackReplier(bot, channel, thread_ts, opened))
