"""The scheduler's Discord poster: ``bot.discord.post.post_daily`` (marker: ``nonce`` + footer)
and the "no papers" note (``nonce`` of (channel, day, "note"))."""

from __future__ import annotations

from datetime import date

from bot.core.posting import NOTE_HISTORY, post_note
from digest.deliver.ledger import PostLedger, PostRecord
from digest.models import Digest
from digest.store.chat_state import ChatState


PING_LIMIT = 1900  # Discord's content limit is 2000 characters


class DiscordPoster:
    platform = "discord"

    def __init__(self, client, service):
        self.client = client  # a logged-in discord.Client (DigestBot in the runner)
        self.service = service
        self.ledger = PostLedger(service.store)
        self.state = ChatState(service.store)

    async def post(self, channel: str, digest: Digest) -> PostRecord:
        from bot.discord.post import post_daily

        return await post_daily(self.client, self.service, self.ledger, self.state, channel,
                                digest.day, digest.language, digest=digest)

    async def note(self, channel: str, day: date, language: str, text: str) -> PostRecord:
        import discord

        from bot.discord.post import nonce

        target = self.client.get_partial_messageable(int(channel))

        async def find() -> str:
            async for message in target.history(limit=NOTE_HISTORY):
                if message.author.id == self.client.user.id and message.content == text:
                    return str(message.id)
            return ""

        async def send() -> str:
            sent = await target.send(content=text, nonce=nonce(channel, day, "note"),
                                     allowed_mentions=discord.AllowedMentions.none())
            return str(sent.id)

        def failure(err: Exception) -> str | None:
            if isinstance(err, discord.HTTPException):
                return f"{err.status}/{err.code}: {err.text}"[:300]
            return None

        return await post_note(self.ledger, self.platform, channel, day, language,
                               find=find, send=send, failure=failure)

    async def ping(self, channel: str, day: date, language: str, thread_id: str, matches):
        """The follow ping in the day's thread: ``<@id>`` mentions, ``allowed_mentions`` limited to
        exactly the users named in that message (a title can never ping anyone else)."""
        import discord

        from bot.core.pings import post_ping
        from bot.discord.embeds import paper_line
        from bot.discord.post import nonce
        from digest.follows.ping import part_head, ping_parts
        from digest.follows.store import PingLedger

        parts = ping_parts(language, day, matches, lambda u: f"<@{u}>" if u.isdigit() else None,
                           paper_line, PING_LIMIT)
        target = self.client.get_partial_messageable(int(thread_id))

        async def find() -> set[int]:
            heads = {part_head(language, day, i, len(parts)): i for i in range(len(parts))}
            found = set()
            async for message in target.history(limit=200):
                head = message.content.split("\n", 1)[0]
                if message.author.id == self.client.user.id and head in heads:
                    found.add(heads[head])
            return found

        async def send(i: int, users: list[str], text: str) -> str:
            sent = await target.send(
                content=text, nonce=nonce(channel, day, "ping", i), suppress_embeds=True,
                allowed_mentions=discord.AllowedMentions(everyone=False, roles=False, replied_user=False,
                                                         users=[discord.Object(int(u)) for u in users]))
            return str(sent.id)

        return await post_ping(PingLedger(self.service.store), self.platform, channel, day, parts,
                               find=find, send=send)
