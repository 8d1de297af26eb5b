"""Benchmark: real model replies through LLMSummarizer, and the cost of repairs in a 300-paper build.

    .venv/bin/python bench/bench_llm_replies.py [--latency 0.5]

1. The 138 real GPT replies of ../shared/data/llm_replies_real_dev.json, replayed through the real
   openai SDK against the loopback stub (tests/real_replies.py): the share shown for their own
   papers, the share shown for another day's papers (should be low), the share rendered in our
   five-part layout, why the others fell back, and the mean requests per category (repairs
   included). The same figures for the prompt-free check alone (digest.summarize.checks.check_summary),
   and before the Korean glossary and loanword matching (English title words only), to show
   what each part of the grounding rule buys.
2. The 300-paper LLM build of bench_llm.py at --latency s per call, once with model replies that
   are all usable and once where every category's first reply lacks parts 4 and 5 (each
   category needs one repair): wall time and calls. The bound: one LLM round for classification,
   one for summaries, one more for repairs.
"""

from __future__ import annotations

import argparse
import collections
import logging
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

from openai_stub import OpenAIStub, Reply, llm_settings  # noqa: E402
from real_replies import load_records, papers_of, replay, other_index  # noqa: E402

from digest.summarize import checks, grounding  # noqa: E402
from digest.llm.client import LLM  # noqa: E402
from digest.summarize.llm import LLMSummarizer  # noqa: E402
from digest.store import Store  # noqa: E402


def real_replies(records: list[dict]) -> dict:
    store = Store(":memory:")
    with OpenAIStub() as stub:
        settings = llm_settings(stub, digest_llm_max_retries=0)
        summarizer = LLMSummarizer(LLM(settings, store), settings)
        t0 = time.perf_counter()
        own = [replay(stub, summarizer, store, records, i, other=False) for i in range(len(records))]
        other = [replay(stub, summarizer, store, records, i, other=True) for i in range(len(records))]
        wall = time.perf_counter() - t0
    store.close()
    n = len(records)
    return {
        "n": n, "own": sum(o.shown for o in own) / n, "other": sum(o.shown for o in other) / n,
        "five": sum(o.five for o in own if o.shown), "shown": sum(o.shown for o in own),
        "calls_own": sum(o.calls for o in own) / n, "calls_other": sum(o.calls for o in other) / n,
        "why_own": collections.Counter(o.note for o in own if not o.shown),
        "why_other": collections.Counter(o.note for o in other if not o.shown),
        "ms_per_summary": wall / (2 * n) * 1000,
    }


def check_only(records: list[dict], *, english_only: bool = False) -> tuple[float, float]:
    """Shown rates from check_summary alone; ``english_only`` turns off glossary and loanwords."""
    saved = (grounding.RENDERINGS_KO, grounding._loanword)
    if english_only:
        grounding.RENDERINGS_KO, grounding._loanword = {}, (lambda term, hangul: False)
    try:
        def shown(text, papers):
            try:
                checks.check_summary(text, papers)
                return True
            except checks.UnusableReply:
                return False
        own = sum(shown(r["text"], papers_of(r)) for r in records) / len(records)
        other = sum(shown(r["text"], papers_of(records[other_index(records, i)]))
                    for i, r in enumerate(records)) / len(records)
    finally:
        grounding.RENDERINGS_KO, grounding._loanword = saved
    return own, other


def builds(latency: float) -> dict:
    from bench_llm import build, papers_300

    day300, _ = papers_300()
    out = {}
    with tempfile.TemporaryDirectory() as tmp, OpenAIStub(latency=latency) as stub:
        out["plain"] = build(stub, Path(tmp, "a.db"), day300, concurrency=16)
        incomplete = Reply(content="1. **핵심 주제**\n   - 첫 부분.\n2. **공통 키워드**\n   - 둘째 부분.")
        # the first request of every category (they all go out in the first round); not the repairs
        stub.when("You write one section", incomplete, times=out["plain"]["categories"])
        out["repair"] = build(stub, Path(tmp, "b.db"), day300, concurrency=16)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--latency", type=float, default=0.5)
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)
    records = load_records()
    if not records:
        print("../shared/data/llm_replies_real_dev.json is absent: nothing to measure")
        return 1
    r = real_replies(records)
    print(f"## {r['n']} real replies, replayed through the openai SDK (loopback stub)\n")
    print("| measure | value |\n|---|---|")
    print(f"| shown for their own papers | {r['own']:.1%} ({r['shown']} of {r['n']}) |")
    print(f"| of those, in our five-part layout | {r['five']} (the rest as one block) |")
    print(f"| shown for another day's papers | {r['other']:.1%} |")
    print(f"| requests per category, own papers (repairs included) | {r['calls_own']:.2f} |")
    print(f"| requests per category, another day's papers | {r['calls_other']:.2f} |")
    print(f"| time per summary (SDK + stub + checks) | {r['ms_per_summary']:.1f} ms |")
    print("\nfell back (own papers):", dict(r["why_own"]))
    print("fell back (another day's papers):", dict(r["why_other"]))
    full, eng = check_only(records), check_only(records, english_only=True)
    print("\n| grounding evidence used | own shown | other shown |\n|---|---|---|")
    print(f"| English title words, names, numbers only | {eng[0]:.1%} | {eng[1]:.1%} |")
    print(f"| + Korean glossary + loanword matching (as shipped) | {full[0]:.1%} | {full[1]:.1%} |")
    b = builds(args.latency)
    print(f"\n## 300-paper LLM build, {args.latency} s per call, DIGEST_LLM_CONCURRENCY=16\n")
    print("| build | categories | calls (classify + summary) | wall s (classify + summary) | LLM summaries |")
    print("|---|---|---|---|---|")
    for name, x in (("usable replies", b["plain"]), ("every first reply lacks parts 4-5", b["repair"])):
        print(f"| {name} | {x['categories']} | {x['calls']} ({x['classify_calls']} + {x['summary_calls']}) "
              f"| {x['wall']:.2f} ({x['classify_wall']:.2f} + {x['summary_wall']:.2f}) "
              f"| {x['llm_summaries']}/{x['categories']} |")
    extra = b["repair"]["summary_wall"] - b["plain"]["summary_wall"]
    rounds = 1 + extra / args.latency
    print(f"\nsummary stage with a repair for every category: {extra:+.2f} s over the usable-reply build "
          f"= {rounds:.1f} LLM rounds (bound: 2, one round plus one round of repairs)")
    ok = r["own"] >= 0.9 and r["other"] <= 0.2 and rounds <= 2.5
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
