"""Digest -> Markdown in the reference layout (title, chart link, one section per category).

Also the rules every renderer shares, so the report, the console, Slack and Discord agree:

* how much of one category a reader is shown (``REPORT_CATEGORY_CHARS`` in the report,
  ``CHAT_CATEGORY_CHARS`` and ``MAX_CATEGORY_MESSAGES`` in a chat, ``MAX_POST_MESSAGES`` per post),
  with a localised "more in the report" line where text is cut — an LLM that ignores
  ``max_tokens`` must not turn one day into a 10 MB report or a thousand chat messages;
* part headings of the five-part synthesis on their own line (:func:`separate_headings`);
* links and HTML through the one link policy (``digest.present.links``).

Why these limits: a real five-part synthesis is 1.1k characters (median of 138 real GPT replies in
``../shared/data/llm_replies_real_dev.json``, at most 1.9k); the reference report's sections are
at most 3.3k; a reply that fills ``MAX_TOKENS`` = 2,000 tokens is about 8,000 characters of
English. So 12,000 characters per category in a chat and 20,000 in the report never cut a normal
digest, while a 1 MB reply shows as one category's worth. In messages, 12,000 characters are 2
Slack messages (10,000 characters of blocks each) or 3 Discord messages (4,096 per description,
6,000 per message), and the most sources a category can have (20 papers, titles shown up to 300
characters) 1–2 more: ``MAX_CATEGORY_MESSAGES`` = 5. A normal day (14 categories, the taxonomy's
size, of at most 8,000 characters and 5 papers each) is 2 messages per category + the overview and
chart, about 30: ``MAX_POST_MESSAGES`` = 48 keeps it whole while bounding a post (Slack takes
about one message a second per channel: under a minute). Thread answers are capped the same way
at ``CHAT_ANSWER_CHARS``.
"""

from __future__ import annotations

import re
from datetime import date

from digest.present import links
from digest.text import t
from digest.models import CategorySummary, Digest, abs_url

REPORT_CATEGORY_CHARS = 20_000
CHAT_CATEGORY_CHARS = 12_000
MAX_CATEGORY_MESSAGES = 5
MAX_POST_MESSAGES = 48
CHAT_ANSWER_CHARS = 8_000  # a thread answer: a few paragraphs; 4 Discord messages of 2,000
# A whole day shown in one chat message stream without messages (the console): the taxonomy's 14
# categories at the chat limit with their sources; past it, the rest is named and left to the report.
CHAT_POST_CHARS = 14 * (CHAT_CATEGORY_CHARS + 3_000)


def chart_filename(day: date) -> str:
    return f"paper_{day.isoformat()}.png"


def report_filename(day: date) -> str:
    return f"digest_{day.isoformat()}.md"


# --------------------------------------------------------------------------- shared rules

_BREAKS = ("\n\n", "\n", ". ", "。", "? ", "! ", " ")


def clip_text(text: str, limit: int) -> tuple[str, int]:
    """``text`` cut to at most ``limit`` characters at the clearest break (paragraph, line,
    sentence, word); returns it and how many characters were left out (0: nothing cut)."""
    text = (text or "").strip()
    if len(text) <= limit:
        return text, 0
    window = text[:limit]
    cut = limit
    for sep in _BREAKS:
        pos = window.rfind(sep)
        if pos > limit // 2:
            cut = pos + (len(sep) if sep.strip() else 0)
            break
    kept = text[:cut].rstrip()
    return kept, len(text) - len(kept)


def cut_line(language: str, day: date) -> str:
    """The line under a category cut short in a chat: the rest is in the report."""
    return t(language, "cut_chat", report=report_filename(day))


def more_categories_line(language: str, day: date, names: list[str], shown: int = 5) -> str:
    """The line that ends a post cut short: how many categories, and which, are in the report."""
    listed = ", ".join(names[:shown]) + (", …" if len(names) > shown else "")
    return t(language, "more_categories", n=len(names), report=report_filename(day), names=listed)


def chat_text(summary: CategorySummary, day: date) -> tuple[str, bool]:
    """A category's synthesis as a chat shows it: headings on their own line, at most
    ``CHAT_CATEGORY_CHARS`` characters, the cut line appended when it was cut."""
    text, dropped = clip_text(separate_headings(summary.text), CHAT_CATEGORY_CHARS)
    if dropped:
        return f"{text}\n\n_{cut_line(summary.language, day)}_", True
    return text, False


# "5. **Synthesis and outlook**", "**Key themes:**", "### 3. Findings", and their Korean forms
_HEADING = re.compile(
    r"^[ \t]{0,3}(?:#{1,6}[ \t]+.+"
    r"|(?:\d{1,2}[.)][ \t]+)?(?:\*\*|__)[^*_\n]{1,120}(?:\*\*|__):?"
    r"|\d{1,2}[.)][ \t]+[^\n]{1,80}:)[ \t]*$")
_BLOCK_START = re.compile(r"^[ \t]*(?:[-*+•][ \t]|\d{1,2}[.)][ \t]|#|>|```|$)")


def separate_headings(text: str) -> str:
    """A blank line after each part heading that prose follows directly.

    In Markdown, ``5. **Synthesis and outlook**`` followed by an indented paragraph is one
    paragraph: the console (and a Markdown viewer) would run the heading into its text. A list,
    another heading or a blank line after it needs nothing.
    """
    lines = (text or "").split("\n")
    out: list[str] = []
    for i, line in enumerate(lines):
        out.append(line)
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if _HEADING.match(line) and not _BLOCK_START.match(nxt):
            out.append("")
    return "\n".join(out)


def paper_link(paper) -> str:
    """A paper's link, when the source gave one that may be linked; its arXiv page otherwise."""
    return links.safe_url(paper.link) or abs_url(paper.arxiv_id)


# --------------------------------------------------------------------------- the report


def render_sources(summary: CategorySummary) -> str:
    return "\n".join(f" - {links.escape_markdown(links.to_plain(p.title))} ({paper_link(p)})"
                     for p in summary.papers)


def report_text(summary: CategorySummary, language: str, day: date | None = None) -> str:
    """The synthesis as the report shows it: headings on their own line, links by the link
    policy, raw HTML as text, at most ``REPORT_CATEGORY_CHARS``. With ``day`` (a chat such as
    the console) at most ``CHAT_CATEGORY_CHARS``, and the cut line points to that day's report."""
    limit = REPORT_CATEGORY_CHARS if day is None else CHAT_CATEGORY_CHARS
    text, dropped = clip_text(separate_headings(summary.text), limit)
    text = links.safe_markdown(text)
    if dropped:
        note = t(language, "cut_report", n=f"{dropped:,}") if day is None else cut_line(language, day)
        text += f"\n\n_{links.escape_markdown(note)}_"
    return text


def render_section(summary: CategorySummary, language: str, day: date | None = None) -> str:
    """``## <emoji> <Category>`` with the synthesis and its sources, as in the reference
    (``day``: shown in a chat, see :func:`report_text`)."""
    heading = f"## {summary.emoji} {summary.category}".replace("##  ", "## ")
    return "\n".join([
        heading, "",
        f"**{t(language, 'summary')}:**", "",
        report_text(summary, language, day), "",
        f"**{t(language, 'sources')}:**", "",
        render_sources(summary), "",
    ])


def render_markdown(digest: Digest, category: str | None = None, *, chat: bool = False) -> str:
    """The whole report, or only ``category``'s section (title and chart kept for context).

    ``chat``: for a chat (the console), each category at most ``CHAT_CATEGORY_CHARS`` with a
    "the rest is in the report" line where cut."""
    lang = digest.language
    head = (f"# {t(lang, 'title')}\n\n_{digest.day.isoformat()}_\n\n"
            f"![{t(lang, 'chart_alt')}]({chart_filename(digest.day)})\n")
    summaries = [s for s in digest.summaries if category is None or s.category == category]
    notes = "".join(f"> {links.safe_markdown(n)}\n" for n in digest.notes)
    sections: list[str] = []
    used = 0
    for i, summary in enumerate(summaries):
        section = render_section(summary, lang, digest.day if chat else None)
        used += len(section)
        if chat and used > CHAT_POST_CHARS and sections:
            rest = [s.category for s in summaries[i:]]
            sections.append(f"_{links.escape_markdown(more_categories_line(lang, digest.day, rest))}_")
            break
        sections.append(section)
    body = "\n\n".join(sections)
    seen = render_seen_before(digest) if category is None else ""
    return "\n".join(part for part in (head, notes, body, seen) if part).rstrip() + "\n"


def render_seen_before(digest: Digest) -> str:
    """``## Seen before``: the day's papers already in an earlier digest, with that day."""
    if not digest.seen_before:
        return ""
    lang = digest.language
    lines = [f"## {t(lang, 'seen_before')}", ""]
    lines += [" - " + t(lang, "seen_before_line", title=links.escape_markdown(links.to_plain(p.title)),
                        day=day.isoformat(), url=f"({paper_link(p)})")
              for p, day in digest.seen_before]
    return "\n".join(lines) + "\n"
