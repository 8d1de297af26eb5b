"""Payload builders: Digest / Answer / text -> Discord messages (content and embeds) that fit.

Nothing here talks to Discord. A :class:`Payload` is one message: ``content``, ``embeds`` and
whether the day's chart is attached. The footers are persisted markers: a daily post finds its
messages again by them after a crash, so their text never changes meaning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import discord

from bot.discord.limits import (CONTENT, DEFAULT_ATTACHMENT_LIMIT, DESCRIPTION, EMBED_TOTAL,
                                EMBEDS_PER_MESSAGE, FIELD_VALUE, FIELDS, FOOTER_RESERVE, THREAD_NAME,
                                TITLE, clip, embed_size, pack, split_text, ulen)
from bot.discord.links import quiet_links, unmask_links
from digest.site.url import day_url
from digest.text import papers, t
from digest.present import links
from digest.models import Answer, CategorySummary, Digest, Paper
from digest.present.gist import gist
from digest.present.markdown import (CHAT_ANSWER_CHARS, MAX_CATEGORY_MESSAGES, MAX_POST_MESSAGES, chart_filename,
                                     chat_text, clip_text, cut_line, more_categories_line, paper_link)

COLOUR = discord.Colour(0x5865F2)
BRAND = "Daily AI Insights"


@dataclass
class Payload:
    """One Discord message to send."""

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)
    chart: bool = False  # attach the digest's chart PNG to this message
    footer: str = ""  # marker set on the last embed (daily posts find their messages by it)


SEEN_BEFORE_SHOWN = 10  # repeats listed in the daily post (the report lists them all)


def text_payloads(text: str) -> list[Payload]:
    """Plain text (help, errors, answers) as messages of <= 2000 characters."""
    return [Payload(content=chunk) for chunk in split_text(text, CONTENT)] or [Payload(content="…")]


# --- papers and categories -----------------------------------------------------------------
_MD_LINK_TEXT = re.compile(r"([\[\]\\*_~`|>])")


def paper_line(paper: Paper, limit: int = 300) -> str:
    """``• [Title](link)``: markdown in the title escaped, the link made safe for markdown."""
    title = _MD_LINK_TEXT.sub(r"\\\1", " ".join(links.to_plain(paper.title).split()) or paper.arxiv_id)
    title = clip(title, limit).rstrip("\\")
    link = paper_link(paper).replace(" ", "%20").replace("(", "%28").replace(")", "%29")
    return f"• [{title}]({link})"


def _lines_to_values(lines: list[str], limit: int) -> list[str]:
    values, current = [], ""
    for line in lines:
        line = clip(line, limit)
        candidate = f"{current}\n{line}" if current else line
        if ulen(candidate) > limit:
            values.append(current)
            candidate = line
        current = candidate
    if current:
        values.append(current)
    return values


def category_title(summary: CategorySummary) -> str:
    return clip(f"{summary.emoji} {summary.category}".strip(), TITLE)


def category_embeds(summary: CategorySummary, language: str, day: date | None = None) -> list[discord.Embed]:
    """One category: title with emoji, the synthesis as chats show it (``digest.present.markdown.chat_text``:
    headings on their own line, capped with a "more in the report" line; links by the link
    policy), the sources as links (several embeds if long)."""
    day = day or date.today()
    title = category_title(summary)
    budget = EMBED_TOTAL - FOOTER_RESERVE
    chunks = split_text(unmask_links(chat_text(summary, day)[0]), DESCRIPTION) or ["—"]
    embeds = []
    for i, chunk in enumerate(chunks):
        head = title if i == 0 else clip(f"{title} {t(language, 'discord_cont')}", TITLE)
        embeds.append(discord.Embed(title=head, description=chunk, colour=COLOUR))
    label = t(language, "sources")
    values = _lines_to_values([paper_line(p) for p in summary.papers], FIELD_VALUE)
    for i, value in enumerate(values):
        name = label if i == 0 else t(language, 'discord_sources_n', label=label, i=i + 1)
        last = embeds[-1]
        if len(last.fields) >= FIELDS or embed_size(last) + ulen(name) + ulen(value) > budget:
            last = discord.Embed(title=clip(f"{title} — {label}", TITLE), colour=COLOUR)
            embeds.append(last)
        last.add_field(name=name, value=value, inline=False)
    return embeds


def _count_text(language: str, n: int) -> str:
    return papers(language, n)


def overview_embeds(digest: Digest, with_chart: bool = True, gist_chars: int = 160) -> list[discord.Embed]:
    """Counts and one-line gists per category, the chart shown inside the first embed."""
    lang = digest.language
    title = clip(f"{t(lang, 'title')} — {digest.day.isoformat()}", TITLE)
    by_category = {s.category: s for s in digest.summaries}
    lines = [f"**{t(lang, 'discord_overview', n=digest.total_papers, k=len(digest.counts))}**"]
    for category, n in digest.counts:
        summary = by_category.get(category)
        emoji = f"{summary.emoji} " if summary and summary.emoji else ""
        line = f"{emoji}**{category}** · {_count_text(lang, n)}"
        if summary is not None and (g := gist(summary, gist_chars)):
            line += f" — {g}"
        lines.append(clip(line, DESCRIPTION))
    if digest.seen_before:  # papers of an earlier digest: listed with its day, not summarized again
        lines.append(f"**{t(lang, 'seen_before')}**")
        lines += [f"{paper_line(p, 150)} ({day.isoformat()})" for p, day in digest.seen_before[:SEEN_BEFORE_SHOWN]]
        if len(digest.seen_before) > SEEN_BEFORE_SHOWN:
            lines.append(t(lang, "more_papers", n=len(digest.seen_before) - SEEN_BEFORE_SHOWN))
    lines += [f"_{clip(unmask_links(n.strip('_')), 500)}_" for n in digest.notes]
    chunks = split_text("\n".join(lines), DESCRIPTION)
    embeds = [discord.Embed(title=title if i == 0 else clip(f"{title} {t(lang, 'discord_cont')}", TITLE),
                            description=chunk, colour=COLOUR) for i, chunk in enumerate(chunks)]
    if with_chart and digest.chart_png:
        embeds[0].set_image(url=f"attachment://{chart_filename(digest.day)}")
    return embeds


def _with_footers(messages: list[list[discord.Embed]], footers: list[str]) -> list[Payload]:
    payloads = []
    for embeds, footer in zip(messages, footers):
        if footer:
            embeds[-1].set_footer(text=clip(footer, FOOTER_RESERVE - 10))
        payloads.append(Payload(embeds=embeds, footer=footer))
    return payloads


# --- whole messages --------------------------------------------------------------------------
def daily_footer(day: date, part: int = 1, parts: int = 1) -> str:
    """The marker of a day's post in a channel (found again when reconciling after a crash).

    Every message of a multi-message header carries its own marker (``… · 2/3``), so a crash
    between them is completed from the first missing one."""
    base = f"{BRAND} · {day.isoformat()}"
    return f"{base} · {part}/{parts}" if parts > 1 else base


def category_footer(day: date, category: str, part: int = 1, parts: int = 1) -> str:
    base = f"{clip(category, 80)} · {day.isoformat()}"
    return f"{base} · {part}/{parts}" if parts > 1 else base


def chart_fits(digest: Digest, limit: int = DEFAULT_ATTACHMENT_LIMIT) -> bool:
    return bool(digest.chart_png) and len(digest.chart_png) <= limit


def daily_header(digest: Digest, attachment_limit: int = DEFAULT_ATTACHMENT_LIMIT,
                 site_url: str | None = None) -> list[Payload]:
    """The channel message of a daily post: overview embed(s) with the chart attached; with
    ``site_url`` (``DIGEST_SITE_URL``) the title links to the day's page of the web archive."""
    chart = chart_fits(digest, attachment_limit)
    embeds = overview_embeds(digest, with_chart=chart)
    page = day_url(site_url, digest.day)
    if page:
        embeds[0].url = page
    if digest.chart_png and not chart:
        embeds[-1].description = clip(f"{embeds[-1].description}\n_{t(digest.language, 'discord_chart_too_big')}_",
                                      DESCRIPTION)
    messages = pack(embeds)
    payloads = _with_footers(messages, [daily_footer(digest.day, i + 1, len(messages))
                                        for i in range(len(messages))])
    payloads[0].chart = chart
    return payloads


def thread_name(digest: Digest) -> str:
    return clip(t(digest.language, 'discord_thread', day=digest.day.isoformat()), THREAD_NAME)


def category_payloads(digest: Digest, summary: CategorySummary) -> list[Payload]:
    """One category's message(s) in the digest thread, each with its own footer marker; at most
    ``MAX_CATEGORY_MESSAGES``, the last saying the rest is in the report when cut."""
    messages = cap(pack(category_embeds(summary, digest.language, digest.day)), MAX_CATEGORY_MESSAGES,
                   cut_line(digest.language, digest.day))
    footers = [category_footer(digest.day, summary.category, i + 1, len(messages))
               for i in range(len(messages))]
    return _with_footers(messages, footers)


def cap(messages: list[list[discord.Embed]], limit: int, note: str,
        budget: int = EMBED_TOTAL - FOOTER_RESERVE) -> list[list[discord.Embed]]:
    """At most ``limit`` messages; when some are left out, the last kept one ends with ``note``."""
    if len(messages) <= limit:
        return messages
    kept = messages[:limit]
    last = list(kept[-1])
    note_embed = discord.Embed(description=f"_{clip(note, DESCRIPTION - 2)}_", colour=COLOUR)
    while last and (len(last) >= EMBEDS_PER_MESSAGE
                    or sum(map(embed_size, last)) + embed_size(note_embed) > budget):
        last.pop()
    kept[-1] = last + [note_embed]
    return kept


MORE_CATEGORY = "…"  # the footer name of the message that ends a capped post


def _more_payload(digest: Digest, rest: list[str]) -> Payload:
    note = more_categories_line(digest.language, digest.day, rest)
    embed = discord.Embed(description=f"_{clip(note, DESCRIPTION - 2)}_", colour=COLOUR)
    return _with_footers([[embed]], [category_footer(digest.day, MORE_CATEGORY)])[0]


def thread_payloads(digest: Digest, budget: int | None = None) -> list[Payload]:
    """Every category of the day, one message each (more only when a category is very long); at
    most ``budget`` messages (default: the post's cap less its header), the last naming the
    categories left to the report when they do not all fit."""
    if budget is None:
        budget = MAX_POST_MESSAGES - len(pack(overview_embeds(digest)))
    out: list[Payload] = []
    for i, summary in enumerate(digest.summaries):
        payloads = category_payloads(digest, summary)
        last = i == len(digest.summaries) - 1
        if len(out) + len(payloads) > budget - (0 if last else 1):
            out.append(_more_payload(digest, [s.category for s in digest.summaries[i:]]))
            break
        out += payloads
    return out


def digest_payloads(digest: Digest, category: str | None = None,
                    attachment_limit: int = DEFAULT_ATTACHMENT_LIMIT) -> list[Payload]:
    """The answer to ``/digest``: an overview with the chart, then one embed per category.

    With ``category``, only that category's embeds (and the chart). Each category as in the
    thread (capped, see :func:`category_payloads`); at most ``MAX_POST_MESSAGES`` in all, the last
    naming the categories left to the report.
    """
    chart = chart_fits(digest, attachment_limit)
    embeds: list[discord.Embed] = []
    if category is None:
        embeds += overview_embeds(digest, with_chart=chart, gist_chars=100)
    chosen = [s for s in digest.summaries if category is None or s.category == category]
    starts: list[int] = []  # where each category's embeds begin
    for summary in chosen:
        starts.append(len(embeds))
        for message in cap(pack(category_embeds(summary, digest.language, digest.day)),
                           MAX_CATEGORY_MESSAGES, cut_line(digest.language, digest.day)):
            embeds += message
    if not embeds:
        return text_payloads(f"{digest.day.isoformat()}: —")
    messages = pack(embeds)
    if len(messages) > MAX_POST_MESSAGES:
        kept = pack(embeds[:starts[0]] if starts else [])
        for i, start in enumerate(starts):  # whole categories while they fit, one line for the rest
            end = starts[i + 1] if i + 1 < len(starts) else len(embeds)
            trial = pack([e for m in kept for e in m] + embeds[start:end])
            if len(trial) > MAX_POST_MESSAGES - 1:
                rest = [s.category for s in chosen[i:]]
                note = more_categories_line(digest.language, digest.day, rest)
                kept.append([discord.Embed(description=f"_{clip(note, DESCRIPTION - 2)}_", colour=COLOUR)])
                break
            kept = trial
        messages = kept
    payloads = [Payload(embeds=m) for m in messages]
    payloads[0].chart = chart
    return payloads


def answer_payloads(answer: Answer, language: str, max_sources: int = 10) -> list[Payload]:
    """A thread answer: the text (split at 2000, no link previews) and, last, an embed linking
    the cited papers the text does not already link."""
    text, dropped = clip_text(answer.text, CHAT_ANSWER_CHARS)
    shown = quiet_links(unmask_links(text + (" …" if dropped else "")))
    payloads = text_payloads(shown)
    missing = [p for p in answer.cited if p.link not in shown][:max_sources]
    if missing:
        lines = [paper_line(p) for p in missing]
        description = _lines_to_values(lines, DESCRIPTION)[0]
        payloads[-1].embeds.append(discord.Embed(title=t(language, 'sources'), description=description,
                                                 colour=COLOUR))
    return payloads
