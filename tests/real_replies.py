"""The real replies of ``../shared/data/llm_replies_real_dev.json`` replayed through LLMSummarizer.

Shared by tests/test_real_replies.py and bench/bench_llm_replies.py. Each record is replayed twice
through the real openai SDK against the loopback stub: for its own papers (it should be shown)
and for the papers of a record of another day with no paper in common, of the same category
where there is one (it should not be shown: it is about other papers).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from digest.models import Paper
from digest.classify.taxonomy import Category

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "llm_replies_real_dev.json"


def load_records() -> list[dict]:
    return json.loads(DATA.read_text("utf-8")) if DATA.exists() else []


def papers_of(record: dict) -> list[Paper]:
    return [Paper(p["arxiv_id"], " ".join(p["title"].split()), p.get("abstract") or "", url=p.get("url", ""))
            for p in record["papers"]]


def category_of(record: dict) -> Category:
    name = record["category"]
    return Category(name=name, emoji="*", description=f"{name} research", keywords=(), aliases=())


def other_index(records: list[dict], i: int) -> int:
    """A record of another day with no paper in common (same category where possible)."""
    r = records[i]
    titles = {p["title"] for p in r["papers"]}
    pool = [j for j, o in enumerate(records)
            if o["day"] != r["day"] and not titles & {p["title"] for p in o["papers"]}]
    same = [j for j in pool if records[j]["category"] == r["category"]]
    pool = same or pool
    return pool[(i * 7) % len(pool)]


@dataclass
class Outcome:
    shown: bool
    note: str
    text: str
    calls: int        # requests this summary took (1, or 2 with a repair)
    five: bool        # rendered in our five-part layout


def replay(stub, summarizer, store, records: list[dict], i: int, *, other: bool) -> Outcome:
    """Summarize record ``i``'s papers (or, with ``other``, another day's papers) with the stub
    answering record ``i``'s real reply."""
    r = records[i]
    target = records[other_index(records, i)] if other else r
    day = f"{r['day']}#{i}{'-other' if other else ''}"
    stub.replay([{"day": day, "text": r["text"], "papers": target["papers"]}])
    stub.day = day
    with store.transaction() as db:  # the same papers recur on other days with another reply
        db.execute("delete from llm_cache")
    before = stub.calls
    s = summarizer.summarize(category_of(target), papers_of(target), "ko")
    return Outcome(shown=not s.offline, note=s.note, text=s.text, calls=stub.calls - before,
                   five=s.text.lstrip().startswith("1. **"))
