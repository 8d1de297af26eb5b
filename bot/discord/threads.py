"""Questions in a digest thread (or a mention of the bot) answered in the thread by the Q&A service.

* A message in a thread the bot linked to a day (the daily post's thread) is a question about
  that day's digest; earlier turns of the thread are passed as context.
* A mention of the bot elsewhere in a server opens a thread on the question, linked to the
  latest digest, and is answered there (follow-ups in that thread need no mention).
* Bots, webhooks and system messages are ignored. Each message is claimed in the database before
  it is answered, so a gateway replay (RESUME) or a restart never answers it twice.
* Without the ``message_content`` intent, Discord sends the text only of messages that mention
  the bot: then only mentions are answered, in threads too.
* Every database call runs in a worker thread: the store's lock may be held by a build, and the
  event loop (the gateway heartbeat) must never wait for it.
* The flow itself (claim, day, history, answer, turns) is ``bot.core.threads.answer_in_thread``,
  shared with Slack; this module finds where a message was posted and sends Discord's messages.
"""

from __future__ import annotations

import asyncio
import logging
import re

import discord

from bot.core.threads import Question, answer_in_thread
from bot.discord import embeds, limits
from bot.discord.post import PLATFORM, to_kwargs
from digest.models import Answer
from digest.text import t

log = logging.getLogger(__name__)

THREAD_TYPES = (discord.ChannelType.public_thread, discord.ChannelType.private_thread,
                discord.ChannelType.news_thread)
QA_THREAD_ARCHIVE_MINUTES = 1440
_CACHE_MAX = 2048

def sorry(language: str | None) -> str:
    """The apology when answering failed, in the thread's language (Slack's says the same)."""
    return t(language, "discord_sorry")


class ThreadQA:
    """The ``on_message`` listener of a ``DigestBot`` (typed loosely: no import of the client)."""

    def __init__(self, bot):
        self.bot = bot
        self._parents: dict[int, int | None] = {}  # channel id -> parent id (threads) or None

    # --- where a message was posted ---------------------------------------------------------
    async def _thread_of(self, channel) -> tuple[int, int] | None:
        """``(parent channel id, thread id)`` when ``channel`` is a thread, else None."""
        if isinstance(channel, discord.Thread):
            return channel.parent_id, channel.id
        if not isinstance(channel, discord.PartialMessageable):
            return None  # a cached text channel, DM, ...: not a thread
        if channel.id not in self._parents:  # not in the cache (no gateway cache or a restart)
            try:
                fetched = await self.bot.fetch_channel(channel.id)
            except discord.HTTPException:
                return None
            if len(self._parents) >= _CACHE_MAX:
                self._parents.clear()
            self._parents[channel.id] = fetched.parent_id if isinstance(fetched, discord.Thread) else None
        parent = self._parents[channel.id]
        return (parent, channel.id) if parent else None

    async def _open_thread(self, message: discord.Message, question: str, where: tuple[int, int] | None):
        """Where to answer a mention outside a digest thread: (target, channel key, thread key,
        whether a thread was opened for it)."""
        if where is not None:  # some other thread: answer in place
            return message.channel, str(where[0]), str(where[1]), False
        if isinstance(message.channel, (discord.DMChannel, discord.GroupChannel)):
            return message.channel, str(message.channel.id), f"dm-{message.channel.id}", False
        name = limits.clip(f"❓ {question}" if question else "❓ Q&A", limits.THREAD_NAME)
        try:
            data = await self.bot.http.start_thread_with_message(
                message.channel.id, message.id, name=name, auto_archive_duration=QA_THREAD_ARCHIVE_MINUTES)
        except discord.HTTPException as err:  # no Create Public Threads permission, ...: reply in place
            log.info("discord: cannot open a thread for a question (%s); replying in channel", err.status)
            return message.channel, str(message.channel.id), f"msg-{message.id}", False
        thread_id = int(data["id"])
        self._parents[thread_id] = message.channel.id
        target = self.bot.get_partial_messageable(thread_id, type=discord.ChannelType.public_thread)
        return target, str(message.channel.id), str(thread_id), True

    # --- the handler ----------------------------------------------------------------------------
    async def on_message(self, message: discord.Message) -> None:
        me = self.bot.user
        if me is None or message.author.bot or message.webhook_id or message.author.id == me.id:
            return
        if message.type not in (discord.MessageType.default, discord.MessageType.reply):
            return
        mentioned = any(u.id == me.id for u in message.mentions)
        where = await self._thread_of(message.channel)
        state = self.bot.state
        link = (await asyncio.to_thread(state.thread_digest, PLATFORM, str(where[0]), str(where[1]))
                if where else None)
        if link is None and not mentioned:
            return
        if link is not None and not mentioned and not self.bot.message_content:
            return  # without the intent Discord sends no text here: nothing to answer
        question = " ".join(re.sub(rf"<@!?{me.id}>", " ", message.content or "").split())
        language = link[1] if link is not None else self.bot.service.settings.digest_language
        await answer_in_thread(
            self.bot, Question(platform=PLATFORM, event_id=f"message:{message.id}",
                               user=str(message.author.id), text=question, language=language),
            DiscordReplier(self, message, question, where, link))


class DiscordReplier:
    """Where a Discord question is answered (its thread, or one opened for it) and how."""

    def __init__(self, qa: ThreadQA, message: discord.Message, question: str, where, link):
        self.qa, self.message, self.question, self.where_, self.link = qa, message, question, where, link
        self.target = message.channel

    async def where(self) -> tuple[str, str, bool]:
        if self.link is not None:
            return str(self.where_[0]), str(self.where_[1]), False
        self.target, channel, thread, opened = await self.qa._open_thread(self.message, self.question,
                                                                          self.where_)
        return channel, thread, opened

    def busy(self):
        return self.target.typing()

    def failure_text(self, language: str, error: str) -> str:
        return sorry(language)

    async def send(self, answer: Answer, language: str) -> int:
        sent = 0
        for i, payload in enumerate(embeds.answer_payloads(answer, language)):
            kwargs = to_kwargs(payload)
            if i == 0 and self.target.id == self.message.channel.id:
                kwargs["reference"] = self.message.to_reference(fail_if_not_exists=False)
            try:
                await self.target.send(**kwargs)
            except discord.HTTPException as err:
                log.warning("discord: answer to message %s cut short (%s)", self.message.id, err.status)
                break
            sent += 1
        return sent

    async def apologize(self, language: str) -> bool:
        try:
            await self.message.channel.send(sorry(language), allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException:
            log.error("discord: could not answer message %s, nor say so", self.message.id)
            return False
        return True
