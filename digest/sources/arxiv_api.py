"""arXiv API Atom (``export.arxiv.org/api/query?id_list=...``): look-ups by id, e.g. for abstracts."""

from __future__ import annotations

import logging

from digest.errors import SourceError
from digest.models import Paper, abs_url, base_arxiv_id
from digest.sources.arxiv_rss import _date, read_feed
from digest.sources.fields import Fields, valid_id

NAME = "arxiv-api"
API_URL = "https://export.arxiv.org/api/query?id_list={ids}&max_results={n}"
log = logging.getLogger(__name__)


def looks_like(body: bytes) -> bool:
    head = body[:3000].lower()
    return b"<feed" in head and (b"arxiv" in head or b"opensearch" in head)


def id_list_url(ids: list[str]) -> str:
    return API_URL.format(ids=",".join(ids), n=len(ids))


def parse(body: bytes, origin: str = "arXiv API") -> list[Paper]:
    feed = read_feed(body, origin)
    if feed.bozo and not feed.entries:
        raise SourceError(f"{origin}: malformed Atom ({feed.get('bozo_exception')})")
    if feed.bozo:
        log.warning("%s: malformed Atom, using the %d entries parsed", origin, len(feed.entries))
    fields = Fields(origin)
    papers = []
    for e in feed.entries:
        raw_id = str(e.get("id") or "")
        if not raw_id or "api/errors" in raw_id:
            continue
        arxiv_id = base_arxiv_id(raw_id[:200])
        title = fields.title(e.get("title"))
        if not valid_id(arxiv_id) or not title:
            continue
        papers.append(Paper(
            arxiv_id=arxiv_id,
            title=title,
            abstract=fields.abstract(e.get("summary") or ""),
            authors=fields.names(a.get("name", "") for a in e.get("authors") or []
                                 if isinstance(a, dict)),
            url=abs_url(arxiv_id),
            published=_date(e.get("published_parsed")),
            categories=fields.categories(t.get("term") for t in e.get("tags") or [] if t.get("term")),
            source=NAME,
        ))
    fields.report()
    return papers
