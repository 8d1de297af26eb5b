"""The follow commands of the ``/digest`` grammar (issue 16)::

    follow WORDS[, WORDS ...]     -> follow,    args=(each follow as typed)
    following                     -> following
    unfollow WORDS[, ...] | all   -> unfollow,  args=(each, or "all")

Commas separate several follows in one command (``follow speculative decoding, Security``);
quotes and edge punctuation around each are dropped. The engine side is ``digest.follows``.
"""

from __future__ import annotations

import re

from digest.models import DigestQuery
from digest.query.words import grammar_words, strip_punct

FOLLOW_KINDS = frozenset({"follow", "following", "unfollow"})
_WORDS = {word: kind for kind in ("follow", "following", "unfollow") for word in grammar_words(kind)}
ALL_WORDS = grammar_words("all")
_LIST_SECOND = grammar_words("follow_list_second")
_CANCEL_SECOND = grammar_words("follow_cancel_second")
MAX_PER_COMMAND = 5
_HEAD = re.compile(r"^\s*(?:/?digest\s+)?(\S+)(.*)$", re.IGNORECASE | re.DOTALL)


def parse_follow(text: str) -> DigestQuery | None:
    """A follow command in ``text`` (already cleaned), or None when it is not one."""
    m = _HEAD.match(text)
    if m is None:
        return None
    kind = _WORDS.get(strip_punct(m[1]).casefold().lstrip("-/"))
    if kind is None:
        return None
    rest = m[2]
    second = rest.split()[:1]
    if kind == "follow" and second and second[0].casefold() in _LIST_SECOND:  # "<follow> <list>"
        return DigestQuery("following")
    if kind == "follow" and second and second[0].casefold() in _CANCEL_SECOND:  # "<follow> <cancel> ..."
        kind, rest = "unfollow", rest.split(None, 1)[1] if len(rest.split()) > 1 else ""
    if kind == "following":
        return DigestQuery("following")
    items = []
    for part in re.split(r"[,;、\n]+", rest):
        item = " ".join(strip_punct(part.strip()).split())
        if item and item not in items:
            items.append(item)
    if kind == "unfollow" and len(items) == 1 and items[0].casefold() in ALL_WORDS:
        return DigestQuery("unfollow", args=("all",))
    return DigestQuery(kind, args=tuple(items[:MAX_PER_COMMAND]))
