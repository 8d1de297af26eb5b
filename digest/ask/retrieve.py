"""Which stored papers match a question: BM25 over one day's papers (never the whole archive),
over the archive with bounded work, and over a day's category summaries; plus the small SQL
look-ups the answers need. A malformed FTS query is logged and matches nothing.
"""

from __future__ import annotations

import json
import logging
import math
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import date

from digest.ask.bm25 import ALNUM, BM25_B, BM25_K1, DayPapers, PorterStems, bm25, prefix, unit_counts
from digest.ask.guards import ARXIV_ID
from digest.ask.language import LATIN_WORD
from digest.ask.terms import GENERIC_TERMS, STOPWORDS, Terms, stem
from digest.models import Paper

log = logging.getLogger(__name__)

MAX_UNITS = 12  # search units kept from one question (day-scoped)
ARCHIVE_UNITS = 12  # over the archive (fewer lost hit@3 in bench/eval_qa.py)
ARCHIVE_WINDOW = 1000  # an archive-wide search ranks the newest papers matching any word (see
ARCHIVE_PER_UNIT = 25  # match_archive) and the newest matching each rare word (in at most
RARE_SHARE = 0.01  # RARE_SHARE of papers), with word frequencies counted over the newest
ARCHIVE_SAMPLE = 50_000  # ARCHIVE_SAMPLE papers
SMALL_DAY = 200  # below this many papers, a day's word statistics come from the newest stored papers
CLOSER_WINDOW, CLOSER_PER_UNIT = 200, 10  # the same, smaller, for the "closer elsewhere" pointer


def fts_phrase(words: list[str], prefix: bool = False) -> str:
    """One FTS5 string token: only letters and digits go in, so no operator can be formed."""
    body = " ".join(w.replace('"', "") for w in words if w)
    return f'"{body}"' + ("*" if prefix else "")


@dataclass(frozen=True)
class Hit:
    paper: Paper
    score: float
    sentences: tuple[str, ...] = ()
    day: date | None = None  # the latest digest day the paper appeared in
    category: str | None = None
    coverage: float = 0.0  # share of the question's content words found in title + abstract


@dataclass
class Retrieval:
    hits: list[Hit] = field(default_factory=list)
    archive: bool = False
    fallback: bool = False  # nothing matched: the digest's top papers stand in
    terms: Terms | None = None


class Retriever:
    """Searches of one store; keeps the day read last (a thread asks many questions about one day)."""

    def __init__(self, store):
        self.store = store
        self.stemmer = PorterStems()
        self._day_cache: DayPapers | None = None  # the day read last

    def match_papers(self, terms: Terms, day: date | None, limit: int = 60) -> list[tuple[str, float]]:
        """Papers matching ``terms``, best first: ``day``'s papers only (never the archive), or
        the whole archive; an arXiv id typed in the question matches that paper directly."""
        ids = [n for n in terms.names if ARXIV_ID.fullmatch(n)]
        out: list[tuple[str, float]] = []
        if ids:
            out += [(aid, -1e9) for aid in self.existing(ids, day)]
        units = self.units(terms, archive=day is None)
        if units:
            ranked = self.match_day(units, day, limit) if day is not None else self.match_archive(units, limit)
            out += [(aid, score) for aid, score in ranked if aid not in ids]
        return out

    def units(self, terms: Terms, archive: bool = False) -> list[tuple[str, ...]]:
        """The question's search units (words, phrases, names), pruned before any search: one
        per Porter stem (what FTS5 matches), generic research words dropped when at least two
        other words remain, at most MAX_UNITS (ARCHIVE_UNITS over the archive)."""
        words = [w for w in terms.words if w not in STOPWORDS]
        multi = [tuple(p) for p in terms.phrases]
        multi += [tuple(LATIN_WORD.findall(n.lower())) for n in terms.names
                  if ARXIV_ID.fullmatch(n) is None]
        stems = self.stemmer.stems([*words, *(w for p in multi for w in p)])
        specific = [w for w in words if w not in GENERIC_TERMS and stem(w) not in GENERIC_TERMS]
        if len({stems[w] for w in specific}) >= 2:
            words = specific
        units: list[tuple[str, ...]] = []
        seen: set[tuple[str, ...]] = set()
        for unit in [(w,) for w in words] + [p for p in multi if p]:
            key = tuple(stems[w] for w in unit)
            if key not in seen:
                seen.add(key)
                units.append(unit)
        return units[:ARCHIVE_UNITS if archive else MAX_UNITS]

    def match_day(self, units: list[tuple[str, ...]], day: date, limit: int) -> list[tuple[str, float]]:
        """BM25 over ``day``'s papers only: the same formula and column weights as FTS5's bm25,
        with the day's own statistics, computed here from which of the day's papers contain each
        unit in their title and in their abstract. (FTS5's own bm25 reads, for its statistics,
        every stored paper that contains a query word: its cost grows with the archive.)"""
        papers = self.day_papers(day)
        if papers is None:
            return []
        tfs = self.day_tfs(units, papers)
        n = len(papers.ids)
        if n >= SMALL_DAY:
            return bm25(papers, tfs, [(n, len(tf)) for tf in tfs], limit)
        # a few papers say little about how common a word is: count it over the newest stored ones
        sample, counts = self.sample_counts([fts_phrase(list(u)) for u in units])
        return bm25(papers, tfs, [(max(sample, n), max(c, len(tf))) for c, tf in zip(counts, tfs)], limit)

    def sample_counts(self, phrases: list[str]) -> tuple[int, list[int]]:
        """How many of the newest ARCHIVE_SAMPLE stored papers there are, and contain each phrase
        (bounded work, whatever the archive's size)."""
        top = self.fetch("select max(rowid) from papers", [])[0][0] or 0
        since = top - ARCHIVE_SAMPLE
        sample = self.fetch("select count(*) from papers_fts_docsize where id > ?", [since])[0][0] or 1
        counts = [self.fetch("select count(*) from papers_fts where papers_fts match ? and rowid > ?",
                              [phrase, since])[0][0] if phrase != '""' else 0 for phrase in phrases]
        return sample, counts

    def day_tfs(self, units: list[tuple[str, ...]], papers: DayPapers) -> list[dict[int, tuple[int, int]]]:
        """For each unit, {paper index: (count in title, count in abstract)} over the day's
        papers. Which papers contain it comes from the FTS5 index limited to the rowid ranges
        the day's papers occupy (a day's new papers are stored together, so this reads only the
        day's part of each word's list); the counts are those of words starting like it.
        Papers stored apart from the rest (first seen on an earlier day) are matched in Python."""
        tfs: list[dict[int, tuple[int, int]]] = [{} for _ in units]
        for k, unit in enumerate(units):
            phrase = fts_phrase(list(unit))
            if phrase == '""':
                continue
            tf = tfs[k]
            probe = " " + prefix(self.stemmer.stems([unit[0]])[unit[0]])
            titles, abstracts = papers.lowered
            for lo, hi in papers.ranges:
                for (rowid,) in self.fetch("select rowid from papers_fts where papers_fts match ? "
                                            "and rowid between ? and ?", [phrase, lo, hi]):
                    i = papers.position.get(rowid)
                    if i is not None:  # FTS5 found it there; how often, and where, is counted here
                        tt, ta = titles[i].count(probe), abstracts[i].count(probe)
                        tf[i] = (tt, ta) if tt or ta else (0, 1)
        if papers.scattered:
            rows = [(papers.ids[i], papers.lowered[0][i], papers.lowered[1][i]) for i in papers.scattered]
            keys = [tuple(self.stemmer.stems(list(u))[w] for w in u) for u in units]
            counts, _ = unit_counts(rows, keys, self.stemmer)
            for k, tf in enumerate(counts):
                for i, (tt, ta) in zip(papers.scattered, tf):
                    if tt or ta:
                        tfs[k][i] = (tt, ta)
        return tfs

    def day_papers(self, day: date) -> DayPapers | None:
        """``day``'s papers as searched by :meth:`match_day`; the day read last is kept, keyed by
        when that day was built, since a thread asks many questions about one day."""
        stamp = self.fetch("select built_at, pruned_at from day_builds where day = ?", [day.isoformat()])
        key = (day, *(stamp[0] if stamp else ()))
        cached = self._day_cache
        if cached is not None and cached.key == key:
            return cached
        rows = self.fetch("select p.rowid, p.arxiv_id, p.title, p.abstract from day_papers d "
                           "join papers p using (arxiv_id) where d.day = ? order by p.rowid",
                           [day.isoformat()])
        if not rows:
            return None
        papers = DayPapers.of(key, rows)
        if stamp:
            self._day_cache = papers
        return papers

    def match_archive(self, units: list[tuple[str, ...]], limit: int, window: int = ARCHIVE_WINDOW,
                       per_unit: int = ARCHIVE_PER_UNIT) -> list[tuple[str, float]]:
        """BM25 over every stored paper, with bounded work: the candidates are the newest
        ARCHIVE_WINDOW papers matching any unit and the newest ARCHIVE_PER_UNIT matching each
        rare unit (a rare word reaches far back); each unit's document frequency is counted over
        the newest ARCHIVE_SAMPLE papers. FTS5's bm25 would count it over the whole archive for
        every question, and rank every paper that matches any word (both grow with the archive)."""
        items = [(u, fts_phrase(list(u))) for u in units]
        items = [(u, p) for u, p in items if p != '""']
        if not items:
            return []
        sample, counts = self.sample_counts([phrase for _, phrase in items])
        newest = "select rowid from papers_fts where papers_fts match ? order by rowid desc limit ?"
        found = {r for (r,) in self.fetch(newest, [" OR ".join(p for _, p in items), window])}
        for (_, phrase), count in zip(items, counts):
            if count <= sample * RARE_SHARE:  # a rare word: its papers, however old, are candidates
                found.update(r for (r,) in self.fetch(newest, [phrase, per_unit]))
        if not found:
            return []
        rowids = sorted(found)
        rows = self.fetch(f"select rowid, arxiv_id, title, abstract from papers where rowid in "
                           f"({','.join('?' * len(rowids))}) order by rowid", rowids)
        papers = DayPapers.of(("archive",), rows)
        tfs = self.day_tfs([u for u, _ in items], papers)
        return bm25(papers, tfs, [(sample, max(c, 1 if tf else 0)) for c, tf in zip(counts, tfs)], limit)

    def match_summaries(self, terms: Terms, day: date) -> list[list[str]]:
        """The paper groups of ``day``'s category summaries, best match first: BM25 over that
        day's few summaries, read directly (an FTS5 search would rank every stored summary)."""
        words = [(w, len(w) >= 4) for w in terms.words] + [(h, True) for h in terms.hangul]
        words = [(w, prefix) for w, prefix in dict.fromkeys(words) if ALNUM.search(w)]
        if not words:
            return []
        stored = self.fetch("select paper_ids, category, text from summaries where day = ?",
                             [day.isoformat()])
        texts = [f"{category or ''} {text or ''}".lower() for _, category, text in stored]
        lengths = [t.count(" ") + 1 for t in texts]
        avg = sum(lengths) / max(1, len(texts))
        scores = [0.0] * len(texts)
        for w, prefix in words:
            # a pattern that starts with the word itself is searched fast; the word start is checked here
            finder = re.compile(re.escape(w.lower()) + (r"[^\W_]*" if prefix else r"(?![^\W_])"))
            tf = [sum(1 for m in finder.finditer(t) if m.start() == 0 or not t[m.start() - 1].isalnum())
                  for t in texts]
            hits = sum(1 for n in tf if n)
            if not hits:
                continue
            idf = math.log(1 + (len(texts) - hits + 0.5) / (hits + 0.5))
            for i, n in enumerate(tf):
                if n:
                    scores[i] += idf * n * (BM25_K1 + 1) / (n + BM25_K1 * (1 - BM25_B + BM25_B * lengths[i] / avg))
        order = sorted((i for i in range(len(texts)) if scores[i] > 0), key=lambda i: -scores[i])
        rows = [(stored[i][0], -scores[i]) for i in order[:20]]
        seen: list[list[str]] = []
        for ids, _ in rows:
            group = json.loads(ids or "[]")
            if group not in seen:
                seen.append(group)
        return seen

    def fetch(self, sql: str, args: list) -> list[tuple]:
        try:
            with self.store.lock:
                return [tuple(r) for r in self.store.db.execute(sql, args).fetchall()]
        except sqlite3.Error as err:  # a malformed MATCH must never reach the user
            log.warning("qa: FTS query failed (%s): %r", err, args[:1])
            return []

    def existing(self, ids: list[str], day: date | None) -> list[str]:
        marks = ",".join("?" * len(ids))
        if day is None:
            rows = self.fetch(f"select arxiv_id from papers where arxiv_id in ({marks})", ids)
        else:
            rows = self.fetch(f"select arxiv_id from day_papers where day = ? and arxiv_id in ({marks})",
                               [day.isoformat(), *ids])
        return [r[0] for r in rows]

    def labels(self, ids: list[str], day: date | None) -> dict[str, tuple[date | None, str | None]]:
        """(digest day, category) of each paper: that day's, or its latest appearance."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        if day is not None:
            rows = self.fetch(f"select arxiv_id, day, category from day_papers where day = ? "
                               f"and arxiv_id in ({marks})", [day.isoformat(), *ids])
        else:
            rows = self.fetch(f"select arxiv_id, max(day), category from day_papers "
                               f"where arxiv_id in ({marks}) group by arxiv_id", ids)
        return {aid: (date.fromisoformat(d) if d else None, cat) for aid, d, cat in rows}

    def mentions(self, name: str, day: date | None) -> list[str]:
        if ARXIV_ID.fullmatch(name):
            return self.existing([name], day)
        words = LATIN_WORD.findall(name.lower())
        if not words:
            return []
        if day is not None:  # the day's own papers, never a scan of the archive
            papers = self.day_papers(day)
            if papers is None:
                return []
            (tf,) = self.day_tfs([tuple(words)], papers)
            return [papers.ids[i] for i in sorted(tf)][:5]
        sql = ("select p.arxiv_id from papers_fts join papers p on p.rowid = papers_fts.rowid "
               "where papers_fts match ?")
        return [r[0] for r in self.fetch(sql + " limit 5", [fts_phrase(words)])]

    def day_count(self, day: date) -> int:
        rows = self.fetch("select count(*) from day_papers where day = ?", [day.isoformat()])
        return rows[0][0] if rows else 0

    def total(self) -> int:
        rows = self.fetch("select count(*) from papers", [])
        return rows[0][0] if rows else 0
