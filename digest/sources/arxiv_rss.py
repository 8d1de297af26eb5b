"""arXiv RSS 2.0 (``rss.arxiv.org/rss/cs.AI+cs.CL``): keep new and cross announcements only."""

from __future__ import annotations

import logging
import re

import feedparser

from digest.errors import SourceError
from digest.models import Paper, abs_url, base_arxiv_id
from digest.sources.fields import Fields, valid_id

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


def read_feed(body: bytes, origin: str):
    """feedparser's result; its own crashes on hostile input (e.g. ``&#xD800;`` makes its
    loose parser raise UnicodeEncodeError) become one SourceError line."""
    try:
        return feedparser.parse(body)
    except Exception as err:  # noqa: BLE001 - a third-party parser on untrusted bytes
        raise SourceError(f"{origin}: malformed feed ({type(err).__name__})") from None


def parse(body: bytes, origin: str = "arXiv RSS") -> list[Paper]:
    feed = read_feed(body, origin)
    if feed.bozo and not feed.entries:
        raise SourceError(f"{origin}: malformed feed ({feed.get('bozo_exception')})")
    if feed.bozo:
        log.warning("%s: malformed feed, using the %d entries parsed (%s)", origin,
                    len(feed.entries), feed.get("bozo_exception"))
    fields = Fields(origin)
    papers: dict[str, Paper] = {}
    for e in feed.entries:
        kind = str(e.get("arxiv_announce_type") or "new").strip().lower()
        if kind not in KEEP:
            continue
        raw_id = e.get("id") or e.get("link") or ""
        arxiv_id = base_arxiv_id(str(raw_id)[:200])
        title = fields.title(e.get("title"))
        if not valid_id(arxiv_id) or not title:
            continue
        published = _date(e.get("published_parsed"))
        papers.setdefault(arxiv_id, Paper(
            arxiv_id=arxiv_id,
            title=title,
            abstract=fields.abstract(_abstract(str(e.get("summary") or "")[:100_000])),
            authors=fields.names(str(e.get("author") or "")[:100_000].split(",")),
            url=abs_url(arxiv_id),
            published=published,
            categories=fields.categories(t.get("term") for t in e.get("tags") or [] if t.get("term")),
            source=NAME,
            listed=published,  # pubDate: the announcement's day
        ))
    fields.report()
    return list(papers.values())


def _date(struct):
    """A feedparser time struct as a date; None when absent or impossible."""
    from datetime import date

    try:
        return date(struct.tm_year, struct.tm_mon, struct.tm_mday) if struct else None
    except (AttributeError, TypeError, ValueError):
        return None
