"""The daily post to a Discord channel, exactly once per (channel, day).

``post_daily`` is what the scheduler and ``python -m bot discord --post-now`` call. It needs only
a logged-in client (REST; no gateway):

1. a ``posted`` record in the ledger means done (unless ``force``);
2. the ledger says ``pending`` BEFORE anything is sent;
3. the channel message (overview + chart) goes out with a ``nonce`` derived from (channel, day)
   and ``enforce_nonce``, so Discord itself drops a duplicate sent again within minutes;
4. a thread is started on it, linked to the day (questions there are about that digest);
5. one message per category goes into the thread, each with a footer marker;
6. the ledger says ``posted`` with the message and thread ids.

A record left ``pending`` or ``failed`` (crash, lost permission, outage) is reconciled on the next
call: the channel's recent messages (up to ``HISTORY_LIMIT``, paged) are searched for the day's
header messages (each carries a footer marker), only the missing ones are sent, the thread is
reused, and only the category messages not already in it are sent. Nothing is posted twice.
The database calls run in worker threads: a build holding the store's lock never blocks the
event loop (and with it the gateway heartbeat).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import time
from datetime import date

import discord

from bot.discord import embeds
from bot.discord import limits
from digest.store.chat_state import ChatState
from digest.models import Digest
from digest.deliver.ledger import POSTED, PostLedger, PostRecord
from digest.present.markdown import chart_filename

log = logging.getLogger(__name__)

PLATFORM = "discord"
HISTORY_LIMIT = 200  # the channel messages searched for an earlier post of the day (2 requests)
THREAD_HISTORY_LIMIT = 200  # the thread messages searched for categories already posted
THREAD_ARCHIVE_MINUTES = 10080  # a week: the thread stays open for questions
THREAD_EXISTS = 160004  # "A thread has already been created for this message"


def nonce(*parts: object) -> str:
    """A stable Discord nonce (<= 25 characters) for the given parts."""
    raw = ":".join(str(p) for p in parts).encode()
    return hashlib.blake2b(raw, digest_size=12).hexdigest()


def to_kwargs(payload: embeds.Payload, digest: Digest | None = None) -> dict:
    """``Messageable.send`` / ``followup.send`` keyword arguments for a payload."""
    kwargs: dict = {"allowed_mentions": discord.AllowedMentions.none()}
    if payload.content:
        kwargs["content"] = payload.content
    if payload.embeds:
        kwargs["embeds"] = payload.embeds
    if payload.chart and digest is not None and digest.chart_png:
        kwargs["file"] = discord.File(io.BytesIO(digest.chart_png), filename=chart_filename(digest.day))
    return kwargs


def _footers(message: discord.Message) -> set[str]:
    return {e.footer.text for e in message.embeds if e.footer and e.footer.text}


async def find_markers(channel: discord.abc.Messageable, markers: set[str], bot_id: int,
                       limit: int) -> dict[str, discord.Message]:
    """The bot's messages carrying ``markers`` among the last ``limit`` of a channel or thread.

    discord.py pages backwards with ``before`` (100 a request), so at most ``limit / 100``
    requests; the scan stops as soon as every marker is found."""
    found: dict[str, discord.Message] = {}
    if not markers:
        return found
    async for message in channel.history(limit=limit):
        if message.author.id != bot_id or message.type is not discord.MessageType.default:
            continue
        for marker in _footers(message) & markers:
            found.setdefault(marker, message)
        if len(found) == len(markers):
            break
    return found


async def find_daily_message(channel: discord.abc.Messageable, day: date, bot_id: int,
                             limit: int = HISTORY_LIMIT) -> discord.Message | None:
    """The bot's post of ``day`` (its first message) among the channel's recent messages."""
    marker = embeds.daily_footer(day)
    return (await find_markers(channel, {marker}, bot_id, limit)).get(marker)


async def _start_thread(client: discord.Client, channel_id: int, message_id: int, name: str) -> int:
    try:
        data = await client.http.start_thread_with_message(
            channel_id, message_id, name=name, auto_archive_duration=THREAD_ARCHIVE_MINUTES)
        return int(data["id"])
    except discord.HTTPException as err:
        if err.code == THREAD_EXISTS:  # a thread started from a message has the message's id
            return message_id
        raise


async def post_daily(client: discord.Client, service, ledger: PostLedger, state: ChatState,
                     channel_id: int | str, day: date | None = None, language: str | None = None,
                     force: bool = False, attachment_limit: int = limits.DEFAULT_ATTACHMENT_LIMIT,
                     digest: Digest | None = None) -> PostRecord:
    """Post the digest of ``day`` (default today) to ``channel_id`` once; returns the ledger record.

    ``client`` must be logged in (``await client.login(token)``); the gateway is not needed.
    ``digest``: post this digest (e.g. the scheduler's, filtered to the channel's categories)
    instead of reading the day's from the service.
    Raises ``digest.errors.DigestError`` when there is no digest to post (nothing is recorded
    then), ``discord.HTTPException`` when Discord refuses (recorded ``failed``; the next call
    reconciles and completes it).
    """
    if client.user is None:
        raise RuntimeError("post_daily needs a logged-in client (await client.login(token))")
    channel_id = int(channel_id)
    key = str(channel_id)
    language = language or service.settings.digest_language
    day = day or service.today()
    record = await asyncio.to_thread(ledger.get, PLATFORM, key, day)
    if record is not None and record.state == POSTED and not force:
        log.info("discord: %s already posted to channel %s (message %s)", day, key, record.message_id)
        return record
    if digest is None:
        digest = await asyncio.to_thread(service.get_digest, day, language, True)
    salt = ""
    if force and record is not None:
        await asyncio.to_thread(ledger.forget, PLATFORM, key, day)
        record, salt = None, f"force-{time.time_ns()}"  # a new nonce: Discord must not dedupe it
    reconcile = record is not None  # pending (a crash) or failed: some messages may be out
    await asyncio.to_thread(ledger.mark_pending, PLATFORM, key, day, language)

    bot_id = client.user.id
    channel = client.get_partial_messageable(channel_id)
    message_id = thread_id = 0
    try:
        header = embeds.daily_header(digest, attachment_limit, service.settings.digest_site_url)
        markers = {p.footer for p in header if p.footer}
        found = await find_markers(channel, markers, bot_id, HISTORY_LIMIT) if reconcile else {}
        first: discord.Message | None = found.get(header[0].footer)
        for i, payload in enumerate(header):  # only the parts not already out (all, normally)
            if payload.footer in found:
                continue
            sent = await channel.send(**to_kwargs(payload, digest), nonce=nonce(key, day, "head", i, salt))
            first = first or sent
        message_id = first.id
        if found:
            log.info("discord: reconciled %s in channel %s: %d of %d header messages exist (first %s)",
                     day, key, len(found), len(header), message_id)
        thread_id = await _start_thread(client, channel_id, message_id, embeds.thread_name(digest))
        await asyncio.to_thread(state.link_thread, PLATFORM, key, str(thread_id), day, language)
        thread = client.get_partial_messageable(thread_id, type=discord.ChannelType.public_thread)
        payloads = embeds.thread_payloads(digest)
        wanted = {p.footer for p in payloads if p.footer}
        done = set(await find_markers(thread, wanted, bot_id, THREAD_HISTORY_LIMIT)) if reconcile else set()
        for i, payload in enumerate(payloads):
            if payload.footer and payload.footer in done:
                continue
            await thread.send(**to_kwargs(payload, digest), nonce=nonce(thread_id, day, i, salt))
    except discord.HTTPException as err:
        detail = f"{type(err).__name__} {err.status}/{err.code}: {err.text}"[:500]
        await asyncio.to_thread(ledger.mark_failed, PLATFORM, key, day, language, detail)
        log.warning("discord: posting %s to channel %s failed: %s", day, key, detail)
        raise
    await asyncio.to_thread(ledger.mark_posted, PLATFORM, key, day, language, str(message_id), str(thread_id))
    log.info("discord: posted %s to channel %s (message %s, thread %s)", day, key, message_id, thread_id)
    return await asyncio.to_thread(ledger.get, PLATFORM, key, day)
