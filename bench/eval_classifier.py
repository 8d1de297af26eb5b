"""Measure the offline classifier against hand-made gold labels on real papers.

    .venv/bin/python bench/eval_classifier.py [--split all|tune|heldout] [--errors] [--data DIR]

Gold labels live in ``bench/labels/classifier_gold.jsonl`` (ids, label, other acceptable
categories, source file, tune/heldout split; see ``bench/labels/README.md``). The titles
and abstracts are read at run time from ``../shared/data`` (or ``--data`` /
``DIGEST_SHARED_DATA``); without that folder the script says so and exits 0.

Prints strict accuracy (the gold label) and acceptable accuracy (gold label or one of the
categories an editor would also accept), for the tuned classifier and for the naive
placeholder (plain keyword count over the first taxonomy, frozen in
``bench/labels/naive_taxonomy.toml``), per split, with and without arXiv categories;
then per-category precision/recall and a confusion matrix.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digest.classify.keyword import KeywordClassifier  # noqa: E402
from digest.models import Classification, Paper  # noqa: E402
from digest.classify.taxonomy import Taxonomy, load_taxonomy  # noqa: E402

GOLD = ROOT / "bench" / "labels" / "classifier_gold.jsonl"
NAIVE_TAXONOMY = ROOT / "bench" / "labels" / "naive_taxonomy.toml"
SPLITS = ("tune", "heldout", "fresh", "all")


def data_dir(explicit: str | None = None) -> Path:
    return Path(explicit or os.environ.get("DIGEST_SHARED_DATA") or ROOT.parent / "shared" / "data")


# ---------------------------------------------------------------- loading the texts

def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _records(path: Path) -> list[dict]:
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return json.loads(path.read_text("utf-8"))


def _paper(rec: dict, source: str) -> Paper | None:
    if "paper" in rec:  # Hugging Face daily papers: no arXiv categories
        p = rec["paper"]
        return Paper(p["id"], _clean(p.get("title")), _clean(p.get("summary")), source="hf")
    pid = rec.get("arxiv_id") or rec.get("id")
    abstract = rec.get("abstract") or rec.get("summary")
    if not pid or not abstract:
        return None
    cats = tuple(c for c in (rec.get("categories") or ()) if re.fullmatch(r"[a-z-]+(\.[A-Za-z-]+)?", c))
    return Paper(pid, _clean(rec.get("title")), _clean(abstract), categories=cats, source=source)


def load_cases(data: Path) -> list[tuple[Paper, dict]]:
    """(paper, gold row) for every gold row whose text is found under ``data``."""
    gold = [json.loads(line) for line in GOLD.read_text("utf-8").splitlines() if line.strip()]
    by_file: dict[str, dict[str, Paper]] = {}
    cases = []
    for row in gold:
        if row["file"] not in by_file:
            path = data / row["file"]
            papers = {}
            if path.exists():
                for rec in _records(path):
                    paper = _paper(rec, "hf" if "hf_daily" in row["file"] else "arxiv")
                    if paper:
                        papers.setdefault(paper.arxiv_id, paper)
            by_file[row["file"]] = papers
        paper = by_file[row["file"]].get(row["arxiv_id"])
        if paper is not None:
            cases.append((paper, row))
    return cases


def strip_categories(cases):
    return [(Paper(p.arxiv_id, p.title, p.abstract, source=p.source), row) for p, row in cases]


# ---------------------------------------------------------------- the naive baseline

class NaiveKeywordClassifier:
    """The first placeholder, kept verbatim: keyword counts, a title hit counts 3."""

    name = "naive"

    def __init__(self, taxonomy: Taxonomy):
        self.taxonomy = taxonomy
        self._patterns = [
            (cat, [re.compile(r"\b" + re.escape(k) + r"\b") for k in cat.keywords])
            for cat in taxonomy if cat.keywords
        ]

    def classify_one(self, paper: Paper) -> Classification:
        title, abstract = paper.title.lower(), paper.abstract.lower()
        scores = []
        for cat, pats in self._patterns:
            s = sum(3 * bool(p.search(title)) + len(p.findall(abstract)) for p in pats)
            if s:
                scores.append((s, cat.name))
        if not scores:
            return Classification(paper.arxiv_id, self.taxonomy.fallback.name, 0.3, self.name)
        scores.sort(reverse=True)
        total = sum(s for s, _ in scores)
        return Classification(paper.arxiv_id, scores[0][1], round(scores[0][0] / total, 3), self.name)

    def classify(self, papers):
        return {p.arxiv_id: self.classify_one(p) for p in papers}


# ---------------------------------------------------------------- metrics

def evaluate(classifier, cases) -> dict:
    """Accuracy (strict/acceptable) and one row (paper, gold, prediction, strict, acceptable) per case."""
    preds = classifier.classify([p for p, _ in cases])
    rows = []
    for paper, gold in cases:
        c = preds[paper.arxiv_id]
        ok_strict = c.category == gold["label"]
        ok_accept = ok_strict or c.category in gold.get("acceptable", ())
        rows.append((paper, gold, c, ok_strict, ok_accept))
    return summarize(rows)


def summarize(rows: list) -> dict:
    n = len(rows) or 1
    return {"n": len(rows), "strict": sum(r[3] for r in rows) / n,
            "acceptable": sum(r[4] for r in rows) / n, "rows": rows}


def split_of(result: dict, split: str) -> dict:
    if split == "all":
        return result
    return summarize([r for r in result["rows"] if r[1]["split"] == split])


def run(data: Path | None = None, naive: bool = True) -> dict | None:
    """Headline figures per split: {split: {"n", "strict", "acceptable", "nocat_*", "naive_*"}}.

    None when the shared data (or every gold paper in it) is missing.
    """
    data = data or data_dir()
    if not data.is_dir():
        return None
    cases = load_cases(data)
    if not cases:
        return None
    results = {"": evaluate(KeywordClassifier(load_taxonomy()), cases),
               "nocat_": evaluate(KeywordClassifier(load_taxonomy()), strip_categories(cases))}
    if naive:
        results["naive_"] = evaluate(NaiveKeywordClassifier(load_taxonomy(NAIVE_TAXONOMY)), cases)
    out = {}
    for split in SPLITS:
        figures = {}
        for prefix, res in results.items():
            sub = split_of(res, split)
            figures.update({"n": sub["n"], f"{prefix}strict": sub["strict"], f"{prefix}acceptable": sub["acceptable"]})
        out[split] = figures
    return out


def short(name: str, width: int = 5) -> str:
    abbrev = {"Computer Vision": "CV", "Multimodal": "MM", "LLM": "LLM",
              "Natural Language Processing": "NLP", "Model training technique": "Train",
              "Reinforcement Learning": "RL", "Inference acceleration": "Infer",
              "Open Domain Reasoning": "Reas", "Security": "Sec", "Machine Learning Ethics": "Ethic",
              "Audio": "Audio", "Graph Neural Networks": "GNN", "Quantum Computing": "Qntm",
              "Artificial Intelligence": "AI"}
    return abbrev.get(name, name[:width])


def print_report(result: dict, names: list[str], title: str) -> None:
    rows = result["rows"]
    print(f"\n== {title}: per category (gold = strict label) ==")
    print(f"{'category':30} {'gold':>5} {'pred':>5} {'prec':>6} {'recall':>6} {'rec(acc)':>8}")
    gold_n = Counter(r[1]["label"] for r in rows)
    pred_n = Counter(r[2].category for r in rows)
    tp = Counter(r[1]["label"] for r in rows if r[3])
    tp_acc = Counter(r[1]["label"] for r in rows if r[4])
    pred_ok = Counter(r[2].category for r in rows if r[4])  # predicted and acceptable
    for name in names:
        g, p = gold_n[name], pred_n[name]
        prec = f"{pred_ok[name] / p:.2f}" if p else "  -"
        rec = f"{tp[name] / g:.2f}" if g else "  -"
        rec_acc = f"{tp_acc[name] / g:.2f}" if g else "  -"
        print(f"{name:30} {g:5} {p:5} {prec:>6} {rec:>6} {rec_acc:>8}")
    print("(prec counts a prediction right when it is acceptable; recall = strict, rec(acc) = acceptable)")

    print(f"\n== {title}: accuracy by confidence ==")
    for lo, hi in ((0.0, 0.4), (0.4, 0.55), (0.55, 0.7), (0.7, 1.01)):
        sel = [r for r in rows if lo <= r[2].confidence < hi]
        if sel:
            print(f"confidence {lo:.2f}-{min(hi, 1.0):.2f}: {len(sel):4} papers, "
                  f"strict {sum(r[3] for r in sel) / len(sel):.2f}, acceptable {sum(r[4] for r in sel) / len(sel):.2f}")

    print(f"\n== {title}: confusion matrix (rows = gold label, columns = predicted) ==")
    cm: dict[str, Counter] = defaultdict(Counter)
    for r in rows:
        cm[r[1]["label"]][r[2].category] += 1
    used = [n for n in names if gold_n[n] or pred_n[n]]
    print(f"{'':6}" + "".join(f"{short(n):>6}" for n in used))
    for g in used:
        if not gold_n[g]:
            continue
        cells = "".join(f"{(cm[g][p] or '.'):>6}" for p in used)
        print(f"{short(g):6}{cells}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", choices=SPLITS, default="all", help="split for the detailed tables")
    ap.add_argument("--errors", action="store_true", help="list the papers the classifier gets wrong")
    ap.add_argument("--misses", action="store_true", help="also list the acceptable but not strict ones")
    ap.add_argument("--data", help="folder holding the shared data (default ../shared/data)")
    args = ap.parse_args(argv)

    data = data_dir(args.data)
    if not data.is_dir():
        print(f"skipped: no shared data at {data} (the evaluation needs ../shared/data)")
        return 0
    cases = load_cases(data)
    if not cases:
        print(f"skipped: none of the gold papers found under {data}")
        return 0
    taxonomy = load_taxonomy()
    ours = KeywordClassifier(taxonomy)
    full = evaluate(ours, cases)
    nocat = evaluate(ours, strip_categories(cases))
    naive = evaluate(NaiveKeywordClassifier(load_taxonomy(NAIVE_TAXONOMY)), cases)

    print(f"gold: {len(cases)} papers labelled by hand ({GOLD.relative_to(ROOT)}), data: {data}")
    print("splits: tune = used to tune the keywords; heldout = labelled with tune before tuning, not tuned on;")
    print("        fresh = labelled blind after the keywords were frozen (the honest estimate)")
    print(f"{'split':8} {'n':>4} | {'ours strict':>11} {'ours accept':>11} | "
          f"{'no-cats strict':>14} {'no-cats accept':>14} | {'naive strict':>12} {'naive accept':>12}")
    for split in SPLITS:
        a, c, b = split_of(full, split), split_of(nocat, split), split_of(naive, split)
        print(f"{split:8} {a['n']:4} | {a['strict']:11.3f} {a['acceptable']:11.3f} | "
              f"{c['strict']:14.3f} {c['acceptable']:14.3f} | {b['strict']:12.3f} {b['acceptable']:12.3f}")
    print("(no-cats: the same papers with their arXiv categories removed, as Hugging Face lists come)")

    refcat = _reference_categories(data)
    ref = [r for r in full["rows"] if r[0].arxiv_id in refcat]
    if ref:
        agree = sum(r[2].category == refcat[r[0].arxiv_id] for r in ref)
        print(f"reference digest 2024-11-24: {agree}/{len(ref)} papers in the report's own section")

    detail = split_of(full, args.split)
    print_report(detail, taxonomy.names, f"ours, split={args.split}")
    if args.errors or args.misses:
        print("\n== errors (not acceptable; with --misses, '~' marks acceptable but not the label) ==")
        for paper, gold, c, strict, ok in detail["rows"]:
            if not ok or (args.misses and not strict):
                print(f"{'~' if ok else 'x'} {paper.arxiv_id} gold={short(gold['label'])} pred={short(c.category)} "
                      f"conf={c.confidence:.2f} {paper.categories[:2]} {paper.title[:80]}")
    return 0


def _reference_categories(data: Path) -> dict[str, str]:
    path = data / "reference_papers_2024-11-24.json"
    if not path.exists():
        return {}
    return {r["arxiv_id"]: r["reference_category"] for r in json.loads(path.read_text("utf-8")) if r["arxiv_id"]}


if __name__ == "__main__":
    sys.exit(main())
