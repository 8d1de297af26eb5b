"""Discord's message limits, and text measured and cut to fit them.

Limits are measured in UTF-16 code units (at least the code-point count Discord checks), so a
message that fits here fits Discord.
"""

from __future__ import annotations

import discord

# --- Discord's limits (https://discord.com/developers/docs/resources/message) --------------
CONTENT = 2000
EMBEDS_PER_MESSAGE = 10
EMBED_TOTAL = 6000  # title + description + fields + footer + author, across a message's embeds
TITLE = 256
DESCRIPTION = 4096
FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
CHOICES = 25  # autocomplete
CHOICE_TEXT = 100
THREAD_NAME = 100
DEFAULT_ATTACHMENT_LIMIT = 10 * 1024 * 1024  # a server without boosts; interactions say theirs

FOOTER_RESERVE = 160  # room kept in every message for a footer added after packing
# --- measuring and cutting text ------------------------------------------------------------
def ulen(text: str | None) -> int:
    """Length in UTF-16 code units: never less than the code points Discord counts."""
    if not text:
        return 0
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _prefix_fitting(text: str, limit: int) -> int:
    """The longest prefix length (in code points) whose ``ulen`` is <= ``limit``."""
    used = 0
    for i, ch in enumerate(text[:limit]):  # each character is at least one unit
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > limit:
            return i
    return min(len(text), limit)


def clip(text: str, limit: int, ellipsis: str = "…") -> str:
    """``text`` cut to ``limit`` with an ellipsis when it was longer."""
    text = text or ""
    if ulen(text) <= limit:
        return text
    return text[: _prefix_fitting(text, limit - ulen(ellipsis))].rstrip() + ellipsis


_BREAKS = ("\n\n", "\n", ". ", "? ", "! ", "。", "; ", ", ", " ")


def split_text(text: str, limit: int) -> list[str]:
    """Cut ``text`` into chunks of at most ``limit``, at the clearest break available.

    Paragraphs first, then lines, sentences, words; a single unbroken run is cut hard.
    Whitespace at the cut points is dropped; no word is lost or reordered.
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    chunks: list[str] = []
    rest = (text or "").strip()
    while rest:
        fits = _prefix_fitting(rest, limit)
        if fits == len(rest):
            chunks.append(rest)
            break
        window = rest[:fits]
        cut = 0
        for sep in _BREAKS:
            pos = window.rfind(sep)
            if pos > limit // 4:  # a break too near the start would leave tiny chunks
                cut = pos + (len(sep) if sep.strip() else 0)
                break
        if cut <= 0:
            cut = max(1, fits)  # one unbroken run: cut hard
        piece = rest[:cut].rstrip()
        if piece:
            chunks.append(piece)
        rest = rest[cut:].lstrip()
    return chunks


def embed_size(embed: discord.Embed) -> int:
    """What counts toward the 6000-character limit of a message's embeds."""
    size = ulen(embed.title) + ulen(embed.description)
    size += sum(ulen(f.name) + ulen(f.value) for f in embed.fields)
    size += ulen(embed.footer.text) + ulen(embed.author.name)
    return size


def pack(embeds: list[discord.Embed], budget: int = EMBED_TOTAL - FOOTER_RESERVE) -> list[list[discord.Embed]]:
    """Group embeds into messages: <= 10 each and <= ``budget`` characters across each."""
    messages: list[list[discord.Embed]] = []
    current: list[discord.Embed] = []
    used = 0
    for embed in embeds:
        size = embed_size(embed)
        if current and (len(current) >= EMBEDS_PER_MESSAGE or used + size > budget):
            messages.append(current)
            current, used = [], 0
        current.append(embed)
        used += size
    if current:
        messages.append(current)
    return messages
