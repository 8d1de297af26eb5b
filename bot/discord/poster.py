"""The scheduler's Discord poster: ``bot.discord.post.post_daily`` (marker: ``nonce`` + footer)
and the "no papers" note (``nonce`` of (channel, day, "note"))."""

from __future__ import annotations

from datetime import date

from bot.core.posting import NOTE_HISTORY, PlatformPoster, post_note
from digest.deliver.ledger import PostLedger, PostRecord
from digest.models import Digest


PING_LIMIT = 1900  # Discord's content limit is 2000 characters


class DiscordPoster(PlatformPoster):
    platform = "discord"  # client: a logged-in discord.Client (DigestBot in the runner)

    async def post(self, channel: str, digest: Digest) -> PostRecord:
        from bot.discord.post import post_daily

        return await post_daily(self.client, self.service, self.ledger, self.state, channel,
                                digest.day, digest.language, digest=digest)

    async def week(self, channel: str, end: date, language: str, text: str, chart: bytes) -> PostRecord:
        """The weekly post (``bot.core.weekly``): the week ending ``end``, once."""
        return await post_week(self, channel, end, language, text, chart)

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

WEEK_CONTENT_CHARS = 2000  # Discord's message content limit


def week_content(text: str) -> str:
    """The weekly Markdown for Discord: ``*bold*`` lines as ``**bold**``, cut at a line to fit."""
    lines = [f"*{line}*" if line.startswith("*") and line.endswith("*") and not line.startswith("**")
             else line for line in text.splitlines()]
    out = ""
    for line in lines:
        if len(out) + len(line) + 1 > WEEK_CONTENT_CHARS - 2:
            return out.rstrip() + "\n…"
        out += line + "\n"
    return out.rstrip()


async def post_week(poster: DiscordPoster, channel: str, end: date, language: str, text: str,
                    chart: bytes) -> PostRecord:
    """The week ending ``end`` in ``channel`` once (``week_posts`` ledger): one message, its chart
    attached; found again after a crash by its first line (the week's dates) from this bot."""
    import io

    import discord

    from bot.discord.post import nonce
    from digest.deliver.ledger import WEEK_POSTS

    ledger = PostLedger(poster.service.store, WEEK_POSTS)
    target = poster.client.get_partial_messageable(int(channel))
    content = week_content(text)
    head = content.splitlines()[0]

    async def find() -> str:
        async for message in target.history(limit=NOTE_HISTORY):
            if message.author.id == poster.client.user.id and \
                    (message.content or "").splitlines()[:1] == [head]:
                return str(message.id)
        return ""

    async def send() -> str:
        kwargs = {}
        if chart:
            kwargs["file"] = discord.File(io.BytesIO(chart), filename=f"week_{end.isoformat()}.png")
        sent = await target.send(content=content, nonce=nonce(channel, end, "week"),
                                 allowed_mentions=discord.AllowedMentions.none(), **kwargs)
        return str(sent.id)

    def failure(err: Exception) -> str | None:
        if isinstance(err, discord.HTTPException):
            return f"{err.status}/{err.code}: {err.text}"[:300]
        return None

    return await post_note(ledger, poster.platform, channel, end, language, find=find, send=send,
                           failure=failure)

