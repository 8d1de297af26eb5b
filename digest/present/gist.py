"""The one-line gist of a category: what its papers add up to, in plain text.

One algorithm for every surface (Slack's overview and menus, Discord's overview embed): before
issue 15 each adapter had its own, and the same category read differently on the two platforms.
Plain text out; each adapter escapes and clips it for its own markup and limits.
"""

from __future__ import annotations

import re

from digest.models import CategorySummary
from digest.present import links

GIST_CHARS = 160

_HEADING_LINE = re.compile(r"^\s*(?:#{1,6}\s.*|(?:\d+[.)]\s*)?(?:\*\*|__)[^*_]+(?:\*\*|__):?\s*)$")
_HASHES = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$", re.M)
_OUTLOOK = re.compile(r"^5[.)]\s")  # the synthesis' last part, "synthesis and outlook"
_MARKER = re.compile(r"^(?:[-*+•◦]|\d+[.)])\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?。])\s+")


def plain(text: str) -> str:
    """Markdown links, headings and emphasis removed."""
    text = links.to_plain(text)
    text = _HASHES.sub(lambda m: m[1], text)
    return re.sub(r"(\*\*|__|~~|\*|`)", "", text)


def clip(text: str, limit: int, ellipsis: str = "…") -> str:
    """One line of at most ``limit`` characters, cut at a word boundary when possible."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ellipsis)]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + ellipsis


def gist(summary: CategorySummary, limit: int = GIST_CHARS) -> str:
    """One plain-text line saying what a category's papers add up to ("" when nothing fits).

    The first sentence of the synthesis' last part ("synthesis and outlook") where there is one,
    else the first line of content; headings and short labels are skipped. The offline synthesis
    opens with the list of titles, so its last sentence (the keywords) is taken instead.
    """
    lines = [ln.strip() for ln in summary.text.splitlines() if ln.strip()]
    start = 0
    for i, line in enumerate(lines):
        if _OUTLOOK.match(plain(line)):
            start = i + 1
            break
    for line in lines[start:] + lines[:start]:
        if _HEADING_LINE.match(line):
            continue
        text = _MARKER.sub("", plain(line).strip()).strip()
        if not text or text.startswith("_") or len(text) < 12 and text.endswith(":"):
            continue
        sentences = _SENTENCE_END.split(text)
        return clip(sentences[-1] if summary.offline else sentences[0], limit)
    return ""
