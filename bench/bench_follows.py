"""Matching every follow of 1,000 people (5 each) against a 1,000-paper day (issue 16: < 1 s).

    .venv/bin/python bench/bench_follows.py [--papers 1000] [--users 1000] [--per-user 5] [--days 10]

Builds ``--days`` days of ``--papers`` real abstracts (../shared/data, new ids) through the
product's own ``DigestService.build`` so the FTS5 index holds an archive, not just the day; then
gives each user ``--per-user`` follows drawn from: two-word phrases of the real titles (most
distinct), single title words, Korean glossary words, and category names. Times
``Follows.followers`` + ``FollowMatcher.day_matches`` for one channel where all the users follow,
with a fresh matcher each run (no cached rules), best and median of 5.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from bench_archive import day_papers  # noqa: E402
from common import hf_json, machine, real_papers  # noqa: E402

FIRST = date(2025, 3, 1)


def follow_texts(real: list[dict], taxonomy, rng: random.Random, n: int) -> list[str]:
    from digest.glossary import QUERY_TERMS_KO

    from digest.ask.terms import STOPWORDS

    words = [w.lower() for p in real for w in re.findall(r"[A-Za-z][A-Za-z-]{3,}", p["title"])
             if w.lower() not in STOPWORDS]
    pairs = [f"{a} {b}" for a, b in zip(words, words[1:])]
    korean = list(QUERY_TERMS_KO)
    cats = [c.name for c in taxonomy]
    out = []
    for _ in range(n):
        r = rng.random()
        out.append(rng.choice(pairs) if r < 0.5 else rng.choice(words) if r < 0.75 else
                   rng.choice(korean) if r < 0.9 else rng.choice(cats))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--papers", type=int, default=1000)
    ap.add_argument("--users", type=int, default=1000)
    ap.add_argument("--per-user", type=int, default=5)
    ap.add_argument("--days", type=int, default=10)
    args = ap.parse_args()

    from digest.config import load_settings
    from digest.follows.match import FollowMatcher
    from digest.follows.store import Follows
    from digest.service import DigestService

    real = real_papers()
    rng = random.Random(16)
    last = FIRST + timedelta(days=args.days - 1)
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(_env_file=None, digest_db=Path(tmp) / "d.db", digest_output_dir=tmp,
                                 digest_language="en", openai_api_key=None, digest_keep_days=0)
        svc = DigestService(settings, clock=lambda: datetime.combine(last + timedelta(days=1),
                                                                     datetime.min.time(), tzinfo=timezone.utc))
        started = time.perf_counter()
        source = Path(tmp) / "day.json"
        for i in range(args.days):
            source.write_bytes(hf_json(day_papers(i, args.papers, real)))
            svc.build(FIRST + timedelta(days=i), sources=[str(source)])
        print(f"filled {args.days} days x {args.papers} papers in {time.perf_counter() - started:.0f} s")
        follows = Follows(svc.store)
        texts = follow_texts(real, svc.taxonomy, rng, args.users * args.per_user)
        for u in range(args.users):
            user = f"U{u:05d}"
            for text in texts[u * args.per_user:(u + 1) * args.per_user]:
                follows.add("slack", user, text)
            follows.seen_in("slack", user, "CBENCH")
        total = sum(n for *_, n in follows.counts())
        distinct = len({f.text for fs in follows.followers("slack", "CBENCH").values() for f in fs})
        times, found = [], {}
        for _ in range(5):
            t0 = time.perf_counter()
            found = FollowMatcher(svc.store, svc.taxonomy).day_matches(last, follows.followers("slack", "CBENCH"))
            times.append(time.perf_counter() - t0)
        papers = len(svc.store.day_papers(last))
        svc.store.close()
    print(f"machine: {machine()}")
    print(f"{args.users} users, {total} follows ({distinct} distinct) against a day of {papers} papers "
          f"(archive {args.days * args.papers} papers)")
    print(f"matching: best {min(times):.3f} s, median {statistics.median(times):.3f} s; "
          f"{len(found)} users have matches, {sum(len(v) for v in found.values())} (user, paper) pairs")


if __name__ == "__main__":
    main()
