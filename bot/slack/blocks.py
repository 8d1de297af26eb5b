"""Digest -> Block Kit payloads. Pure functions: no network, no Slack SDK, no engine calls.

Every payload keeps Slack's limits with a margin: section text <= 2,900 characters (limit 3,000),
header <= 150, at most 45 blocks (limit 50) and about 10,000 characters of block text per
message (Slack refuses much more with ``msg_blocks_too_long``). Long text is split at paragraph,
line or word boundaries, over several sections and, where needed, several messages.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.slack.mrkdwn import SECTION_LIMIT, escape, link, plain, split_text, to_mrkdwn, truncate
from digest.present import links
from digest.text import papers, t
from digest.models import Answer, CategorySummary, Digest
from digest.present.gist import gist
from digest.site.url import day_url
from digest.present.markdown import (CHAT_ANSWER_CHARS, MAX_CATEGORY_MESSAGES, MAX_POST_MESSAGES, chat_text,
                           clip_text, cut_line, more_categories_line, paper_link)

HEADER_LIMIT = 150
MAX_BLOCKS = 45
MESSAGE_BUDGET = 10_000
FALLBACK_LIMIT = 2_000  # notification text shown where blocks cannot be
OPTION_TEXT_LIMIT = 75
MAX_OPTIONS = 100
SHARE_ACTION = "digest_share"
OPEN_ACTION = "digest_open"
SEEN_BEFORE_SHOWN = 10  # repeats listed in the daily post (the report lists them all)

@dataclass(frozen=True)
class Payload:
    """One Slack message: ``text`` is the notification fallback, ``blocks`` what is shown."""

    text: str
    blocks: tuple[dict, ...] = ()

    def kwargs(self) -> dict:
        args: dict = {"text": self.text}
        if self.blocks:
            args["blocks"] = list(self.blocks)
        return args


# --------------------------------------------------------------------------- blocks


def header(text: str) -> dict:
    return {"type": "header", "text": {"type": "plain_text", "text": truncate(text, HEADER_LIMIT) or "·",
                                       "emoji": True}}


def section(mrkdwn: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn}}


def sections(mrkdwn: str) -> list[dict]:
    return [section(chunk) for chunk in split_text(mrkdwn, SECTION_LIMIT)]


def context(mrkdwn: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": mrkdwn[:SECTION_LIMIT]}]}


def divider() -> dict:
    return {"type": "divider"}


def block_chars(blocks: Iterable[dict]) -> int:
    """Characters of text in ``blocks`` (what Slack's message size limit counts, roughly)."""
    total = 0
    for block in blocks:
        total += len(json.dumps(block, ensure_ascii=False))
    return total


def fallback(text: str) -> str:
    """The notification text: plain, and escaped like every mrkdwn text (a paper title or an LLM
    answer must not ping ``<!channel>`` or show a forged ``<url|label>`` link there either)."""
    out = truncate(escape(plain(text)), FALLBACK_LIMIT)
    return _CUT_ENTITY.sub(r"\1", out)  # an entity cut by truncate() would show as "&am…"


_CUT_ENTITY = re.compile(r"&[a-z]{0,3}(…)$")


def pack(blocks: Sequence[dict], text: str, continued: str | None = None) -> list[Payload]:
    """Spread ``blocks`` over as few messages as the limits allow, in order."""
    messages: list[list[dict]] = []
    current: list[dict] = []
    size = 0
    for block in blocks:
        cost = block_chars([block])
        if current and (len(current) >= MAX_BLOCKS or size + cost > MESSAGE_BUDGET):
            messages.append(current)
            current = [context(escape(continued))] if continued else []
            size = block_chars(current)
        current.append(block)
        size += cost
    if current:
        messages.append(current)
    return [Payload(text=fallback(text) if i == 0 else fallback(continued or text), blocks=tuple(m))
            for i, m in enumerate(messages)]


# --------------------------------------------------------------------------- digest pieces


def title(digest: Digest) -> str:
    return f"{t(digest.language, 'title')} · {digest.day.isoformat()}"


def category_label(summary: CategorySummary) -> str:
    return f"{summary.emoji} {summary.category}".strip()


def _category_lines(digest: Digest, budget: int) -> list[str]:
    by_name = {s.category: s for s in digest.summaries}
    lines: list[str] = []
    used = 0
    for i, (name, count) in enumerate(digest.counts):
        summary = by_name.get(name)
        label = escape(category_label(summary) if summary else name)
        line = f"*{label}* · {papers(digest.language, count)}"
        if summary is not None and (g := gist(summary)):
            line += f"\n{escape(g)}"
        if used + len(line) > budget:
            lines.append(t(digest.language, "slack_more_categories", n=len(digest.counts) - i))
            break
        lines.append(line)
        used += len(line) + 2
    return lines


def _overview_blocks(digest: Digest, budget: int = 6_000) -> list[dict]:
    lang = digest.language
    blocks = [header(title(digest)),
              section(t(lang, "slack_overview", total=digest.total_papers, k=len(digest.counts)))]
    blocks += sections("\n\n".join(_category_lines(digest, budget)))
    if digest.seen_before:  # papers of an earlier digest: listed with its day, not summarized again
        blocks += sections(_seen_before_text(digest))
    for note in digest.notes[:3]:
        blocks.append(context(escape(truncate(plain(note), 300))))
    return blocks


def _seen_before_text(digest: Digest, shown: int = SEEN_BEFORE_SHOWN) -> str:
    lang = digest.language
    lines = [f"*{escape(t(lang, 'seen_before'))}*"]
    lines += ["• " + link(paper_link(p), truncate(plain(p.title), 150)) + f" ({day.isoformat()})"
              for p, day in digest.seen_before[:shown]]
    if len(digest.seen_before) > shown:
        lines.append(escape(t(lang, "more_papers", n=len(digest.seen_before) - shown)))
    return "\n".join(lines)


def _overview_text(digest: Digest) -> str:
    return (f"{title(digest)}: {papers(digest.language, digest.total_papers)} — "
            + ", ".join(f"{name} {n}" for name, n in digest.counts))


def daily_post(digest: Digest, site_url: str | None = None) -> Payload:
    """The top-level message of the daily post: date, counts, one gist per category, and the
    invitation to ask questions in its thread. Always one message. ``site_url``
    (``DIGEST_SITE_URL``): a line linking to the day's page of the web archive."""
    blocks = _overview_blocks(digest)
    blocks.append(context(t(digest.language, "slack_ask")))
    page = day_url(site_url, digest.day)
    if page:
        blocks.append(context(escape(t(digest.language, "site_link", url="\ue000")).replace("\ue000", link(page, page))))
    return Payload(text=fallback(_overview_text(digest)), blocks=tuple(blocks))


def chart_title(digest: Digest) -> str:
    return t(digest.language, "slack_chart", day=digest.day.isoformat())


def _source_lines(summary: CategorySummary) -> list[str]:
    """A paper per line, its title (links in it shown as text with their real host) linking to
    the paper's own page."""
    return [f"• {link(paper_link(p), links.to_plain(p.title))}" for p in summary.papers]


def _category_blocks(summary: CategorySummary, digest: Digest) -> tuple[list[dict], list[dict]]:
    """(head + synthesis blocks, sources blocks) of one category; the synthesis as chats show
    it (``digest.present.markdown.chat_text``: headings on their own line, capped, cut line)."""
    lang = digest.language
    head = [header(category_label(summary)),
            context(escape(f"{papers(lang, len(summary.papers))} · {digest.day.isoformat()}"
                           + ("" if summary.offline else f" · {summary.model}")))]
    body = sections(to_mrkdwn(chat_text(summary, digest.day)[0]))
    if summary.note:
        body.append(context(escape(truncate(summary.note, 300))))
    sources = sections(f"*{escape(t(lang, 'sources'))}*\n" + "\n".join(_source_lines(summary)))
    return head + body, sources


def category_messages(summary: CategorySummary, digest: Digest) -> list[Payload]:
    """The thread reply of one category: full synthesis and its sources as links; split over
    several messages only when one cannot hold it."""
    main, sources = _category_blocks(summary, digest)
    g = gist(summary)
    text = f"{category_label(summary)}: {g}" if g else category_label(summary)
    continued = t(digest.language, "slack_continued", label=category_label(summary))
    messages = pack(main + [divider()] + sources, text, continued)
    return cap(messages, MAX_CATEGORY_MESSAGES, cut_line(digest.language, digest.day))


def cap(messages: list[Payload], limit: int, note: str) -> list[Payload]:
    """At most ``limit`` messages; when some are left out, the last kept one ends with ``note``."""
    if len(messages) <= limit:
        return messages
    kept = messages[:limit]
    blocks = list(kept[-1].blocks)
    note_block = context(escape(note))
    while blocks and (len(blocks) + 1 > MAX_BLOCKS or block_chars(blocks + [note_block]) > MESSAGE_BUDGET):
        blocks.pop()
    kept[-1] = Payload(text=kept[-1].text, blocks=tuple(blocks + [note_block]))
    return kept


MORE_KEY = "…"  # the thread part that says which categories a capped post left to the report


def thread_messages(digest: Digest) -> list[tuple[str, int, Payload]]:
    """The daily post's thread: ``(category, part, payload)`` for every category in order, at
    most ``MAX_POST_MESSAGES`` with the top message and the chart; when categories do not fit,
    the last part (category ``MORE_KEY``) names them and points to the report."""
    budget = MAX_POST_MESSAGES - 2  # the top message and the chart
    out: list[tuple[str, int, Payload]] = []
    for i, summary in enumerate(digest.summaries):
        messages = category_messages(summary, digest)
        last = i == len(digest.summaries) - 1
        if len(out) + len(messages) > budget - (0 if last else 1):
            rest = [s.category for s in digest.summaries[i:]]
            note = more_categories_line(digest.language, digest.day, rest)
            out.append((MORE_KEY, 0, text_reply(note)))
            break
        out += [(summary.category, part, payload) for part, payload in enumerate(messages)]
    return out


# --------------------------------------------------------------------------- /digest replies


def _value(digest: Digest, category: str | None = None) -> str:
    """``day|language|category`` (compact: every menu option carries one)."""
    return f"{digest.day.isoformat()}|{digest.language}|{category or ''}"[:2000]


def parse_value(value: str) -> dict:
    """``{"d": day, "l": language, "c": category}`` from a button's or a menu option's value."""
    parts = (value or "").split("|", 2)
    if len(parts) != 3 or not parts[0]:
        return {}
    return {"d": parts[0], "l": parts[1], "c": parts[2] or None}


def _actions(digest: Digest, category: str | None, budget: int = 4_000) -> dict:
    """The share button, and for a whole day a menu of its categories (as many as ``budget``
    characters allow: every option travels in the message)."""
    lang = digest.language
    share = {"type": "button", "action_id": SHARE_ACTION, "style": "primary",
             "text": {"type": "plain_text", "text": t(lang, "slack_share"), "emoji": True},
             "value": _value(digest, category)}
    elements: list[dict] = []
    if category is None and digest.summaries:
        menu = {"type": "static_select", "action_id": OPEN_ACTION,
                "placeholder": {"type": "plain_text", "text": t(lang, "slack_open"), "emoji": True},
                "options": []}
        used = block_chars([menu, share])
        for s in digest.summaries[:MAX_OPTIONS]:
            value = _value(digest, s.category)
            option = {"text": {"type": "plain_text", "emoji": True,
                               "text": truncate(category_label(s), OPTION_TEXT_LIMIT)},
                      "value": value}
            cost = block_chars([option])
            if len(value) > 150 or used + cost > budget:  # Slack: option value <= 150
                continue
            menu["options"].append(option)
            used += cost
        if menu["options"]:
            elements.append(menu)
    elements.append(share)
    return {"type": "actions", "elements": elements}


def _footer(digest: Digest, category: str | None, interactive: bool, shared_by: str | None,
            ask_note: bool, menu_budget: int = 4_000) -> list[dict]:
    blocks: list[dict] = []
    if category is None and interactive:
        blocks.append(context(t(digest.language, "slack_hint", day=digest.day.isoformat())))
    if ask_note:
        blocks.append(context(t(digest.language, "slack_ask")))
    if shared_by:
        blocks.append(context(t(digest.language, "slack_shared_by", user=escape(shared_by))))
    if interactive:
        blocks.append(_actions(digest, category, menu_budget))
    return blocks


def overview_reply(digest: Digest, *, interactive: bool = True, shared_by: str | None = None,
                   ask_note: bool = False) -> Payload:
    """``/digest [date]``: the day at a glance, a menu to open a category, a share button."""
    blocks = _overview_blocks(digest, budget=5_000)
    room = MESSAGE_BUDGET - block_chars(blocks) - 600
    blocks += _footer(digest, None, interactive, shared_by, ask_note, menu_budget=room)
    return Payload(text=fallback(_overview_text(digest)), blocks=tuple(blocks))


def _capped_sources(summary: CategorySummary, language: str, budget: int) -> list[dict]:
    lines = _source_lines(summary)
    kept: list[str] = []
    used = 0
    for i, line in enumerate(lines):
        if used + len(line) > budget:
            kept.append(t(language, "slack_more_papers", n=len(lines) - i))
            break
        kept.append(line)
        used += len(line) + 1
    return sections(f"*{escape(t(language, 'sources'))}*\n" + "\n".join(kept))


def category_reply(digest: Digest, category: str, *, interactive: bool = True,
                   shared_by: str | None = None, ask_note: bool = False) -> Payload:
    """``/digest CATEGORY [date]``: one category in full, in one message. When it cannot fit,
    the synthesis is cut (and says so) before the sources are; the daily thread has it all."""
    summary = digest.summary_for(category)
    if summary is None:
        return text_reply(f"No {category} papers on {digest.day.isoformat()}.")
    main, _ = _category_blocks(summary, digest)
    head, body = main[:2], main[2:]
    sources = _capped_sources(summary, digest.language, MESSAGE_BUDGET // 2)
    footer = _footer(digest, category, interactive, shared_by, ask_note)
    cut = context(t(digest.language, "slack_cut"))
    fixed = head + [divider()] + sources + footer
    room_chars = MESSAGE_BUDGET - block_chars(fixed) - block_chars([cut])
    room_blocks = MAX_BLOCKS - len(fixed) - 1
    kept: list[dict] = []
    for block in body:
        if len(kept) + 1 > room_blocks or block_chars(kept + [block]) > room_chars:
            kept.append(cut)
            break
        kept.append(block)
    blocks = head + kept + [divider()] + sources + footer
    g = gist(summary)
    text = f"{category_label(summary)}: {g}" if g else category_label(summary)
    return Payload(text=fallback(text), blocks=tuple(blocks))


def text_reply(text: str) -> Payload:
    """Help, the category list, an error: Markdown-ish text as sections (split when long)."""
    blocks = sections(to_mrkdwn(text))[:MAX_BLOCKS]
    while len(blocks) > 1 and block_chars(blocks) > MESSAGE_BUDGET:
        blocks.pop()
    return Payload(text=fallback(text), blocks=tuple(blocks))


# --------------------------------------------------------------------------- answers


def answer_messages(answer: Answer, language: str | None) -> list[Payload]:
    """A thread answer: the text as mrkdwn (at most ``CHAT_ANSWER_CHARS``), then the cited
    papers as links."""
    text, dropped = clip_text(answer.text, CHAT_ANSWER_CHARS)
    blocks = sections(to_mrkdwn(text + (" …" if dropped else ""))) or [section("…")]
    if not answer.grounded:
        blocks.append(context(t(language, "slack_not_grounded")))
    if answer.cited:
        seen: set[str] = set()
        lines = []
        for p in answer.cited:
            if p.link not in seen:
                seen.add(p.link)
                lines.append(f"• {link(paper_link(p), links.to_plain(p.title))}")
        blocks += sections(f"*{escape(t(language or 'en', 'sources'))}*\n" + "\n".join(lines))
    return cap(pack(blocks, text or "…"), MAX_CATEGORY_MESSAGES, "…")
