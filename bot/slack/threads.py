"""Questions in a digest's thread (``message`` events) and mentions anywhere (``app_mention``).

Each event is claimed once by its ``event_id`` in the database before any work, so Slack's
retries, a second delivery and a restart never produce a second answer. The bot's own messages
and other bots' are ignored; a mention is answered by the mention handler only.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
from typing import TYPE_CHECKING

from bot.slack import blocks
from bot.slack.post import PLATFORM, PostError, call_with_retry
from digest.errors import DigestError
from digest.models import Answer

if TYPE_CHECKING:
    from bot.slack.app import SlackBot

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


def register(bot: SlackBot) -> None:
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


async def on_thread_message(bot: SlackBot, event: dict, event_id: str, bot_user_id: str | None) -> None:
    channel, thread_ts = event.get("channel"), event["thread_ts"]
    link = await asyncio.to_thread(bot.state.thread_digest, PLATFORM, channel, thread_ts)
    if link is None:
        return  # not a digest thread
    if await claim(bot, event_id):
        await answer(bot, event, channel, thread_ts, link, event_id, bot_user_id)


async def on_app_mention(bot: SlackBot, event: dict, event_id: str, bot_user_id: str | None) -> None:
    channel = event.get("channel")
    thread_ts = event.get("thread_ts") or event.get("ts")
    if await claim(bot, event_id):
        link = await asyncio.to_thread(bot.state.thread_digest, PLATFORM, channel, thread_ts)
        await answer(bot, event, channel, thread_ts, link, event_id, bot_user_id)


async def claim(bot: SlackBot, event_id: str) -> bool:
    if not event_id:
        return True
    first = await asyncio.to_thread(bot.state.claim_event, PLATFORM, event_id)
    if not first:
        log.info("event %s already handled: skipped", event_id)
    return first


async def answer(bot: SlackBot, event: dict, channel: str, thread_ts: str, link, event_id: str,
                 bot_user_id: str | None = None) -> None:
    """Answer one question in its thread, with the thread's earlier turns as context."""
    day, lang = link if link is not None else (None, bot.language)
    user = event.get("user", "")
    question = question_text(event.get("text", ""), bot_user_id)
    if link is None:
        day = await asyncio.to_thread(bot.latest_day, lang)
    # an empty question (a bare mention) goes to the engine too: one answer on every platform
    history = await asyncio.to_thread(bot.state.history, PLATFORM, channel, thread_ts) if question else []
    try:
        result = await asyncio.to_thread(bot.service.answer, question, day=day, history=history,
                                         user=f"{PLATFORM}:{user}", language=lang)
    except DigestError as err:
        result = Answer(text=blocks.ui(lang, "answer_failed", error=str(err)))
    except Exception:
        log.exception("answering in %s/%s failed", channel, thread_ts)
        result = Answer(text=blocks.ui(lang, "answer_failed", error="internal error"))
    posted = 0
    for payload in blocks.answer_messages(result, lang):
        try:
            await call_with_retry(
                f"answer in {channel} thread {thread_ts}",
                lambda payload=payload: bot.client.chat_postMessage(
                    channel=channel, thread_ts=thread_ts, unfurl_links=False, unfurl_media=False,
                    **payload.kwargs()))
        except PostError:
            if posted == 0:
                # the event was acked long ago, so Slack will not deliver it again: say sorry in
                # the thread rather than stay silent; release the claim only if even that failed
                # (nothing at all went out), so that a second delivery may still be answered
                if not await _apologize(bot, channel, thread_ts, lang):
                    await asyncio.to_thread(bot.state.release_event, PLATFORM, event_id)
                return
            break
        posted += 1
    if question:
        await asyncio.to_thread(bot.state.add_turn, PLATFORM, channel, thread_ts, "user", question, user)
        await asyncio.to_thread(bot.state.add_turn, PLATFORM, channel, thread_ts, "assistant",
                                result.text)
    if link is None and day is not None and event.get("thread_ts") in (None, event.get("ts")):
        # a mention that starts a thread makes it a Q&A thread about that day (follow-ups need
        # no mention); a mention inside people's own thread does not take their thread over
        await asyncio.to_thread(bot.state.link_thread, PLATFORM, channel, thread_ts, day, lang)


async def _apologize(bot: SlackBot, channel: str, thread_ts: str, lang: str | None) -> bool:
    """Post the short "please ask again" reply; whether it went out."""
    payload = blocks.text_reply(blocks.ui(lang, "post_failed"))
    try:
        await call_with_retry(
            f"apology in {channel} thread {thread_ts}",
            lambda: bot.client.chat_postMessage(channel=channel, thread_ts=thread_ts,
                                                unfurl_links=False, unfurl_media=False,
                                                **payload.kwargs()))
    except PostError:
        log.error("could not answer in %s thread %s, nor say so", channel, thread_ts)
        return False
    return True
