"""Links in Discord markdown: the engine's link policy (``digest.present.links``) applied, and
bare URLs wrapped so Discord shows no preview card for each."""

from __future__ import annotations

import re

from digest.present import links

_BARE_URL = re.compile(r"(?<![<(\w])(https?://[^\s<>()]+[^\s<>().,;:!?'\"”’])")


def quiet_links(text: str) -> str:
    """``<url>`` for bare links, so Discord shows no preview card for each (markdown links kept)."""
    return _BARE_URL.sub(r"<\1>", text)


def _discord_link(found: links.Link) -> str:
    """A link by the engine's policy, in Discord markdown: ``[label](url)`` to a paper site;
    elsewhere ``label (host)`` (no mask to hide behind); other schemes only the label."""
    if found.url is None:
        return found.label
    if found.trusted and found.label:
        return f"[{found.label}]({found.url})"
    if not found.label or found.label_is_host:
        return found.url if not found.label else found.host
    return f"{found.label} ({found.host})"


def unmask_links(text: str) -> str:
    """``[label](url)`` kept only for arxiv.org / huggingface.co; any other target is shown as
    ``label (host)``, so a trusted-looking label cannot hide where a link goes; ``javascript:``
    and other schemes leave only the label (``digest.present.links``)."""
    return links.rewrite(text, _discord_link, leftover="\\](")
