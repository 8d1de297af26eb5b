"""Every text field a feed gives goes through here as its paper is built: cleaned and capped.

Feeds are untrusted input. A field is cut to its cap *before* anything splits it (a 50 MB
abstract must not become millions of words in memory), escape and control characters are
removed (they would reach terminals and the report), and sentences that address an AI reader
are dropped from abstracts (defence in depth: the prompts and offline quotes strip them too).
Whatever was cut or dropped is counted and logged once per feed, not silently.
"""

from __future__ import annotations

import logging
import re
from collections import Counter

from digest.untrusted import clean_text, strip_injections

log = logging.getLogger(__name__)

TITLE_MAX = 1_000  # characters
ABSTRACT_MAX = 10_000
NAME_MAX = 200  # one author, one subject class
AUTHORS_MAX = 500  # authors kept per paper (large collaborations list ~3,000)
CATEGORIES_MAX = 20
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,63}")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
SQLITE_INT_MAX = 2**63 - 1


def has_surrogate(value) -> bool:
    """True for text with a lone surrogate (e.g. ``"\\ud800"`` in JSON): it cannot be stored."""
    return isinstance(value, str) and bool(_SURROGATE.search(value))


def valid_id(arxiv_id: str) -> bool:
    """An arXiv id (``2411.10442``, ``hep-th/9901001``), not arbitrary text used in links."""
    return bool(_ID.fullmatch(arxiv_id))


class Fields:
    """Cleans and caps the fields of one feed; ``report()`` logs what was cut, once."""

    def __init__(self, origin: str):
        self.origin = origin
        self.cut: Counter[str] = Counter()
        self.injections = 0

    def _text(self, raw, limit: int, what: str) -> str:
        if raw is None:
            return ""
        raw = raw if isinstance(raw, str) else str(raw)
        head = raw[: 2 * limit + 1_000]  # whitespace runs may shrink it; never split the rest
        text = " ".join(clean_text(head).split())
        if len(text) > limit or len(head) < len(raw):
            self.cut[what] += 1
            text = text[: limit - 1].rstrip() + "…"
        return text

    def title(self, raw) -> str:
        return self._text(raw, TITLE_MAX, "title")

    def abstract(self, raw) -> str:
        text = self._text(raw, ABSTRACT_MAX, "abstract")
        kept = strip_injections(text, mark=False)
        if kept != text:
            self.injections += 1
        return kept

    def name(self, raw) -> str:
        return self._text(raw, NAME_MAX, "name")

    def names(self, raws) -> tuple[str, ...]:
        out = []
        for raw in raws:
            if len(out) >= AUTHORS_MAX:
                self.cut["author list"] += 1
                break
            name = self.name(raw)
            if name:
                out.append(name)
        return tuple(out)

    def categories(self, raws) -> tuple[str, ...]:
        return tuple(c for c in (self.name(r) for r in list(raws)[:CATEGORIES_MAX]) if c)

    def report(self) -> None:
        if self.cut:
            caps = {"title": TITLE_MAX, "abstract": ABSTRACT_MAX, "name": NAME_MAX,
                    "author list": AUTHORS_MAX}
            log.warning("%s: cut %s to their caps", self.origin, ", ".join(
                f"{n} {what}{'s' if n > 1 else ''} (max {caps[what]:,})"
                for what, n in sorted(self.cut.items())))
        if self.injections:
            log.warning("%s: dropped sentences addressed to AI readers from %d abstract%s",
                        self.origin, self.injections, "s" if self.injections > 1 else "")
