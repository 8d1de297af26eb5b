"""Frozen dataclasses that cross module boundaries (sources, store, service, adapters)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

_VERSION = re.compile(r"v\d+$")


def base_arxiv_id(raw: str) -> str:
    """``oai:arXiv.org:2411.10442v2`` / ``http://arxiv.org/abs/2411.10442v2`` -> ``2411.10442``."""
    raw = raw.strip()
    for prefix in ("oai:arXiv.org:", "http://arxiv.org/abs/", "https://arxiv.org/abs/", "arXiv:"):
        if raw.startswith(prefix):
            raw = raw[len(prefix):]
    return _VERSION.sub("", raw)


def abs_url(arxiv_id: str) -> str:
    return f"https://arxiv.org/abs/{arxiv_id}"


@dataclass(frozen=True, slots=True)
class Paper:
    """One paper as announced by a source; ``arxiv_id`` has no version suffix."""

    arxiv_id: str
    title: str
    abstract: str = ""
    authors: tuple[str, ...] = ()
    url: str = ""
    published: date | None = None
    categories: tuple[str, ...] = ()  # arXiv subject classes, e.g. ("cs.CL", "cs.AI")
    source: str = ""  # "hf", "arxiv-rss", "arxiv-api"
    popularity: int = 0  # Hugging Face upvotes; 0 where the source has none
    # the day the source listed it (Hugging Face list day, arXiv RSS announce day), when the
    # file says; checked against the day asked for, never stored
    listed: date | None = field(default=None, compare=False)

    @property
    def link(self) -> str:
        return self.url or abs_url(self.arxiv_id)


@dataclass(frozen=True, slots=True)
class Classification:
    arxiv_id: str
    category: str
    confidence: float  # 0..1
    method: str = "keyword"  # "keyword" | "llm"


@dataclass(frozen=True, slots=True)
class CategorySummary:
    """The five-part synthesis of one category, with the papers it was written from."""

    category: str
    emoji: str
    papers: tuple[Paper, ...]
    text: str
    model: str  # "extractive" or the LLM model name
    language: str
    note: str = ""  # why an offline summary stands in (no key, budget, LLM failure)

    @property
    def offline(self) -> bool:
        return self.model == "extractive"


@dataclass(frozen=True, slots=True)
class Digest:
    """One day's report: per-category summaries plus the counts the chart shows."""

    day: date
    language: str
    summaries: tuple[CategorySummary, ...]
    counts: tuple[tuple[str, int], ...]  # (category, papers) for every paper of the day, sorted
    chart_png: bytes = b""
    notes: tuple[str, ...] = ()
    created_at: float = 0.0  # when it was composed (epoch seconds); 0 for one not stored yet
    # papers already in an earlier stored digest, with the first day they were in: listed, not
    # summarized again, and not in ``counts`` (see ``DigestService._compose``)
    seen_before: tuple[tuple[Paper, date], ...] = ()

    @property
    def total_papers(self) -> int:
        return sum(n for _, n in self.counts)

    def summary_for(self, category: str) -> CategorySummary | None:
        return next((s for s in self.summaries if s.category == category), None)


@dataclass(frozen=True, slots=True)
class DigestQuery:
    """A parsed ``/digest`` request; ``kind`` says what the user asked for.

    kind: "digest" (a whole day), "category" (one category of a day), "help", "categories",
    "subscribe"/"unsubscribe"/"settings" (subscription management), or "error" with ``message``.
    """

    kind: str
    day: date | None = None
    category: str | None = None
    message: str = ""  # error text, or a "did you mean" hint
    args: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Answer:
    """A reply to a follow-up question; ``grounded`` is False for a search-only fallback."""

    text: str
    cited: tuple[Paper, ...] = ()
    grounded: bool = True
