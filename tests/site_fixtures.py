"""Stores for the web-archive tests: real days (the real GPT syntheses and papers of
``../shared/data/llm_replies_real_dev.json``, grouped by day, in Korean) with real charts."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from functools import lru_cache
from pathlib import Path

import pytest

from digest.models import CategorySummary, Classification, Digest, Paper
from digest.present.chart import render_chart
from digest.store import Store

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "llm_replies_real_dev.json"
EMOJI = "🔬"


@lru_cache(maxsize=64)
def _chart(counts, day: date) -> bytes:  # the real chart; drawn once per day per test session
    return render_chart(counts, day, "ko")


def real_days() -> dict[date, list[dict]]:
    if not DATA.exists():
        pytest.skip(f"real data missing: {DATA} (../shared is beside the worktree)")
    days: dict[date, list[dict]] = defaultdict(list)
    for record in json.loads(DATA.read_text("utf-8")):
        days[date.fromisoformat(record["day"])].append(record)
    return dict(sorted(days.items()))


def digest_of(day: date, records: list[dict], *, chart: bool = True, created_at: float = 0.0) -> tuple[Digest, list[Paper]]:
    summaries, papers = [], []
    seen: set[str] = set()
    for r in records:
        ps = tuple(Paper(p["arxiv_id"], " ".join(p["title"].split()), p.get("abstract") or "",
                         url=p.get("url", "")) for p in r["papers"])
        papers += [p for p in ps if p.arxiv_id not in seen and not seen.add(p.arxiv_id)]
        summaries.append(CategorySummary(r["category"], EMOJI, ps, r["text"], "gpt-4o-mini", "ko"))
    counts = tuple(sorted(((s.category, len(s.papers)) for s in summaries), key=lambda c: (-c[1], c[0])))
    png = _chart(counts, day) if chart else b""
    return Digest(day, "ko", tuple(summaries), counts, png, created_at=created_at), papers


def labels_of(digest: Digest) -> dict[str, Classification]:
    """Each paper's category as the digest grouped it (what a real build records with the day)."""
    return {p.arxiv_id: Classification(p.arxiv_id, s.category, 1.0, "llm")
            for s in digest.summaries for p in s.papers}


def save(store: Store, digest: Digest, papers: list[Paper]) -> None:
    """As a real build does: the day's papers with their categories, and its digest."""
    store.save_day(digest.day, papers, labels_of(digest), digest)


def real_store(path: Path, n_days: int | None = None, *, chart: bool = True) -> tuple[Store, list[date]]:
    store = Store(path)
    days = list(real_days().items())[:n_days]
    for day, records in days:
        save(store, *digest_of(day, records, chart=chart))
    return store, [d for d, _ in days]
