"""The limit checker: every Discord limit a payload breaks (used by the tests and the fakes'
callers to prove that what the builders make may be sent)."""

from __future__ import annotations

from bot.discord.embeds import Payload
from bot.discord.limits import (CONTENT, DESCRIPTION, EMBED_TOTAL, EMBEDS_PER_MESSAGE, FIELD_NAME,
                                FIELD_VALUE, FIELDS, FOOTER, TITLE, ulen)


def violations(payload: Payload | dict) -> list[str]:
    """Every Discord limit a payload breaks (empty when it may be sent)."""
    if isinstance(payload, Payload):
        body = {"content": payload.content, "embeds": [e.to_dict() for e in payload.embeds]}
    else:
        body = payload
    problems = []
    content = body.get("content") or ""
    embeds = body.get("embeds") or []
    if ulen(content) > CONTENT:
        problems.append(f"content {ulen(content)} > {CONTENT}")
    if len(embeds) > EMBEDS_PER_MESSAGE:
        problems.append(f"{len(embeds)} embeds > {EMBEDS_PER_MESSAGE}")
    if not content and not embeds and not (isinstance(payload, Payload) and payload.chart):
        problems.append("empty message")
    total = 0
    for i, e in enumerate(embeds):
        title, desc = e.get("title") or "", e.get("description") or ""
        fields = e.get("fields") or []
        footer = (e.get("footer") or {}).get("text") or ""
        if ulen(title) > TITLE:
            problems.append(f"embed {i} title {ulen(title)} > {TITLE}")
        if ulen(desc) > DESCRIPTION:
            problems.append(f"embed {i} description {ulen(desc)} > {DESCRIPTION}")
        if len(fields) > FIELDS:
            problems.append(f"embed {i} has {len(fields)} fields > {FIELDS}")
        for f in fields:
            if ulen(f.get("name")) > FIELD_NAME or ulen(f.get("value")) > FIELD_VALUE:
                problems.append(f"embed {i} field too long")
            if not f.get("name") or not f.get("value"):
                problems.append(f"embed {i} field empty")
        if ulen(footer) > FOOTER:
            problems.append(f"embed {i} footer too long")
        total += ulen(title) + ulen(desc) + ulen(footer) + \
            sum(ulen(f.get("name")) + ulen(f.get("value")) for f in fields)
    if total > EMBED_TOTAL:
        problems.append(f"embeds total {total} > {EMBED_TOTAL}")
    return problems
