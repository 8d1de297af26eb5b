"""The ``/digest`` slash command: one ``query`` option in the shared grammar, autocomplete, an
ephemeral answer by default with a "Post to channel" button, and configuration kinds
(subscribe / unsubscribe / settings) that need Manage Server.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
from datetime import date

import discord
from discord import app_commands

from bot.core.commands import FOLLOW, SUBSCRIPTION, dispatch
from bot.core.context import ChatBot
from bot.discord import embeds
from bot.discord import limits
from bot.discord.post import PLATFORM, to_kwargs
from bot.discord.search import SearchMore, send_page
from digest.models import DigestQuery
from digest.query.parse import parse_query
from digest.text import t
from digest.deliver.chat import handle_subscription_command
from digest.classify.taxonomy import Taxonomy, normalize


log = logging.getLogger(__name__)

RECENT_DAYS = 7
DAYS_TTL = 60.0  # seconds the recent days offered by autocomplete are reused
DAYS_WAIT = 0.5  # the most autocomplete waits for the database before answering without it

# --- autocomplete ---------------------------------------------------------------------------
_PARTIAL_DATE = re.compile(r"\d{1,4}(-\d{0,2}){0,2}")


def suggestions(current: str, taxonomy: Taxonomy, days: list[date], language: str = "en",
                limit: int = limits.CHOICES) -> list[tuple[str, str]]:
    """``(name, value)`` choices for what has been typed: categories, recent dates, both."""
    typed = " ".join((current or "").split())
    tokens = typed.split(" ") if typed else []
    dated = [tok for tok in tokens if _PARTIAL_DATE.fullmatch(tok)]
    rest = " ".join(tok for tok in tokens if tok not in dated)
    prefix = dated[-1] if dated else ""
    recent = [d.isoformat() for d in days if d.isoformat().startswith(prefix)]
    out: list[tuple[str, str]] = []

    def add(name: str, value: str) -> None:
        value = limits.clip(value, limits.CHOICE_TEXT, "")
        if len(out) < limit and all(v != value for _, v in out):
            out.append((limits.clip(name, limits.CHOICE_TEXT), value))

    category = taxonomy.get(rest) if rest else None
    if category is not None:  # "LLM" or "LLM 2024-1": that category on recent days
        if not dated:
            add(f"{category.label} · {t(language, 'discord_latest')}", category.name)
        for day in recent:
            add(f"{category.label} · {day}", f"{category.name} {day}")
        return out
    key = normalize(rest)
    if not typed:
        add(t(language, 'discord_latest'), "latest")
    if not rest:
        for day in recent:
            add(day, day)
    matches = [c for c in taxonomy if not key or key in normalize(c.name)
               or any(normalize(a).startswith(key) for a in c.aliases)]
    for c in matches:
        add(c.label, f"{c.name} {prefix}".strip())
    for word_, label in (("help", "help"), ("categories", "categories")):
        if not dated and (not key or word_.startswith(key)):
            add(t(language, f'discord_{label}'), word_)
    return out


# --- the "Post to channel" button --------------------------------------------------------------
class PostToChannel(discord.ui.DynamicItem[discord.ui.Button],
                    template=r"digest:post:(?P<day>\d{4}-\d{2}-\d{2}):(?P<lang>[\w-]{1,16}):(?P<cat>-|\d{1,3})"):
    """Shown on an ephemeral answer; posts the same digest publicly. Survives restarts: the
    custom id carries (day, language, category index) and the digest is read from the store."""

    def __init__(self, day: date, language: str, category_index: int | None, label: str = "Post to channel"):
        cat = "-" if category_index is None else str(category_index)
        super().__init__(discord.ui.Button(
            label=label, style=discord.ButtonStyle.primary, emoji="📣",
            custom_id=f"digest:post:{day.isoformat()}:{language}:{cat}"))
        self.day, self.language, self.category_index = day, language, category_index

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: re.Match[str]):
        cat = match["cat"]
        return cls(date.fromisoformat(match["day"]), match["lang"], None if cat == "-" else int(cat))

    async def callback(self, interaction: discord.Interaction) -> None:
        bot: ChatBot = interaction.client  # type: ignore[assignment]
        names = bot.service.taxonomy.names
        category = None
        if self.category_index is not None and self.category_index < len(names):
            category = names[self.category_index]
        query = DigestQuery("category" if category else "digest", day=self.day, category=category)
        await bot.commands.answer(interaction, query, self.language, ephemeral=False, build_missing=False)


def post_button(query_day: date, language: str, category: str | None, taxonomy: Taxonomy,
                label: str) -> discord.ui.View:
    index = taxonomy.names.index(category) if category in taxonomy.names else None
    view = discord.ui.View(timeout=None)
    view.add_item(PostToChannel(query_day, language, index, label))
    return view


# --- the command ---------------------------------------------------------------------------------
class DigestCommands:
    """Registers ``/digest`` on a tree and answers it with the bot's DigestService."""

    def __init__(self, bot: ChatBot, build_missing: bool = True):
        self.bot = bot
        self.build_missing = build_missing
        self._days: list[date] | None = None  # recent digest days for autocomplete
        self._days_at = 0.0
        self._days_task: asyncio.Future | None = None

        @app_commands.command(name="digest", description="AI paper digest: a day, a category, help")
        @app_commands.describe(
            query="e.g. LLM 2024-11-24 · yesterday · categories · help (empty: the latest digest)",
            public="Post the answer in the channel for everyone (default: only you see it)")
        async def digest(interaction: discord.Interaction, query: str = "", public: bool = False) -> None:
            await self.run(interaction, query, public)

        @digest.autocomplete("query")
        async def complete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
            return await self.complete(current)

        self.command = digest
        bot.tree.add_command(digest)
        bot.add_dynamic_items(PostToChannel, SearchMore)

    @property
    def language(self) -> str:
        return self.bot.service.settings.digest_language

    async def recent_days(self) -> list[date]:
        """The recent digest days, from memory: autocomplete must answer within 3 s and the
        database may wait behind a build's lock. A stale list is refreshed in a worker thread
        (one at a time), waited for at most ``DAYS_WAIT`` seconds; meanwhile the last list serves."""
        loop = asyncio.get_running_loop()
        stale = self._days is None or loop.time() - self._days_at > DAYS_TTL
        if stale and (self._days_task is None or self._days_task.done()):
            self._days_task = asyncio.ensure_future(self._refresh_days())
        if stale and self._days_task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._days_task), DAYS_WAIT)
            except Exception:  # slow (TimeoutError) or failed: answer from what we have
                pass
        return list(self._days or [])

    async def _refresh_days(self) -> None:
        try:
            days = await asyncio.to_thread(self.bot.service.store.digest_days, None, RECENT_DAYS)
        except Exception:
            log.exception("discord: reading the recent digest days failed")
            return
        self._days, self._days_at = days, asyncio.get_running_loop().time()

    async def complete(self, current: str) -> list[app_commands.Choice[str]]:
        service = self.bot.service
        days = await self.recent_days()
        return [app_commands.Choice(name=n, value=v)
                for n, v in suggestions(current, service.taxonomy, days, self.language)]

    async def run(self, interaction: discord.Interaction, query: str, public: bool) -> None:
        parsed, route = dispatch(self.bot.service, query, self.language)
        if route == FOLLOW:
            await self.follow(interaction, parsed)
            return
        if route == SUBSCRIPTION:
            # acknowledge within Discord's 3 s first: the database may wait behind a build's lock
            await interaction.response.defer(ephemeral=True, thinking=True)
            try:
                reply = await asyncio.to_thread(self.config_reply, interaction, parsed)
            except Exception:
                log.exception("discord: /digest %s failed", parsed.kind)
                reply = t(self.language, 'discord_failed')
            await interaction.followup.send(reply, ephemeral=True,
                                            allowed_mentions=discord.AllowedMentions.none())
            return
        if parsed.kind == "search":  # the archive, a page at a time (bot.discord.search)
            await send_page(interaction, self.bot.service, " ".join(parsed.args), 0, self.language)
            return
        ephemeral = not public or parsed.kind == "error"  # a mistake is shown only to its author
        await self.answer(interaction, parsed, self.language, ephemeral=ephemeral,
                          build_missing=self.build_missing)

    async def follow(self, interaction: discord.Interaction, query: DigestQuery) -> None:
        """follow / following / unfollow: the author's own follows, answered to them only."""
        from digest.follows.commands import handle_follow

        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            reply = await asyncio.to_thread(handle_follow, self.bot.service, query, PLATFORM,
                                            str(interaction.user.id), str(interaction.channel_id),
                                            self.language)
        except Exception:
            log.exception("discord: /digest %s failed", query.kind)
            reply = text(self.language, "failed")
        await interaction.followup.send(reply, ephemeral=True, allowed_mentions=discord.AllowedMentions.none())

    def config_reply(self, interaction: discord.Interaction, query: DigestQuery) -> str:
        """subscribe / unsubscribe / settings for this channel; changes need Manage Server.

        The engine (``digest.deliver.chat``) makes the change; it also accepts the users in
        DIGEST_ADMINS. Runs in a worker thread (database)."""
        if interaction.guild_id is None:
            return t(self.language, 'discord_guild_only')
        manage = bool(interaction.permissions.manage_guild)
        return handle_subscription_command(query, PLATFORM, str(interaction.channel_id),
                                           str(interaction.user.id), manage,
                                           service=self.bot.service, language=self.language)

    async def answer(self, interaction: discord.Interaction, query: DigestQuery, language: str,
                     ephemeral: bool, build_missing: bool) -> None:
        """defer() at once, resolve off the event loop, then follow up within the 15 minutes."""
        await interaction.response.defer(ephemeral=ephemeral, thinking=True)
        service = self.bot.service
        try:
            reply = await asyncio.to_thread(service.resolve, query, language, build_missing)
        except Exception:
            log.exception("discord: /digest %s failed", query.kind)
            await interaction.followup.send(t(language, 'discord_failed'), ephemeral=True)
            return
        if reply.digest is None:
            payloads = embeds.text_payloads(reply.text)
        else:
            payloads = embeds.digest_payloads(reply.digest, reply.category,
                                              getattr(interaction, "filesize_limit", None)
                                              or limits.DEFAULT_ATTACHMENT_LIMIT)
        chart = await asyncio.to_thread(_week_chart, reply.week, interaction) if reply.week is not None else None
        for i, payload in enumerate(payloads):
            kwargs = to_kwargs(payload, reply.digest)
            if chart is not None and i == len(payloads) - 1:  # /digest week: its chart under the numbers
                kwargs["file"] = discord.File(io.BytesIO(chart), filename=f"week-{reply.week.end.isoformat()}.png")
            if ephemeral and reply.digest is not None and i == len(payloads) - 1:
                try:
                    kwargs["view"] = post_button(reply.digest.day, reply.digest.language, reply.category,
                                                 service.taxonomy, t(language, 'discord_post'))
                except ValueError:  # a language code the custom id cannot carry: no button
                    pass
            await interaction.followup.send(ephemeral=ephemeral, **kwargs)


def _week_chart(week, interaction) -> bytes | None:
    """The week's chart PNG, or None when it cannot be drawn or exceeds the attachment limit."""
    from digest.week import week_chart_png

    try:
        png = week_chart_png(week)
    except Exception:  # the numbers still go out without their picture
        log.exception("discord: the week chart failed")
        return None
    limit = getattr(interaction, "filesize_limit", None) or limits.DEFAULT_ATTACHMENT_LIMIT
    return png if len(png) <= limit else None
