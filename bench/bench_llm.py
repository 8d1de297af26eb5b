"""Benchmark: LLM classification + summaries of a day against a stub server answering in 0.5 s.

    .venv/bin/python bench/bench_llm.py [--latency 0.5] [--no-baseline] [--markdown]

A 300-paper day (300 distinct papers from two real daily arXiv lists in ../shared/data, or
synthetic papers when that folder is absent) and a 14-paper day (a real Hugging Face daily
list) go through LLMClassifier (batches, concurrent) and LLMSummarizer (all categories
concurrent), exactly as `digest build` does: classify -> group -> top K per category ->
summarize. Printed: wall time and calls per stage, the bound the issue sets
(calls <= categories + ceil(papers / 40)), a second build of the same day (must make 0 calls),
a sequential baseline (DIGEST_LLM_CONCURRENCY=1), and tokens per digest.

Token figures: prompt tokens are what the project sends, counted as UTF-8 bytes / 4 (a
tokenizer-free estimate, about right for English). The stub's fake model writes shorter
summaries than a real one, so completion tokens are also given for summaries of the length
of the reference report's (bytes / 4 of its Korean sections).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from openai_stub import OpenAIStub, llm_settings, tokens  # noqa: E402

from digest.summarize import select  # noqa: E402
from digest.classify.keyword import KeywordClassifier  # noqa: E402
from digest.llm.client import LLM  # noqa: E402
from digest.classify.llm import LLMClassifier  # noqa: E402
from digest.summarize.llm import LLMSummarizer  # noqa: E402
from digest.models import Paper  # noqa: E402
from digest.store import Store  # noqa: E402
from digest.classify.taxonomy import load_taxonomy  # noqa: E402

SHARED = ROOT.parent / "shared"
DAY_300 = SHARED / "data/daily_lists/dw-dengwei_daily-arXiv_2025-03-20.jsonl"
DAY_300_MORE = SHARED / "data/daily_lists/dw-dengwei_daily-arXiv_2025-03-26.jsonl"
DAY_14 = SHARED / "data/hf_daily_papers/hf_daily_papers_2024-11-22.json"
REFERENCE = SHARED / "reference/digest_2024-11-24.md"


def papers_300() -> tuple[list[Paper], str]:
    """300 distinct real papers: the daily arXiv list of 2025-03-20 (211 distinct), topped up
    from 2025-03-26; synthetic papers when ../shared/data is absent."""
    if DAY_300.exists() and DAY_300_MORE.exists():
        seen: dict[str, Paper] = {}
        for path in (DAY_300, DAY_300_MORE):
            for line in path.read_text("utf-8").splitlines():
                if line.strip() and len(seen) < 300:
                    r = json.loads(line)
                    seen.setdefault(r["id"], Paper(
                        r["id"], " ".join(r["title"].split()), " ".join(r["summary"].split()),
                        tuple(r.get("authors") or ()), r.get("abs", ""),
                        categories=tuple(r.get("categories") or ()), source="arxiv"))
        return list(seen.values()), f"{DAY_300.name} + {DAY_300_MORE.name} (300 distinct papers)"
    topics = ["vision transformer", "language model", "reinforcement learning", "quantization",
              "jailbreak attack", "speech recognition", "graph neural network", "robot manipulation",
              "machine translation", "diffusion model", "chain of thought reasoning", "federated learning"]
    out = []
    for i in range(300):
        topic = topics[zlib.crc32(str(i).encode()) % len(topics)]
        out.append(Paper(f"2503.{i:05d}", f"Scaling {topic.title()} Methods, Study {i}",
                         f"We study {topic} in a new setting. " * 8 + "Our method improves results by 7%."))
    return out, "synthetic (../shared/data absent)"


def papers_14() -> tuple[list[Paper], str]:
    if DAY_14.exists():
        rows = json.loads(DAY_14.read_text("utf-8"))
        return [Paper(r["paper"]["id"], " ".join(r["paper"]["title"].split()),
                      " ".join(r["paper"]["summary"].split()), source="hf",
                      popularity=int(r["paper"].get("upvotes") or 0)) for r in rows], DAY_14.name
    day, _ = papers_300()
    return day[:14], "synthetic"


def reference_summary_tokens() -> int | None:
    """Mean tokens (bytes / 4) of one category synthesis in the reference report."""
    if not REFERENCE.exists():
        return None
    text = REFERENCE.read_text("utf-8")
    parts = re.findall(r"\*\*요약:\*\*(.*?)\*\*출처:\*\*", text, re.S)
    return round(sum(tokens(p.strip()) for p in parts) / len(parts)) if parts else None


def build(stub: OpenAIStub, db: Path, papers: list[Paper], concurrency: int = 8) -> dict:
    """One `digest build` worth of LLM work for ``papers``; returns timings, calls and tokens."""
    taxonomy = load_taxonomy()
    settings = llm_settings(stub, digest_llm_concurrency=concurrency, digest_llm_timeout=30.0,
                            digest_daily_token_budget=10_000_000)
    store = Store(db)
    llm = LLM(settings, store)
    before = stub.calls
    stub.max_concurrency = 0
    t0 = time.perf_counter()
    labels = LLMClassifier(llm, taxonomy, KeywordClassifier(taxonomy)).classify(papers)
    t1 = time.perf_counter()
    classify_calls, classify_stats = stub.calls - before, dict(llm.stats)
    groups = select.group_by_category([(p, labels[p.arxiv_id]) for p in papers], taxonomy)
    counts = select.category_counts(groups)
    k = settings.digest_papers_per_category
    work = [(taxonomy[name], select.top_papers(groups[name], k)) for name, _ in counts]
    summaries = LLMSummarizer(llm, settings).summarize_all(work, "ko")
    t2 = time.perf_counter()
    store.close()
    s = llm.stats
    return {
        "papers": len(papers), "categories": len(work), "wall": t2 - t0,
        "classify_wall": t1 - t0, "summary_wall": t2 - t1,
        "calls": stub.calls - before, "classify_calls": classify_calls,
        "summary_calls": stub.calls - before - classify_calls,
        "llm_labels": sum(c.method == "llm" for c in labels.values()),
        "llm_summaries": sum(not x.offline for x in summaries),
        "summarized_papers": sum(len(p) for _, p in work),
        "classify_prompt": classify_stats["prompt_tokens"],
        "classify_completion": classify_stats["completion_tokens"],
        "summary_prompt": s["prompt_tokens"] - classify_stats["prompt_tokens"],
        "summary_completion": s["completion_tokens"] - classify_stats["completion_tokens"],
        "max_concurrency": stub.max_concurrency,
    }


def run(latency: float, baseline: bool) -> dict:
    results: dict = {"latency": latency}
    day300, src300 = papers_300()
    day14, src14 = papers_14()
    results["sources"] = (src300, src14)
    with tempfile.TemporaryDirectory() as tmp, OpenAIStub(latency=latency) as stub:
        results["300"] = build(stub, Path(tmp, "a.db"), day300)
        results["300_again"] = build(stub, Path(tmp, "a.db"), day300)  # a rebuild / restart
        results["300_c16"] = build(stub, Path(tmp, "b.db"), day300, concurrency=16)
        results["14"] = build(stub, Path(tmp, "c.db"), day14)
        if baseline:
            results["300_seq"] = build(stub, Path(tmp, "d.db"), day300, concurrency=1)
    results["ref_tokens"] = reference_summary_tokens()
    return results


def report(r: dict) -> str:
    a, again, c16, d14 = r["300"], r["300_again"], r["300_c16"], r["14"]
    bound = a["categories"] + math.ceil(a["papers"] / 40)
    lines = [
        f"stub latency {r['latency']} s per call; 300-paper day: {r['sources'][0]}; 14-paper day: {r['sources'][1]}",
        "",
        "| build | papers | categories | LLM calls (classify + summary) | wall s (classify + summary) | peak concurrent |",
        "|---|---|---|---|---|---|",
    ]

    def row(name, x):
        return (f"| {name} | {x['papers']} | {x['categories']} | {x['calls']} ({x['classify_calls']} + "
                f"{x['summary_calls']}) | {x['wall']:.2f} ({x['classify_wall']:.2f} + {x['summary_wall']:.2f}) "
                f"| {x['max_concurrency']} |")

    lines.append(row("300 papers, DIGEST_LLM_CONCURRENCY=8 (default)", a))
    lines.append(row("same day again (rebuild, new process state)", again))
    lines.append(row("300 papers, DIGEST_LLM_CONCURRENCY=16", c16))
    if "300_seq" in r:
        lines.append(row("300 papers, sequential (CONCURRENCY=1)", r["300_seq"]))
    lines.append(row("14 papers, CONCURRENCY=8", d14))
    lines += ["", f"call bound for the 300-paper day: categories + ceil(papers/40) = {bound}; "
              f"made {a['calls']} -> {'OK' if a['calls'] <= bound else 'OVER'}; "
              f"wall {a['wall']:.2f} s -> {'OK' if a['wall'] <= 2.5 else 'OVER'} (<= 2.5 s); "
              f"rebuild calls {again['calls']} -> {'OK' if again['calls'] == 0 else 'FAIL'}",
              f"LLM labels {a['llm_labels']}/{a['papers']}, LLM summaries {a['llm_summaries']}/{a['categories']}",
              "", "Tokens per digest (prompt = sent, bytes/4 estimate):", "",
              "| day | classify prompt | classify completion | summary prompt | summary completion (stub) "
              "| summary completion (reference length) | total (reference length) |",
              "|---|---|---|---|---|---|---|"]
    for name, x in (("14 papers", d14), ("300 papers", a)):
        ref = r["ref_tokens"] * x["categories"] if r["ref_tokens"] else x["summary_completion"]
        total = x["classify_prompt"] + x["classify_completion"] + x["summary_prompt"] + ref
        lines.append(f"| {name} ({x['categories']} categories, {x['summarized_papers']} papers summarized) "
                     f"| {x['classify_prompt']:,} | {x['classify_completion']:,} | {x['summary_prompt']:,} "
                     f"| {x['summary_completion']:,} | {ref:,} | {total:,} |")
    if r["ref_tokens"]:
        lines.append(f"\n(reference report: about {r['ref_tokens']:,} tokens per category synthesis)")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--latency", type=float, default=0.5)
    ap.add_argument("--no-baseline", action="store_true", help="skip the sequential run (~10 s)")
    ap.add_argument("--json", action="store_true", help="print the raw figures as JSON too")
    args = ap.parse_args()
    r = run(args.latency, not args.no_baseline)
    print(report(r))
    if args.json:
        print(json.dumps(r, indent=1, default=str))
    a = r["300"]
    ok = (a["wall"] <= 2.5 and a["calls"] <= a["categories"] + math.ceil(a["papers"] / 40)
          and r["300_again"]["calls"] == 0 and a["categories"] >= 8)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
