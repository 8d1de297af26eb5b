"""``/digest search <words>`` on Slack: one page of the archive search (``digest.ask.search``),
visible only to the caller, with a "More" button while pages remain.

``SEARCH_MORE_ACTION`` and the button's value (``<page>|<words>``) are persisted identifiers:
buttons already shown must keep working after an upgrade and a restart; the words are searched
again for that page. Slack allows a button value of 2,000 characters; searches are at most
``digest.ask.search.MAX_QUERY_CHARS``.
"""

from __future__ import annotations

import asyncio
import logging

from bot.slack.blocks import Payload, context, fallback, section, text_reply
from bot.slack.mrkdwn import escape, link, plain, truncate
from digest.present.markdown import paper_link
from digest.models import Paper
from digest.text import t

log = logging.getLogger(__name__)

SEARCH_MORE_ACTION = "digest_search_more"  # persisted: the action id of the "More" buttons shown


def more_value(page: int, words: str) -> str:
    return f"{page}|{words}"


def parse_more(value: str) -> tuple[int, str] | None:
    page, _, words = (value or "").partition("|")
    if not page.isdigit() or not words:
        return None
    return int(page), words


def search_payload(result, language: str) -> Payload:
    """A page: the header, one line per paper (linked title, day, category), the button."""
    if result is None:
        return text_reply(t(language, "search_help"))
    if not result.results:
        return text_reply(t(language, "search_none", query=result.query))
    header = t(language, "search_header", query=result.query, total=result.total)
    lines = []
    for rank, found in enumerate(result.results, start=result.first_rank):
        paper = Paper(arxiv_id=found.arxiv_id, title=found.title, url=found.url)
        day = found.day.isoformat() if found.day else "?"
        category = found.category or t(language, "search_no_category")
        lines.append(f"{rank}. {link(paper_link(paper), truncate(plain(found.title), 200))} · "
                     f"{day} · {escape(category)}")
    blocks = [context(escape(header)), section("\n".join(lines))]
    if result.has_more:
        blocks.append({"type": "actions", "elements": [{
            "type": "button", "action_id": SEARCH_MORE_ACTION,
            "text": {"type": "plain_text", "text": t(language, "search_more_button"), "emoji": True},
            "value": more_value(result.page + 1, result.query)}]})
    return Payload(text=fallback(header), blocks=tuple(blocks))


async def answer_search(bot, words: str, page: int, respond) -> None:
    """Search off the event loop; the page goes to the caller only, below what they saw."""
    from bot.slack.commands import send

    lang = bot.language
    try:
        result = await asyncio.to_thread(bot.service.search_archive, words, page)
    except Exception:
        log.exception("slack: search %r failed", words[:80])
        result = None
    await send(respond, search_payload(result, lang), "/digest search", response_type="ephemeral",
               replace_original=False)


def register(bot) -> None:
    @bot.app.action(SEARCH_MORE_ACTION)
    async def more_action(ack, body, respond):
        await ack()
        parsed = parse_more(body["actions"][0].get("value", ""))
        if parsed is None:
            await respond(**text_reply(t(bot.language, "search_help")).kwargs(), response_type="ephemeral",
                          replace_original=False)
            return
        bot.spawn(answer_search(bot, parsed[1], parsed[0], respond))
