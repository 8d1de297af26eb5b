"""Engine throughput: ingest + classify 10,000 papers; the full offline build of a 300-paper day.

Targets (issue 2): classify >= 5,000 papers/s; a 300-paper offline build <= 3 s wall on a
2-core machine, excluding interpreter start-up. Prints figures for docs/benchmarks.md.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import hf_json, machine, real_papers  # noqa: E402

T0 = time.perf_counter()
from digest.classify.keyword import KeywordClassifier  # noqa: E402
from digest.config import load_settings  # noqa: E402
from digest.models import Paper  # noqa: E402
from digest.service import DigestService  # noqa: E402
from digest.sources import parse  # noqa: E402
from digest.store import Store  # noqa: E402
from digest.classify.taxonomy import load_taxonomy  # noqa: E402

IMPORT_S = time.perf_counter() - T0


def ten_thousand(real: list[dict]) -> list[dict]:
    out = []
    i = 0
    while len(out) < 10_000:
        p = real[i % len(real)]
        out.append({**p, "id": f"9{i:04d}.{i:05d}"})
        i += 1
    return out


def main() -> None:
    real = real_papers()
    print(f"machine: {machine()}; {date.today().isoformat()}")
    print(f"import of the engine: {IMPORT_S:.2f} s")

    papers_10k = ten_thousand(real)
    body = hf_json(papers_10k)
    t = time.perf_counter()
    parsed = parse(body)
    t_parse = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.db")
        t = time.perf_counter()
        store.upsert_papers(parsed)
        t_store = time.perf_counter() - t
    classifier = KeywordClassifier(load_taxonomy())
    classify_input = [Paper(p["id"], p["title"], p["abstract"], categories=tuple(p["categories"]))
                      for p in papers_10k]
    t = time.perf_counter()
    classifier.classify(classify_input)
    t_cls = time.perf_counter() - t
    n = len(papers_10k)
    print(f"ingest 10,000 papers: parse {n / t_parse:,.0f} papers/s, store (upsert + FTS) "
          f"{n / t_store:,.0f} papers/s")
    print(f"classify 10,000 papers: {n / t_cls:,.0f} papers/s ({t_cls:.2f} s)  [target >= 5,000]")

    day_papers = real[:300]
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "day.json"
        source.write_bytes(hf_json(day_papers))
        os.environ["DIGEST_DB"] = str(Path(tmp) / "day.db")
        clock = lambda: datetime(2025, 3, 21, tzinfo=timezone.utc)  # noqa: E731
        walls = []
        for run in range(3):
            service = DigestService(load_settings(), clock=clock)
            t = time.perf_counter()
            digest = service.build(date(2025, 3, 20), sources=[str(source)])
            walls.append(time.perf_counter() - t)
            service.store.close()
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"offline build of a {digest.total_papers}-paper day ({len(digest.summaries)} categories): "
          f"first {walls[0]:.2f} s, then {min(walls[1:]):.2f} s wall; peak RSS {peak_mb:.0f} MB  "
          f"[target <= 3 s]")


if __name__ == "__main__":
    main()
