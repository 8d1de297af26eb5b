"""Archive search (``/digest search``) over a year of stored days: p50/p99 per search.

    .venv/bin/python bench/bench_search.py [--days 30] [--papers 1000] [--searches 200]
    .venv/bin/python bench/bench_search.py --days 365 --keep /tmp/year.db   # the issue's year

Fills a database the way bench/bench_archive.py does (its ``fill``: every day built through
``DigestService.build`` offline, from the real abstracts in ../shared/data with new ids and varied
titles; ``--keep`` reuses a filled database, e.g. the one bench_archive.py kept), then times
``ArchiveSearch.page`` — first pages and "more" pages — for short searches: the words of the
labelled questions of bench/eval_qa.py cut to 1-3 content words, and Korean glossary words.
Target (issue 16): p99 under 100 ms over 365 days of 1,000 papers.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from bench_archive import LABELS, fill, pct, stored_days  # noqa: E402
from common import machine, real_papers  # noqa: E402

KOREAN = ("양자화", "에이전트", "확산 모델", "비디오 생성", "강화 학습", "추론", "멀티모달", "전문가 혼합",
          "지식 증류", "검색 증강")


def searches(n: int) -> list[str]:
    """Short searches as people type them: 1-3 content words of each labelled question, and
    Korean glossary words."""
    from digest.ask.terms import STOPWORDS

    out = []
    for line in LABELS.read_text("utf-8").splitlines():
        if not line:
            continue
        words = [w.strip("?,.'\"").lower() for w in json.loads(line)["question"].split()]
        words = [w for w in words if w.isalpha() and w not in STOPWORDS and len(w) > 3]
        if words:
            k = 1 + len(out) % 3
            out.append(" ".join(words[-k:]))
    out += list(KOREAN)
    return (out * (n // len(out) + 1))[:n]


def time_searches(db: Path, queries: list[str]) -> tuple[list[float], list[float], int]:
    """Milliseconds per first page and per second page ("more"), and how many found nothing."""
    from digest.ask.search import ArchiveSearch
    from digest.classify.taxonomy import load_taxonomy
    from digest.store import Store

    store = Store(db)
    search = ArchiveSearch(store, load_taxonomy(None))
    search.page(queries[0])  # warm the page cache once
    first, more, empty = [], [], 0
    for q in queries:
        t = time.perf_counter()
        page = search.page(q)
        first.append(1000 * (time.perf_counter() - t))
        if page is None or not page.results:
            empty += 1
            continue
        if page.has_more:
            t = time.perf_counter()
            search.page(q, 1)
            more.append(1000 * (time.perf_counter() - t))
    store.close()
    return first, more, empty


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=30, help="stored days (365: the issue's year)")
    parser.add_argument("--papers", type=int, default=1000, help="papers per day")
    parser.add_argument("--searches", type=int, default=200, help="searches timed")
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the database at this path")
    args = parser.parse_args(argv)
    print(f"machine: {machine()}; {date.today().isoformat()}")
    queries = searches(args.searches)
    with tempfile.TemporaryDirectory() as tmp:
        db = args.keep or Path(tmp) / "archive.db"
        if stored_days(db) != args.days:
            if db.exists():
                db.unlink()
            print(f"filling {args.days} days x {args.papers} papers through DigestService.build ...")
            secs = fill(db, args.days, args.papers, real_papers())
            print(f"filled in {secs:.0f} s; database {db.stat().st_size / 1e6:.0f} MB")
        else:
            print(f"reusing {db} ({args.days} days, {db.stat().st_size / 1e6:.0f} MB)")
        first, more, empty = time_searches(db, queries)
    print(f"\n{len(queries)} searches over {args.days} days x {args.papers} papers, ArchiveSearch.page, ms:")
    print(f"{'':<24}{'p50':>8}{'p99':>8}{'max':>8}")
    for label, ms in (("first page", first), ("next page (more)", more)):
        if ms:
            print(f"{label:<24}{statistics.median(ms):>8.1f}{pct(ms, 0.99):>8.1f}{max(ms):>8.1f}")
    print(f"(searches that found nothing: {empty}; target: p99 < 100 ms at 365 days)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
