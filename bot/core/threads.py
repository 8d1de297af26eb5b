"""One question answered in its thread, in ONE order on every platform:

claim (event dedupe) -> where (the adapter may open a thread) -> link (which day, which language)
-> history -> answer (the engine; an empty question too) -> send -> record the turns -> link a
thread the question opened.

Before issue 15 Slack and Discord each wrote this flow and had drifted (rate-limit key, empty
question, apology language, order of the turns). The adapters now only parse their events and
render and send (a :class:`~bot.core.context.Replier`); the rate-limit key is ``platform:user``.
Every database and engine call runs in a worker thread: a build may hold the store's lock, and
the event loop (Slack's acks, Discord's heartbeat) must never wait for it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from bot.core.context import Replier, ThreadEngine
from digest.errors import DigestError
from digest.models import Answer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Question:
    """A question as an adapter parsed it from its platform's event."""

    platform: str  # "slack" / "discord": the key of every row in the database
    event_id: str  # what a redelivery carries again ("" = nothing to dedupe by)
    user: str  # the platform's user id; the rate limit is per ``platform:user``
    text: str  # the plain question (the bot's mention and markup removed; may be empty)
    language: str  # the language when the thread is not linked to a digest


def rate_limit_key(platform: str, user: str) -> str:
    """One key per user across platforms: ``slack:U42``, ``discord:9000…`` (issue 15).

    Discord used the bare id before; its old stamps expire within the hour of the rate window,
    so right after an upgrade a Discord user may at most get one extra hour's allowance."""
    return f"{platform}:{user}"


async def claim(engine: ThreadEngine, platform: str, event_id: str) -> bool:
    """Whether this delivery is the first of its event (a retry, a replay, a restart: not)."""
    if not event_id:
        return True
    first = await asyncio.to_thread(engine.state.claim_event, platform, event_id)
    if not first:
        log.info("%s: event %s already handled: skipped", platform, event_id)
    return first


async def answer_in_thread(engine: ThreadEngine, question: Question, replier: Replier) -> bool:
    """Answer ``question`` where ``replier`` says, once; whether anything went out.

    When nothing at all could be sent (not even the apology) the claim is released, so that a
    second delivery of the same event may still be answered.
    """
    platform, state = question.platform, engine.state
    if not await claim(engine, platform, question.event_id):
        return False
    sent, language = 0, question.language
    try:
        channel, thread, opened = await replier.where()
        link = await asyncio.to_thread(state.thread_digest, platform, channel, thread)
        if link is not None:
            day, language = link
        else:
            language = question.language
            day = await asyncio.to_thread(engine.service.latest_day)
        history = (await asyncio.to_thread(state.history, platform, channel, thread)
                   if question.text else [])
        async with replier.busy():
            try:
                result = await asyncio.to_thread(
                    engine.service.answer, question.text, day=day, history=history,
                    user=rate_limit_key(platform, question.user), language=language)
            except DigestError as err:
                result = Answer(text=replier.failure_text(language, str(err)), grounded=False)
            except Exception:
                log.exception("%s: answering in %s/%s failed", platform, channel, thread)
                result = Answer(text=replier.failure_text(language, "internal error"), grounded=False)
        sent = await replier.send(result, language)
    except Exception:
        log.exception("%s: answering event %s failed", platform, question.event_id or "-")
    if sent == 0:
        # the event was acked long ago, so the platform will not deliver it again: say sorry
        # rather than stay silent; release the claim only if even that failed
        if not await replier.apologize(language):
            if question.event_id:
                await asyncio.to_thread(state.release_event, platform, question.event_id)
            return False
        return True
    if question.text:
        await asyncio.to_thread(state.add_turn, platform, channel, thread, "user", question.text,
                                question.user)
        await asyncio.to_thread(state.add_turn, platform, channel, thread, "assistant", result.text)
    if link is None and opened and day is not None:
        # a question that opened its thread makes it a Q&A thread about that day (follow-ups need
        # no mention); a question inside people's own thread does not take their thread over
        await asyncio.to_thread(state.link_thread, platform, channel, thread, day, language)
    return True
