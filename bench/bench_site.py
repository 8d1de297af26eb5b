"""The web archive over a year: ``build_site`` on 365 stored days, then the daily refresh.

    .venv/bin/python bench/bench_site.py [--days 365]

Fills a database with ``--days`` digests made of the real GPT syntheses and papers of
../shared/data/llm_replies_real_dev.json (its 20 real days repeated, each with its real chart and
new paper ids), then times: the first full build, a rebuild with nothing new, a rebuild after one
new day (what runs after each daily build) and the full build of a fresh folder again; and
counts the files each wrote. Issue 17 asks for 365 days in under 10 s.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(ROOT / "tests")]

from common import machine, require_shared  # noqa: E402

FIRST = date(2025, 1, 1)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    require_shared()
    from digest.models import Paper
    from digest.site import build_site
    from digest.store import Store
    from site_fixtures import digest_of, labels_of, real_days

    real = list(real_days().items())
    templates = [digest_of(d, records) for d, records in real]
    tmp = Path(tempfile.mkdtemp(prefix="bench_site_"))
    store = Store(tmp / "digest.db")
    started = time.perf_counter()

    def make(i: int):
        digest, papers = templates[i % len(templates)]
        day = FIRST + timedelta(days=i)
        rename = {p.arxiv_id: replace(p, arxiv_id=f"{p.arxiv_id}.{i}") for p in papers}
        summaries = tuple(replace(s, papers=tuple(rename[p.arxiv_id] for p in s.papers)) for s in digest.summaries)
        return replace(digest, day=day, summaries=summaries), list(rename.values())

    for i in range(args.days):
        digest, papers = make(i)
        store.save_day(digest.day, papers, labels_of(digest), digest)
    print(f"{machine()}\nfilled {args.days} days in {time.perf_counter() - started:.1f}s ({tmp})")

    def timed(label: str, out: Path) -> None:
        t0 = time.perf_counter()
        result = build_site(store, out, "ko")
        dt = time.perf_counter() - t0
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
        print(f"{label:<34} {dt:6.2f} s  {len(result.written):4d} files written  site {size / 1e6:.1f} MB")

    timed(f"full build, {args.days} days", tmp / "site")
    timed("rebuild, nothing new", tmp / "site")
    digest, papers = make(args.days)
    store.upsert_papers(papers)
    store.save_digest(digest)
    timed("rebuild after one new day", tmp / "site")
    timed(f"full build again, {args.days + 1} days", tmp / "site2")
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
