"""arXiv API Atom (``export.arxiv.org/api/query?id_list=...``): look-ups by id, e.g. for abstracts."""

from __future__ import annotations

import logging
from datetime import date

import feedparser

from digest.errors import SourceError
from digest.models import Paper, abs_url, base_arxiv_id

NAME = "arxiv-api"
API_URL = "https://export.arxiv.org/api/query?id_list={ids}&max_results={n}"
log = logging.getLogger(__name__)


def looks_like(body: bytes) -> bool:
    head = body[:3000].lower()
    return b"<feed" in head and (b"arxiv" in head or b"opensearch" in head)


def id_list_url(ids: list[str]) -> str:
    return API_URL.format(ids=",".join(ids), n=len(ids))


def parse(body: bytes, origin: str = "arXiv API") -> list[Paper]:
    feed = feedparser.parse(body)
    if feed.bozo and not feed.entries:
        raise SourceError(f"{origin}: malformed Atom ({feed.get('bozo_exception')})")
    if feed.bozo:
        log.warning("%s: malformed Atom, using the %d entries parsed", origin, len(feed.entries))
    papers = []
    for e in feed.entries:
        if not e.get("id") or "api/errors" in e.get("id", "") or not e.get("title"):
            continue
        arxiv_id = base_arxiv_id(e.id)
        published = e.get("published_parsed")
        papers.append(Paper(
            arxiv_id=arxiv_id,
            title=" ".join(e.title.split()),
            abstract=" ".join(e.get("summary", "").split()),
            authors=tuple(a.get("name", "") for a in e.get("authors", [])),
            url=abs_url(arxiv_id),
            published=date(published.tm_year, published.tm_mon, published.tm_mday) if published else None,
            categories=tuple(t.term for t in e.get("tags", []) if t.get("term")),
            source=NAME,
        ))
    return papers
