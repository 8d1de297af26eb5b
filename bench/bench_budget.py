"""Benchmark: a big day against the default 300k-token budget — do the syntheses still get written?

    .venv/bin/python bench/bench_budget.py [--sizes 1500,3000] [--latency 0.05] [--budget 300000]

Days of 1,500 and 3,000 papers are made from the real abstracts in ../shared/data (every
distinct paper of the daily lists, replicated with new ids, numbered titles and rotated
abstract sentences) and built through ``DigestService.build`` against the stub server, each in
a fresh database with the default budget. Printed per day: papers the keyword classifier was
sure of, papers sent to the LLM, papers classified offline for lack of budget, syntheses
LLM-written vs offline, tokens by purpose (``digest usage``'s split), the reserve and what was
left, and wall time.

For comparison the same day is built with the policy of before: every paper sent to the LLM
with the first 600 characters of its abstract (as the old prompt did), no reserve.

Token figures are the stub's (UTF-8 bytes / 4, both ways); the fake model writes shorter
summaries than a real one, which is why the reserve is computed from max_tokens, not from
the stub's replies.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

from common import hf_json, machine, real_papers  # noqa: E402
from openai_stub import OpenAIStub, llm_settings  # noqa: E402

from digest.classify import llm as llm_classify  # noqa: E402
from digest.summarize.keyphrases import split_sentences  # noqa: E402

DAY = date(2025, 3, 20)


def big_day(n: int) -> list[dict]:
    """``n`` papers from the real abstracts: replicas get new ids, a number, rotated sentences."""
    base = real_papers()
    out = []
    for i in range(n):
        p = base[i % len(base)]
        k = i // len(base)
        sentences = split_sentences(p["abstract"]) or [p["abstract"]]
        r = k % len(sentences)
        abstract = " ".join(sentences[r:] + sentences[:r])
        title = p["title"] if k == 0 else f"{p['title']} ({k + 1})"
        out.append({"id": f"2599.{i:05d}", "title": title, "abstract": abstract})
    return out


def run(n: int, latency: float, budget: int, old_policy: bool) -> dict:
    from digest.service import DigestService
    from digest.llm.usage import usage_report

    papers = big_day(n)
    with tempfile.TemporaryDirectory() as tmp, OpenAIStub(latency=latency) as stub:
        source = Path(tmp) / "day.json"
        source.write_bytes(hf_json(papers))
        settings = llm_settings(stub, digest_db=Path(tmp) / "d.db", digest_daily_token_budget=budget,
                                digest_llm_concurrency=16, digest_llm_batch_size=50)
        service = DigestService(settings, clock=lambda: datetime(2025, 3, 22, tzinfo=timezone.utc))
        clf = service.classifier
        saved = llm_classify.ABSTRACT_CHARS, llm_classify.ABSTRACT_SENTENCES
        if old_policy:
            clf.unsure_below = 2.0                  # every paper is sent
            clf.reserve = lambda categories: 0      # nothing kept for the syntheses
            llm_classify.ABSTRACT_CHARS, llm_classify.ABSTRACT_SENTENCES = 600, 99
        try:
            t0 = time.perf_counter()
            digest = service.build(DAY, sources=[str(source)])
            wall = time.perf_counter() - t0
        finally:
            llm_classify.ABSTRACT_CHARS, llm_classify.ABSTRACT_SENTENCES = saved
        stats = dict(clf.last_stats)
        (usage,) = usage_report(service.store, settings, days=1)
        offline = [s.category for s in digest.summaries if s.offline]
        return {"papers": digest.total_papers, "categories": len(digest.summaries),
                "llm_summaries": len(digest.summaries) - len(offline), "offline": offline,
                "stats": stats, "split": usage["split"], "total": usage["total_tokens"],
                "calls": stub.calls, "wall": wall, "notes": list(digest.notes),
                "left": max(0, budget - usage["total_tokens"])}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1500,3000")
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--budget", type=int, default=300_000)
    parser.add_argument("--no-before", action="store_true", help="skip the 'before' policy rows")
    args = parser.parse_args()
    print(f"machine: {machine()}; stub latency {args.latency}s; budget {args.budget:,} tokens; "
          f"{len(real_papers())} distinct real papers replicated")
    rows = []
    for n in (int(x) for x in args.sizes.split(",")):
        for old in ((False,) if args.no_before else (True, False)):
            r = run(n, args.latency, args.budget, old)
            s = r["stats"]
            policy = "before (all sent, no reserve)" if old else "now (unsure only, reserve kept)"
            split = ", ".join(f"{k} {v:,}" for k, v in r["split"].items())
            print(f"\n{n:,} papers — {policy}")
            print(f"  keyword-sure {s.get('sure', 0):,} · sent to LLM {s.get('asked', 0):,} · "
                  f"LLM labels {s.get('llm', 0):,} · offline for lack of budget "
                  f"{s.get('over_budget', 0):,} · reserve {s.get('reserve', 0):,}")
            print(f"  syntheses LLM-written {r['llm_summaries']} of {r['categories']}"
                  + (f" (offline: {', '.join(r['offline'])})" if r["offline"] else ""))
            print(f"  tokens {r['total']:,} ({split}); left {r['left']:,}; "
                  f"{r['calls']} calls; {r['wall']:.1f} s")
            for note in r["notes"]:
                print(f"  note: {note}")
            rows.append((n, policy, r))
    print("\n| papers | policy | sent to LLM | offline (budget) | syntheses by LLM | classification tok | summaries tok | wall |")
    print("|---|---|---|---|---|---|---|---|")
    for n, policy, r in rows:
        s = r["stats"]
        print(f"| {n:,} | {policy} | {s.get('asked', 0):,} | {s.get('over_budget', 0):,} | "
              f"{r['llm_summaries']} of {r['categories']} | {r['split'].get('classification', 0):,} | "
              f"{r['split'].get('summaries', 0):,} | {r['wall']:.1f} s |")
    ok = all(r["llm_summaries"] == r["categories"] for _, p, r in rows if p.startswith("now"))
    print("\nevery synthesis LLM-written with the reserve:", "yes" if ok else "NO")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
