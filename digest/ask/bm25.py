"""BM25 over a bounded set of papers (one day's, or an archive search's candidates), with FTS5's
own formula, column weights and Porter stemmer, so that scores agree with the FTS5 index while the
work stays bounded by the day, not the archive.
"""

from __future__ import annotations

import math
import re
import sqlite3
import threading
from dataclasses import dataclass

TITLE_WEIGHT, ABSTRACT_WEIGHT = 2.0, 1.0
BM25_K1, BM25_B = 1.2, 0.75  # FTS5's bm25 constants
MIN_RUN, MAX_RANGES = 8, 16  # rowid runs of a day's papers searched through the index, ...
MAX_SCATTERED = 200  # ... the papers stored apart are matched in Python, up to this many

ALNUM = re.compile(r"[^\W_]")


class PorterStems:
    """Words -> their FTS5 ``porter unicode61`` tokens, from SQLite's own tokenizer (an
    in-memory FTS5 table and its vocabulary), so that matching a day's papers here agrees with
    what the archive's FTS5 index matches. Cached: a question has a few words, a day's papers
    a few thousand distinct ones."""

    def __init__(self):
        self._conn = sqlite3.connect(":memory:", check_same_thread=False)
        self._conn.execute("create virtual table words using fts5(w, tokenize='porter unicode61')")
        self._conn.execute("create virtual table tokens using fts5vocab(words, instance)")
        self._lock = threading.Lock()
        self._cache: dict[str, str] = {}

    def stems(self, words) -> dict[str, str]:
        cache = self._cache
        missing = [w for w in dict.fromkeys(words) if w not in cache]
        if missing:
            with self._lock:
                if len(cache) > 200_000:
                    cache.clear()
                self._conn.execute("delete from words")
                self._conn.executemany("insert into words(rowid, w) values (?, ?)",
                                       list(enumerate(missing, 1)))
                found: dict[int, str] = {}
                for term, doc in self._conn.execute("select term, doc from tokens order by doc, offset"):
                    found.setdefault(doc, term)
                for i, w in enumerate(missing, 1):
                    cache[w] = found.get(i, w)
        return {w: cache.get(w, w) for w in words}


@dataclass(frozen=True)
class DayPapers:
    """One day's papers, ready for ``Retriever.match_day``: lower-cased texts, lengths in words, and the
    rowid ranges that hold most of them (the rest, stored apart, are listed in ``scattered``)."""

    key: tuple
    ids: list[str]
    lowered: tuple[list[str], list[str]]  # titles, abstracts (with a leading space)
    lengths: list[int]
    avg_length: float
    position: dict[int, int]  # rowid -> index
    ranges: list[tuple[int, int]]
    scattered: list[int]  # indexes of papers outside ``ranges``

    @classmethod
    def of(cls, key: tuple, rows: list[tuple]) -> DayPapers:
        titles = [" " + (t or "").lower() for _, _, t, _ in rows]
        abstracts = [" " + (a or "").lower() for _, _, _, a in rows]
        lengths = [t.count(" ") + a.count(" ") for t, a in zip(titles, abstracts)]
        position = {r[0]: i for i, r in enumerate(rows)}
        runs = rowid_runs(sorted(position))
        ranges = [(lo, hi) for lo, hi, n in runs if n >= MIN_RUN][:MAX_RANGES]
        apart = sorted(r for r in position if not any(lo <= r <= hi for lo, hi in ranges))
        if len(apart) > MAX_SCATTERED:  # too many to read here: one index range over them all
            ranges.append((apart[0], apart[-1]))
            apart = []
        return cls(key, [r[1] for r in rows], (titles, abstracts), lengths,
                   sum(lengths) / max(1, len(lengths)) or 1.0, position, ranges,
                   [position[r] for r in apart])


def bm25(papers: DayPapers, tfs: list[dict[int, tuple[int, int]]], stats: list[tuple[int, int]],
          limit: int) -> list[tuple[str, float]]:
    """The ``limit`` best papers by BM25 (FTS5's formula and column weights; ``stats`` is each
    unit's (papers counted, papers containing it)), as (arxiv_id, -score) like FTS5's rank."""
    scores: dict[int, float] = {}
    lengths, avg = papers.lengths, papers.avg_length or 1.0
    for tf, (n, hits) in zip(tfs, stats):
        if not tf:
            continue
        idf = math.log(1 + (n - hits + 0.5) / (hits + 0.5))
        for i, (tt, ta) in tf.items():
            d = TITLE_WEIGHT * tt + ABSTRACT_WEIGHT * ta
            scores[i] = scores.get(i, 0.0) + idf * d * (BM25_K1 + 1) / (
                d + BM25_K1 * (1 - BM25_B + BM25_B * lengths[i] / avg))
    ranked = sorted(scores, key=lambda i: (-scores[i], papers.ids[i]))[:limit]
    return [(papers.ids[i], -scores[i]) for i in ranked]


def rowid_runs(rowids: list[int], gap: int = 64) -> list[tuple[int, int, int]]:
    """Sorted rowids -> (first, last, how many) runs with no hole wider than ``gap``, biggest first."""
    runs: list[list[int]] = []
    for r in rowids:
        if runs and r - runs[-1][1] <= gap:
            runs[-1][1] = r
            runs[-1][2] += 1
        else:
            runs.append([r, r, 1])
    return [(lo, hi, n) for lo, hi, n in sorted(runs, key=lambda run: -run[2])]


def prefix(stem: str) -> str:
    """Every word with this Porter stem starts with the prefix (Porter rewrites at most the
    stem's last letters: y->i, -ate, -ble, -ize, ...)."""
    return stem if len(stem) <= 4 else stem[: max(4, len(stem) - 2)]


def unit_counts(rows: list[tuple[str, str, str]], keys: list[tuple[str, ...]],
                 stemmer: PorterStems) -> tuple[list[list[tuple[int, int]]], list[int]]:
    """For each unit (a tuple of Porter stems: a word or a phrase) its (title, abstract)
    occurrence counts in each row, and each row's length in words. Only words that start like
    a query stem are looked at (one regular expression), then checked by their Porter stem;
    a phrase counts where its words follow each other with only separators between them."""
    wanted = {s for key in keys for s in key}
    lengths = [(t or "").count(" ") + (a or "").count(" ") + 2 for _, t, a in rows]
    if not wanted:
        return [[(0, 0)] * len(rows) for _ in keys], lengths
    finder = re.compile(r"\b(?:" + "|".join(sorted({re.escape(prefix(s)) for s in wanted},
                                                     key=len, reverse=True)) + r")\w*")
    texts = [((title or "").lower(), (abstract or "").lower()) for _, title, abstract in rows]
    found = [[[(m.start(), m.end(), m.group()) for m in finder.finditer(text)] for text in pair]
             for pair in texts]
    stem = stemmer.stems({w for doc in found for col in doc for _, _, w in col})
    tfs = [[(0, 0)] * len(rows) for _ in keys]
    for i, doc in enumerate(found):
        counts = []
        for c, col in enumerate(doc):
            toks = [(a, b, stem[w]) for a, b, w in col if stem[w] in wanted]
            counts.append(count_units(toks, keys, texts[i][c]))
        for k in range(len(keys)):
            tfs[k][i] = (counts[0][k], counts[1][k])
    return tfs, lengths


def count_units(toks: list[tuple[int, int, str]], keys: list[tuple[str, ...]], text: str) -> list[int]:
    if not toks:
        return [0] * len(keys)
    out = []
    for key in keys:
        if len(key) == 1:
            out.append(sum(1 for t in toks if t[2] == key[0]))
            continue
        n = 0
        for i in range(len(toks) - len(key) + 1):
            if all(toks[i + j][2] == key[j] for j in range(len(key))) and all(
                    ALNUM.search(text[toks[i + j][1]:toks[i + j + 1][0]]) is None
                    for j in range(len(key) - 1)):
                n += 1
        out.append(n)
    return out
