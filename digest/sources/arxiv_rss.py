"""arXiv RSS 2.0 (``rss.arxiv.org/rss/cs.AI+cs.CL``): keep new and cross announcements only."""

from __future__ import annotations

import logging
import re

import feedparser

from digest.errors import SourceError
from digest.models import Paper, abs_url, base_arxiv_id

NAME = "arxiv-rss"
KEEP = {"new", "cross"}
_ABSTRACT = re.compile(r"Abstract:\s*", re.IGNORECASE)
log = logging.getLogger(__name__)


def looks_like(body: bytes) -> bool:
    head = body[:3000].lower()
    return b"<rss" in head or b"<rdf:rdf" in head


def _abstract(description: str) -> str:
    parts = _ABSTRACT.split(description, maxsplit=1)
    return " ".join((parts[1] if len(parts) == 2 else "").split())


def parse(body: bytes, origin: str = "arXiv RSS") -> list[Paper]:
    feed = feedparser.parse(body)
    if feed.bozo and not feed.entries:
        raise SourceError(f"{origin}: malformed feed ({feed.get('bozo_exception')})")
    if feed.bozo:
        log.warning("%s: malformed feed, using the %d entries parsed (%s)", origin,
                    len(feed.entries), feed.get("bozo_exception"))
    papers: dict[str, Paper] = {}
    for e in feed.entries:
        kind = (e.get("arxiv_announce_type") or "new").strip().lower()
        if kind not in KEEP:
            continue
        raw_id = e.get("id") or e.get("link") or ""
        arxiv_id = base_arxiv_id(raw_id)
        if not arxiv_id or not e.get("title"):
            continue
        published = e.get("published_parsed")
        papers.setdefault(arxiv_id, Paper(
            arxiv_id=arxiv_id,
            title=" ".join(e.title.split()),
            abstract=_abstract(e.get("summary", "")),
            authors=tuple(a.strip() for a in (e.get("author") or "").split(",") if a.strip()),
            url=abs_url(arxiv_id),
            published=_date(published),
            categories=tuple(t.term for t in e.get("tags", []) if t.get("term")),
            source=NAME,
        ))
    return list(papers.values())


def _date(struct):
    from datetime import date

    return date(struct.tm_year, struct.tm_mon, struct.tm_mday) if struct else None
