"""``/digest search <words>`` on Discord: one page of the archive search (``digest.ask.search``)
as an embed, only for the caller, with a "More" button while pages remain.

The button's custom id is a persisted identifier (buttons already shown must keep working after
an upgrade and a restart): ``digest:search:<page>:<words>``, read back by :class:`SearchMore`'s
template; the words are searched again for that page. Words too long for a custom id (100
characters) get no button, and the page says how to ask for the rest.
"""

from __future__ import annotations

import asyncio
import logging
import re

import discord

from bot.discord.embeds import COLOUR, paper_line
from bot.discord.limits import DESCRIPTION, TITLE, clip
from digest.models import Paper
from digest.text import t

log = logging.getLogger(__name__)

MORE_PREFIX = "digest:search:"  # persisted: the custom id of the "More" buttons shown
CUSTOM_ID_LIMIT = 100


def more_id(page: int, words: str) -> str | None:
    """The custom id of the button that shows page ``page`` (0-based); None when it cannot fit."""
    custom_id = f"{MORE_PREFIX}{page}:{words}"
    return custom_id if len(custom_id) <= CUSTOM_ID_LIMIT else None


class SearchMore(discord.ui.DynamicItem[discord.ui.Button],
                 template=r"digest:search:(?P<page>\d{1,3}):(?P<words>.{1,90})"):
    """The "More" button of a search page: the next page, again only for whoever clicks."""

    def __init__(self, page: int, words: str, label: str = "More"):
        custom_id = more_id(page, words)
        if custom_id is None:
            raise ValueError("search words too long for a custom id")
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.secondary,
                                           emoji="🔎", custom_id=custom_id))
        self.page, self.words = page, words

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: re.Match[str]):
        return cls(int(match["page"]), match["words"])

    async def callback(self, interaction: discord.Interaction) -> None:
        bot = interaction.client
        await send_page(interaction, bot.service, self.words, self.page,
                        bot.service.settings.digest_language)


def page_embed(result, language: str) -> discord.Embed:
    """The page as one embed: title, link, day and category per paper."""
    lines = []
    for rank, found in enumerate(result.results, start=result.first_rank):
        paper = Paper(arxiv_id=found.arxiv_id, title=found.title, url=found.url)
        day = found.day.isoformat() if found.day else "?"
        category = found.category or t(language, "search_no_category")
        lines.append(f"{rank}. {paper_line(paper, 200)[2:]} · {day} · {category}")
    title = t(language, "search_header", query=result.query, total=result.total).rstrip(":")
    return discord.Embed(title=clip(title, TITLE), description=clip("\n".join(lines), DESCRIPTION),
                         colour=COLOUR)


async def send_page(interaction: discord.Interaction, service, words: str, page: int,
                    language: str) -> None:
    """defer() at once (ephemeral), search off the event loop, follow up with the page."""
    await interaction.response.defer(ephemeral=True, thinking=True)
    try:
        result = await asyncio.to_thread(service.search_archive, words, page)
    except Exception:
        log.exception("discord: search %r failed", words[:80])
        result = None
    none = discord.AllowedMentions.none()
    if result is None or not result.results:
        text = t(language, "search_help") if result is None else t(language, "search_none", query=result.query)
        await interaction.followup.send(content=text, ephemeral=True, allowed_mentions=none)
        return
    kwargs: dict = {"embed": page_embed(result, language)}
    if result.has_more and more_id(result.page + 1, result.query) is not None:
        view = discord.ui.View(timeout=None)
        view.add_item(SearchMore(result.page + 1, result.query, t(language, "search_more_button")))
        kwargs["view"] = view
    await interaction.followup.send(ephemeral=True, allowed_mentions=none, **kwargs)
