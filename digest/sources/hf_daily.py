"""Hugging Face daily papers (``/api/daily_papers?date=YYYY-MM-DD``): curated, with upvotes."""

from __future__ import annotations

import json
from datetime import date, datetime

from digest.errors import SourceError
from digest.models import Paper, abs_url, base_arxiv_id

NAME = "hf"


def looks_like(body: bytes) -> bool:
    head = body.lstrip()[:1]
    return head in (b"[", b"{") and b'"paper"' in body[:4000]


def _day(value: str | None) -> date | None:
    if not value:
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
    for entry in data:
        item = entry.get("paper", entry) if isinstance(entry, dict) else None
        if not isinstance(item, dict) or not item.get("id") or not item.get("title"):
            continue
        arxiv_id = base_arxiv_id(str(item["id"]))
        papers.append(Paper(
            arxiv_id=arxiv_id,
            title=" ".join(str(item["title"]).split()),
            abstract=" ".join(str(item.get("summary") or "").split()),
            authors=tuple(a.get("name", "") for a in item.get("authors", []) if isinstance(a, dict)
                          and not a.get("hidden")),
            url=abs_url(arxiv_id),
            published=_day(item.get("publishedAt") or entry.get("publishedAt")),
            source=NAME,
            popularity=int(item.get("upvotes") or 0),
        ))
    return papers
