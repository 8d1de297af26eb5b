"""Hugging Face daily papers (``/api/daily_papers?date=YYYY-MM-DD``): curated, with upvotes."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime

from digest.errors import SourceError
from digest.models import Paper, abs_url, base_arxiv_id

NAME = "hf"
log = logging.getLogger(__name__)


def looks_like(body: bytes) -> bool:
    head = body.lstrip()[:1]
    return head in (b"[", b"{") and b'"paper"' in body[:4000]


def _day(value) -> date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def parse(body: bytes) -> list[Paper]:
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise SourceError(f"Hugging Face daily papers: not valid JSON ({err})") from None
    if isinstance(data, dict):  # tolerate {"papers": [...]} wrappers
        data = data.get("papers") or data.get("data") or []
    if not isinstance(data, list):
        raise SourceError("Hugging Face daily papers: expected a JSON list")
    papers = []
    skipped = 0
    for entry in data:
        try:
            paper = _paper(entry)
        except (TypeError, ValueError, AttributeError, KeyError):
            paper = None
        if paper is None:
            skipped += 1
            continue
        papers.append(paper)
    if skipped:
        log.warning("Hugging Face daily papers: skipped %d malformed entries", skipped)
    return papers


def _paper(entry) -> Paper | None:
    item = entry.get("paper", entry) if isinstance(entry, dict) else None
    if not isinstance(item, dict) or not item.get("id") or not item.get("title"):
        return None
    arxiv_id = base_arxiv_id(str(item["id"]))
    authors = item.get("authors") or []
    return Paper(
        arxiv_id=arxiv_id,
        title=" ".join(str(item["title"]).split()),
        abstract=" ".join(str(item.get("summary") or "").split()),
        authors=tuple(str(a.get("name", "")) for a in authors if isinstance(a, dict) and not a.get("hidden")),
        url=abs_url(arxiv_id),
        published=_day(item.get("publishedAt") or entry.get("publishedAt")),
        source=NAME,
        popularity=_int(item.get("upvotes")),
    )


def _int(value) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0
