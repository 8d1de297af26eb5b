"""Throughput of the offline classifier: papers per second on 10,000 papers.

    .venv/bin/python bench/bench_classify.py [-n 10000] [--repeat 3] [--naive]

Papers come from ``../shared/data`` (Hugging Face daily lists, the cs.AI RSS day and the
daily arXiv lists, about 900 distinct papers), repeated with varied ids and sentence
order up to ``-n``; without the shared data, synthetic papers built from the taxonomy's
own keywords and filler words stand in (the script says which). Target: >= 5,000 papers/s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digest.classify.keyword import KeywordClassifier  # noqa: E402
from digest.models import Paper  # noqa: E402
from digest.classify.taxonomy import load_taxonomy  # noqa: E402

TARGET = 5000.0


def data_dir() -> Path:
    return Path(os.environ.get("DIGEST_SHARED_DATA") or ROOT.parent / "shared" / "data")


def real_papers(data: Path) -> list[Paper]:
    papers: dict[str, Paper] = {}
    for path in sorted((data / "hf_daily_papers").glob("*.json")):
        for rec in json.loads(path.read_text("utf-8")):
            p = rec["paper"]
            papers.setdefault(p["id"], Paper(p["id"], " ".join(p["title"].split()), p["summary"], source="hf"))
    for path in sorted((data / "daily_lists").glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            rec = json.loads(line)
            pid, abstract = rec.get("arxiv_id") or rec.get("id"), rec.get("abstract") or rec.get("summary")
            if pid and abstract:
                papers.setdefault(pid, Paper(pid, rec["title"], abstract,
                                             categories=tuple(rec.get("categories") or ()), source="arxiv"))
    return list(papers.values())


def synthetic_papers(k: int = 500, seed: int = 7) -> list[Paper]:
    rng = random.Random(seed)
    taxonomy = load_taxonomy()
    filler = ("we propose a novel method that improves results on several benchmarks while the model "
              "learns from data and experiments show strong performance compared with prior work").split()
    out = []
    for i in range(k):
        cats = rng.sample(list(taxonomy), 2)
        kw = [w for c in cats for w in c.keywords] or ["model"]
        words = [rng.choice(kw) if rng.random() < 0.12 else rng.choice(filler) for _ in range(230)]
        title = " ".join(rng.choice(kw) if rng.random() < 0.3 else rng.choice(filler) for _ in range(10))
        out.append(Paper(f"9999.{i:05d}", title.title(), " ".join(words) + "."))
    return out


def vary(papers: list[Paper], n: int) -> list[Paper]:
    """n papers: the originals, then copies with new ids and their sentences rotated."""
    out = []
    for i in range(n):
        p = papers[i % len(papers)]
        rnd = i // len(papers)
        if rnd:
            sentences = p.abstract.split(". ")
            k = rnd % len(sentences)
            p = Paper(f"{p.arxiv_id}-{rnd}", p.title, ". ".join(sentences[k:] + sentences[:k]),
                      categories=p.categories, source=p.source)
        out.append(p)
    return out


def timed(classifier, papers: list[Paper]) -> float:
    start = time.perf_counter()
    result = classifier.classify(papers)
    elapsed = time.perf_counter() - start
    assert len(result) == len(papers)
    return elapsed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=10_000, help="papers to classify (default 10000)")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs (default 3)")
    ap.add_argument("--naive", action="store_true", help="also time the naive placeholder")
    args = ap.parse_args(argv)

    data = data_dir()
    base = real_papers(data) if data.is_dir() else []
    if base:
        print(f"papers: {len(base)} real papers from {data}, varied up to {args.n}")
    else:
        print(f"no shared data at {data}: synthetic papers instead")
        base = synthetic_papers()
    papers = vary(base, args.n)
    words = sum(len(p.title.split()) + len(p.abstract.split()) for p in papers) / len(papers)

    t0 = time.perf_counter()
    classifier = KeywordClassifier(load_taxonomy())
    build = time.perf_counter() - t0
    timed(classifier, papers[:200])  # warm-up
    runs = [timed(classifier, papers) for _ in range(max(1, args.repeat))]
    best, median = min(runs), statistics.median(runs)
    rate = len(papers) / median
    print(f"load taxonomy + build classifier: {build * 1000:.1f} ms")
    print(f"classify {len(papers)} papers (~{words:.0f} words each): median {median:.3f} s, "
          f"best {best:.3f} s over {len(runs)} runs")
    print(f"throughput: {rate:,.0f} papers/s (median), {len(papers) / best:,.0f} papers/s (best); "
          f"target >= {TARGET:,.0f}: {'met' if rate >= TARGET else 'NOT met'}")
    if args.naive:
        sys.path.insert(0, str(ROOT / "bench"))
        from eval_classifier import NAIVE_TAXONOMY, NaiveKeywordClassifier

        naive = NaiveKeywordClassifier(load_taxonomy(NAIVE_TAXONOMY))
        t = timed(naive, papers)
        print(f"naive placeholder (regex per keyword): {len(papers) / t:,.0f} papers/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
