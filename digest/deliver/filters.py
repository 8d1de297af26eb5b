"""A channel's keyword filters (``--only "LLM, agents" --exclude "medical"``): which of a day's
papers its post keeps, and the post itself, recomposed from the kept papers.

Matching is the follows' (digest/follows/match.py: ``compile_follow`` with ``any_word=True``
over the day's in-memory FTS5 index, the archive's tokenizer, whole words; Korean words through
the glossary). A keyword is matched as a phrase of its Latin words (``speculative decoding``), a Korean glossary
word as its English terms (the word for medical -> medical OR clinical; a compound -> a phrase),
and a keyword that names a category (``LLM``, ``Security``) also matches that category's papers.

Excluded papers leave the post *and* its counts and chart: the channel's digest is composed
again from the kept papers (the summarizer's cache answers every category whose papers did not
change), and a note says that a filter is on and how many papers it left out.
"""

from __future__ import annotations

import json
import re
from contextlib import closing
from dataclasses import dataclass, replace

from digest.query.words import grammar_words
from digest.deliver.schedule import SubscriptionError
from digest.follows.match import Rule, by_category, compile_follow, day_index, rule_rows
from digest.models import Digest
from digest.text import t
from digest.untrusted import clean_text, is_injection

MAX_KEYWORDS = 10  # per list
MAX_KEYWORD_CHARS = 60
CLEAR_WORDS = grammar_words("clear")  # --only none: no keyword filter any more
_SPLIT = re.compile(r"[,;、]+")


@dataclass(frozen=True)
class ChannelFilter:
    only: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.only or self.exclude)

    def describe(self, language: str) -> str:
        parts = []
        if self.only:
            parts.append(t(language, "filter_only", words=", ".join(self.only)))
        if self.exclude:
            parts.append(t(language, "filter_exclude", words=", ".join(self.exclude)))
        return "; ".join(parts)

    def encode(self) -> tuple[str, str]:
        """The two stored columns (JSON lists; empty lists as "")."""
        return (json.dumps(list(self.only), ensure_ascii=False) if self.only else "",
                json.dumps(list(self.exclude), ensure_ascii=False) if self.exclude else "")

    @classmethod
    def decode(cls, only: str | None, exclude: str | None) -> ChannelFilter:
        def load(text):
            try:
                value = json.loads(text) if text else []
            except ValueError:
                return ()
            return tuple(str(v) for v in value if isinstance(v, str) and v)

        return cls(load(only), load(exclude))


def keywords(value, taxonomy=None) -> tuple[str, ...]:
    """``"LLM, agents"`` (or a list of such strings) -> ``("LLM", "agents")``: cleaned, de-duplicated
    case-insensitively; raises ``SubscriptionError`` (one line) for hostile, empty or too much."""
    items = [value] if isinstance(value, str) else list(value or ())
    if len(items) == 1 and str(items[0]).strip().casefold() in CLEAR_WORDS:
        return ()
    out: list[str] = []
    for item in items:
        for raw in _SPLIT.split(str(item)):
            word = " ".join(clean_text(raw).split()).strip(" \"'“”‘’")
            if not word:
                continue
            if is_injection(word) or len(word) > MAX_KEYWORD_CHARS:
                raise SubscriptionError(f"not a filter keyword: {word[:40]!r}")
            if keyword_rule(word, taxonomy).empty:
                raise SubscriptionError(f"nothing to search in the filter keyword {word[:40]!r}")
            if word.casefold() not in (w.casefold() for w in out):
                out.append(word)
    if len(out) > MAX_KEYWORDS:
        raise SubscriptionError(f"at most {MAX_KEYWORDS} filter keywords per list")
    return tuple(out)


def keyword_rule(word: str, taxonomy=None) -> Rule:
    """A keyword's rule: the follows' compiled rule, read as alternatives (``any_word``): the
    keyword's phrase, each glossary word's English terms, or the category it names."""
    return compile_follow(word, taxonomy, any_word=True)


def matching_ids(store, taxonomy, day, labeled, words: tuple[str, ...]) -> set[str]:
    """The ids of ``labeled`` (the day's papers) that match any of ``words``."""
    if not words or not labeled:
        return set()
    rules = [keyword_rule(w, taxonomy) for w in words]
    cats = by_category(labeled)
    with closing(day_index(labeled)) as index:
        rows = set().union(*(rule_rows(r, cats, index) for r in rules))
    return {labeled[i][0].arxiv_id for i in rows}


def kept(store, taxonomy, day, labeled, flt: ChannelFilter) -> tuple[list, int]:
    """The papers a filtered channel gets, and how many the filter left out."""
    ids = {p.arxiv_id for p, _ in labeled}
    keep = matching_ids(store, taxonomy, day, labeled, flt.only) if flt.only else set(ids)
    keep -= matching_ids(store, taxonomy, day, labeled, flt.exclude)
    chosen = [(p, label) for p, label in labeled if p.arxiv_id in keep]
    return chosen, len(labeled) - len(chosen)


def channel_digest(service, digest: Digest, flt: ChannelFilter) -> Digest:
    """``digest`` as a channel with ``flt`` receives it (unchanged without a filter). A day whose
    papers were pruned keeps its stored digest, with the note that the filter could not apply."""
    if not flt:
        return digest
    labeled = service.store.day_papers(digest.day)
    chosen, left_out = kept(service.store, service.taxonomy, digest.day, labeled, flt)
    note = t(digest.language, "filter_on", filters=flt.describe(digest.language), n=left_out)
    if not left_out:  # nothing left out (or the day's papers were pruned): the day's digest
        return _with_note(digest, note)
    if not chosen:
        return Digest(day=digest.day, language=digest.language, summaries=(), counts=(),
                      notes=(note,), created_at=digest.created_at)
    composed = service.compose_papers(digest.day, chosen, digest.language, [note])
    kept_notes = tuple(n for n in digest.notes if n not in composed.notes)  # e.g. a failed source
    return replace(composed, notes=composed.notes + kept_notes)


def _with_note(digest: Digest, note: str) -> Digest:
    return replace(digest, notes=(note, *digest.notes))
