"""Quality of the offline (no API key) synthesis on the real days in ../shared/data (issue 13).

Builds every category section the offline digest would post for the Hugging Face days
2024-11-18..26 and the cs.AI RSS feed of 2024-11-19 (keyword classifier, top 3 papers per
category, as ``digest build`` does), in Korean and English, and counts what a reader trips over:

* junk keywords — a function word, bare number, generic research word alone or a fragment
  (digest.lexicon.junk_keyword), in the shared keywords (part 2) and the per-paper themes (part 1);
* boilerplate quoted sentences (links, availability, venues; digest.lexicon.is_boilerplate);
* sentences quoted twice in one section;
* impact / outlook parts left with the "no sentence" placeholder.

``--keywords yake`` swaps in YAKE (pip package ``yake``, not a project dependency) for both
keyword lists, to compare extractors on the same days. ``--show`` prints the sections.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1]))
from common import machine, require_shared  # noqa: E402

from digest import lexicon
from digest.summarize import select
from digest.summarize import keyphrases as textrank  # noqa: E402
from digest.classify.keyword import KeywordClassifier  # noqa: E402
from digest.text import strings, t  # noqa: E402
from digest.sources import parse  # noqa: E402
from digest.summarize.extractive import ExtractiveSummarizer  # noqa: E402
from digest.classify.taxonomy import load_taxonomy  # noqa: E402

QUOTE = re.compile(r"“(.+?)”")
KEYWORD = re.compile(r"'([^'\n]+)'")


def real_days(data: Path) -> list[tuple[str, list]]:
    """(day file, papers) for each real day: 7 Hugging Face days and the cs.AI feed."""
    files = sorted((data / "hf_daily_papers").glob("hf_daily_papers_2024-11-*.json"))
    files.append(data / "arxiv_rss/limai-io-demos_cs.AI_2024-11-19.xml")
    return [(f.name, parse(f.read_bytes())) for f in files]


def sections(days, language: str, summarizer=None):
    """Every (category, papers, summary text) the offline digest of those days shows."""
    taxonomy = load_taxonomy()
    classifier = KeywordClassifier(taxonomy)
    summarizer = summarizer or ExtractiveSummarizer()
    out = []
    for _, papers in days:
        labels = classifier.classify(papers)
        groups = select.group_by_category([(p, labels[p.arxiv_id]) for p in papers], taxonomy)
        for name, _ in select.category_counts(groups):
            chosen = select.top_papers(groups[name], 3)
            out.append((taxonomy[name], chosen, summarizer.summarize(taxonomy[name], chosen, language).text))
    return out


def parts(text: str) -> list[str]:
    """The five numbered parts of a section's text (heading lines included)."""
    pieces = re.split(r"^(?=[1-5]\. \*\*)", text, flags=re.MULTILINE)
    return [p for p in pieces if re.match(r"[1-5]\. \*\*", p)]


def theme_keywords(part1: str, papers) -> list[str]:
    out = []
    for p in papers:
        prefix = f"   - '{p.title}': "
        for line in part1.splitlines():
            if line.startswith(prefix):
                out += [k.strip() for k in line[len(prefix):].split(",") if k.strip()]
    return out


def audit(secs, language: str) -> dict:
    """The issue's four figures (and a few more) over ``secs``."""
    c: Counter = Counter()
    junk: Counter = Counter()
    junk_examples: list[str] = []
    titles_words = []
    for _, papers, text in secs:
        p = parts(text)
        c["sections"] += 1
        shared = KEYWORD.findall(p[1])
        themes = theme_keywords(p[0], papers)
        title_text = " ".join(x.title for x in papers).lower()
        titles_words.append(title_text)
        for kw in shared:
            c["shared keywords"] += 1
            c["shared multi-word"] += " " in kw
            c["shared in a title"] += kw.lower() in title_text
            why = lexicon.junk_keyword(kw)
            if why:
                junk[why] += 1
                c["junk shared keywords"] += 1
                junk_examples.append(kw)
        for kw in themes:
            c["theme keywords"] += 1
            c["theme multi-word"] += " " in kw
            c["theme in a title"] += kw.lower() in title_text
            if lexicon.junk_keyword(kw):
                c["junk theme keywords"] += 1
                junk_examples.append(kw)
        quotes = [q.rstrip(" …") for q in QUOTE.findall(text)]
        c["quoted sentences"] += len(quotes)
        c["boilerplate quotes"] += sum(lexicon.is_boilerplate(q) for q in quotes)
        c["repeated quotes"] += len(quotes) - len(set(quotes))
        c["impact/outlook parts"] += 2
        c["placeholders"] += (t(language, "no_impact") in p[3]) + (t(language, "no_outlook") in p[4])
        derived = [t(language, k, field="\0", keywords="\0").split("\0")[0]
                   for k in ("impact_derived", "outlook_derived") if k in strings(language)]
        c["derived lines"] += sum(bool(d) and d in part for d, part in zip(derived, (p[3], p[4])))
        c["no-abstract under shared keywords"] += t(language, "no_abstract") in p[1]
        c["multi-paper sections"] += len(papers) > 1
        c["multi-paper sections without a shared keyword"] += len(papers) > 1 and not shared
        c["'1 of 1' lines"] += bool(re.search(r"\b1 of 1\b|1편 중 1편", text))
        c["'1 papers'"] += bool(re.search(r"\b1 papers\b", text))
    c["junk reasons"] = dict(junk)
    c["junk examples"] = sorted(set(junk_examples))[:20]
    return c


def yake_summarizer():
    """ExtractiveSummarizer whose keyword lists come from YAKE (for the comparison only)."""
    import yake

    extractor = yake.KeywordExtractor(lan="en", n=3, top=10, dedupLim=0.7)

    def paper_keyphrases(title, abstract, k=3):
        kws = extractor.extract_keywords(f"{title}. {abstract}") if abstract or title else []
        return textrank._dedupe([kw.lower() for kw, _ in kws], k)

    def shared_keyphrases(docs, k=5, titles=None):
        docs = [f"{t}. {d}" for t, d in zip(titles or [""] * len(docs), docs)]
        df: Counter = Counter()
        for doc in docs:
            df.update({kw.lower() for kw, _ in extractor.extract_keywords(doc)})
        need = 2 if len(docs) > 1 else 1
        whole = [kw.lower() for kw, _ in yake.KeywordExtractor(lan="en", n=3, top=40, dedupLim=0.7)
                 .extract_keywords(" ".join(docs))]
        order = {kw: i for i, kw in enumerate(whole)}
        pool = [kw for kw, n in df.items() if n >= need]
        ranked = sorted(pool, key=lambda kw: (-df[kw], order.get(kw, 99), kw))
        return [(kw, df[kw]) for kw in textrank._dedupe(ranked, k)]

    textrank.paper_keyphrases = paper_keyphrases
    textrank.shared_keyphrases = shared_keyphrases
    return ExtractiveSummarizer()


def summarize_300(summarizer) -> str:
    """CPU time of the summaries of the 300-paper day bench_engine.py builds (its categories)."""
    from common import real_papers

    from digest.models import Paper
    taxonomy = load_taxonomy()
    papers = [Paper(p["id"], p["title"], p["abstract"]) for p in real_papers()[:300]]
    labels = KeywordClassifier(taxonomy).classify(papers)
    groups = select.group_by_category([(p, labels[p.arxiv_id]) for p in papers], taxonomy)
    work = [(taxonomy[n], select.top_papers(groups[n], 3)) for n, _ in select.category_counts(groups)]
    times = []
    for language in ("ko", "en", "en"):
        t0 = time.process_time()
        summarizer.summarize_all(work, language)
        times.append(time.process_time() - t0)
    return (f"summaries of the 300-paper day ({len(work)} categories): first {times[0] * 1000:.0f} ms CPU, "
            f"again {min(times[1:]) * 1000:.0f} ms CPU")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keywords", choices=["builtin", "yake"], default="builtin")
    ap.add_argument("--show", action="store_true", help="print every section")
    args = ap.parse_args()
    data = require_shared()
    print(f"machine: {machine()}; {time.strftime('%Y-%m-%d')}; keywords: {args.keywords}")
    days = real_days(data)
    summarizer = yake_summarizer() if args.keywords == "yake" else ExtractiveSummarizer()
    for language in ("en", "ko"):
        t0 = time.perf_counter()
        secs = sections(days, language, summarizer)
        wall = time.perf_counter() - t0
        if args.show and language == "en":
            for cat, _, text in secs:
                print(f"===== {cat.name}\n{text}\n")
        c = audit(secs, language)
        print(f"--- {language}: {c['sections']} sections, {wall:.2f} s "
              f"({len(days)} days, {sum(len(p) for _, p in days)} papers)")
        print(f"junk shared keywords: {c['junk shared keywords']} of {c['shared keywords']} "
              f"{c['junk reasons']}; multi-word {c['shared multi-word']}, in a title "
              f"{c['shared in a title']}")
        print(f"sections of 2+ papers without a shared keyword: "
              f"{c['multi-paper sections without a shared keyword']} of {c['multi-paper sections']}")
        print(f"junk theme keywords: {c['junk theme keywords']} of {c['theme keywords']}; multi-word "
              f"{c['theme multi-word']}, in a title {c['theme in a title']}")
        print(f"boilerplate quoted sentences: {c['boilerplate quotes']} of {c['quoted sentences']}")
        print(f"sentences quoted twice in a section: {c['repeated quotes']}")
        print(f"impact/outlook placeholders: {c['placeholders']} of {c['impact/outlook parts']} "
              f"({100 * c['placeholders'] / max(1, c['impact/outlook parts']):.0f}%); "
              f"written from category + keywords instead: {c['derived lines']}")
        print(f"'no abstract' under shared keywords: {c['no-abstract under shared keywords']}; "
              f"'1 of 1' sections: {c[chr(39) + '1 of 1' + chr(39) + ' lines']}; "
              f"'1 papers' sections: {c[chr(39) + '1 papers' + chr(39)]}")
        print(f"junk examples: {c['junk examples']}")
    print(summarize_300(summarizer))


if __name__ == "__main__":
    main()
