"""The ledger discipline of the one-line "no papers" note, shared by both platforms' posters
(``bot.slack.poster``, ``bot.discord.poster``): pending -> a message carrying a findable marker ->
posted; a pending record is looked up before anything is resent."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date

from digest.deliver.ledger import PostLedger, PostRecord, is_complete
from digest.store.chat_state import ChatState

NOTE_DETAIL = "note"
NOTE_HISTORY = 100  # recent messages searched for an earlier note


class PlatformPoster:
    """What both platforms' posters (``bot.slack.poster``, ``bot.discord.poster``) hold: the
    platform client, the engine, the post ledger and the chat state of the shared database."""

    platform = ""

    def __init__(self, client, service):
        self.client = client
        self.service = service
        self.ledger = PostLedger(service.store)
        self.state = ChatState(service.store)


async def post_note(ledger: PostLedger, platform: str, channel: str, day: date, language: str, *,
                    find: Callable[[], Awaitable[str]], send: Callable[[], Awaitable[str]],
                    failure: Callable[[Exception], str | None]) -> PostRecord:
    """The one-line "no papers" note of ``day`` in ``channel``, once, on either platform.

    The ledger discipline of the digests: a complete record is final; a pending or failed one
    may have gone out before a crash, so ``find()`` (the message id of an earlier note, or "")
    looks for it before anything is resent; else the record is marked pending, ``send()`` posts
    (returning the message id) and the record is marked posted. An error that ``failure`` names
    (a platform error code) marks the record failed; any error is raised on to the scheduler.
    """
    record = await asyncio.to_thread(ledger.get, platform, channel, day)
    if is_complete(record):
        return record
    message_id = await find() if record is not None else ""
    if not message_id:
        await asyncio.to_thread(ledger.mark_pending, platform, channel, day, language)
        try:
            message_id = await send()
        except Exception as err:
            code = failure(err)
            if code is not None:
                await asyncio.to_thread(ledger.mark_failed, platform, channel, day, language, code)
            raise
    await asyncio.to_thread(ledger.mark_posted, platform, channel, day, language, message_id, "",
                            NOTE_DETAIL)
    return await asyncio.to_thread(ledger.get, platform, channel, day)
