"""Hugging Face daily papers (``/api/daily_papers?date=YYYY-MM-DD``): curated, with upvotes."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime

from digest.errors import SourceError
from digest.models import Paper, abs_url, base_arxiv_id
from digest.sources.fields import SQLITE_INT_MAX, Fields, has_surrogate, valid_id

NAME = "hf"
log = logging.getLogger(__name__)


def looks_like(body: bytes) -> bool:
    head = body.lstrip()[:1]
    return head in (b"[", b"{") and b'"paper"' in body[:4000]


def _day(value) -> date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value[:40].replace("Z", "+00:00")).date()
    except ValueError:
        return None


def parse(body: bytes, origin: str = "Hugging Face daily papers") -> list[Paper]:
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise SourceError(f"Hugging Face daily papers: not valid JSON ({err})") from None
    except RecursionError:  # ``[[[[...`` nested deeper than the parser goes
        raise SourceError("Hugging Face daily papers: JSON nested too deeply") from None
    if isinstance(data, dict):  # tolerate {"papers": [...]} wrappers
        data = data.get("papers") or data.get("data") or []
    if not isinstance(data, list):
        raise SourceError("Hugging Face daily papers: expected a JSON list")
    fields = Fields(origin)
    papers = []
    skipped = 0
    for entry in data:
        try:
            paper = _paper(entry, fields)
        except (TypeError, ValueError, AttributeError, KeyError, OverflowError):
            paper = None
        if paper is None:
            skipped += 1
            continue
        papers.append(paper)
    if skipped:
        log.warning("Hugging Face daily papers: skipped %d malformed entries", skipped)
    fields.report()
    return papers


def _paper(entry, fields: Fields) -> Paper | None:
    """One entry as a Paper; None (skipped, counted) for one that cannot be stored as is:
    no id or title, an id that is not an arXiv id, a lone surrogate in its text, or an
    integer beyond SQLite's range."""
    item = entry.get("paper", entry) if isinstance(entry, dict) else None
    if not isinstance(item, dict) or not item.get("id") or not item.get("title"):
        return None
    if any(has_surrogate(v) for v in (item["id"], item["title"], item.get("summary"))):
        return None
    arxiv_id = base_arxiv_id(str(item["id"])[:100])
    if not valid_id(arxiv_id):
        return None
    title = fields.title(item["title"])
    if not title:
        return None
    authors = item.get("authors") or []
    if not isinstance(authors, list):
        authors = []
    return Paper(
        arxiv_id=arxiv_id,
        title=title,
        abstract=fields.abstract(item.get("summary") or ""),
        authors=fields.names(a.get("name", "") for a in authors
                             if isinstance(a, dict) and not a.get("hidden")),
        url=abs_url(arxiv_id),
        published=_day(item.get("publishedAt") or entry.get("publishedAt")),
        source=NAME,
        popularity=_int(item.get("upvotes")),
        listed=_day(entry.get("publishedAt")) if "paper" in entry else None,
    )


def _int(value) -> int:
    """Upvotes as an int; one beyond SQLite's 64-bit range makes the entry unusable."""
    try:
        number = int(value or 0)
    except (TypeError, ValueError):
        return 0
    if abs(number) > SQLITE_INT_MAX:
        raise OverflowError("upvotes out of range")
    return max(number, 0)
