"""Which papers of a day each follow matches, with the FTS5 index and the Korean glossary of Q&A.

A follow is either a category (its name or an alias, in any language) or words. Words are
searched in title and abstract as whole words (FTS5's ``porter unicode61`` tokens, no prefix
match): Latin words typed together must appear together, as a phrase (``speculative decoding``);
each Korean glossary word found (e.g. the word for quantization) stands for its English terms, and every group must
match (that word plus ``LLM``: (quantization OR quantized) AND "llm"). A glossary entry of several English
words is read as alternatives when they are forms of one word (quantization/quantized) or the
Korean word is short (the word for inference -> inference OR reasoning), and as a phrase
otherwise (the word for reinforcement learning -> "reinforcement learning").

Every paper of the day is matched, not only the summarized ones, once per distinct follow however
many people follow it. The FTS5 query language and tokenizer are the archive index's
(``papers_fts``: ``porter unicode61``, the same phrase quoting as Q&A), run over an in-memory FTS5
table of the day's papers: in the archive index each query read whole posting lists, so matching
5,000 follows took 0.7 s over 10 days of 1,000 papers and 2.3 s over 30 (bench/bench_follows.py);
on the day's own table the cost no longer grows with the archive.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import date

from digest.ask.language import HANGUL, LATIN_WORD
from digest.ask.retrieve import fts_phrase
from digest.ask.terms import STOPWORDS
from digest.follows.store import Follow
from digest.glossary import QUERY_TERMS_KO
from digest.models import Paper

log = logging.getLogger(__name__)
TOKENIZER = "porter unicode61"  # the papers_fts index's (digest/store/migrations.py, 001)
_KO_KEYS = sorted(QUERY_TERMS_KO, key=len, reverse=True)  # longest first: a compound before its parts


@dataclass(frozen=True)
class Rule:
    """A compiled follow: a category name, or an FTS5 expression (empty: nothing to search)."""

    category: str | None = None
    fts: str = ""

    @property
    def empty(self) -> bool:
        return self.category is None and not self.fts


def _alternatives(key: str, value: str) -> list[list[str]]:
    words = [w for w in LATIN_WORD.findall(value.lower().replace("-", " "))]
    parts = value.lower().split()
    if len(parts) == 1:
        return [words]
    stem = os.path.commonprefix(parts)
    if len(stem) >= 4 or (" " not in key and len(key) <= 2):
        return [LATIN_WORD.findall(p) for p in parts]
    return [words]


def word_groups(text: str, any_word: bool = False) -> list[list[tuple[str, ...]]]:
    """The FTS5 phrases a follow's (or a channel filter keyword's) words stand for, as groups of
    alternatives: one group per Korean glossary word found (its English terms), and the Latin
    words typed together as one phrase. A follow needs every group (``any_word=False``: Latin
    words left beside the Korean ones, dropped when all are stopwords); a filter keyword needs
    any phrase (``any_word=True``: the Latin words of the whole keyword, stopwords kept)."""
    rest = text.lower()
    groups: list[list[tuple[str, ...]]] = []
    if HANGUL.search(rest):
        for key in _KO_KEYS:
            if key in rest:
                rest = rest.replace(key, " ")
                alts = list(dict.fromkeys(tuple(a) for a in _alternatives(key, QUERY_TERMS_KO[key]) if a))
                if alts:
                    groups.append(alts)
    latin = LATIN_WORD.findall(text.lower() if any_word else rest)
    if latin and (any_word or not all(w in STOPWORDS for w in latin)):  # "follow with" would match every paper
        groups.append([tuple(latin)])
    return groups


def compile_follow(text: str, taxonomy, any_word: bool = False) -> Rule:
    """The rule of one follow's text (see the module docstring). ``any_word=True`` is a channel
    filter keyword's rule (digest/deliver/filters.py): a paper matches if it holds any of the
    keyword's phrases, or is of the category the keyword names."""
    cat = taxonomy.get(text) if taxonomy is not None else None
    if cat is not None and not any_word:
        return Rule(category=cat.name)
    groups = word_groups(text, any_word)
    if any_word:
        fts = " OR ".join(dict.fromkeys(fts_phrase(list(u)) for g in groups for u in g))
    else:
        ors = [" OR ".join(fts_phrase(list(u)) for u in g) for g in groups]
        fts = " AND ".join(dict.fromkeys(o if len(g) == 1 else f"({o})" for o, g in zip(ors, groups)))
    return Rule(category=cat.name if cat is not None else None, fts=fts)


def rule_rows(rule: Rule, cats: dict[str, list[int]], index: sqlite3.Connection) -> list[int]:
    """Indexes (in the day's order) of the day's papers a rule matches: its category's papers and
    those its expression finds in the day's index (:func:`day_index`)."""
    found = cats.get(rule.category, []) if rule.category is not None else []
    if not rule.fts:
        return found
    hits = search(rule.fts, index)
    return sorted(set(found).union(hits)) if found else hits


def search(expression: str, index: sqlite3.Connection) -> list[int]:
    try:
        return sorted(r for (r,) in index.execute("select rowid from day where day match ?", [expression]))
    except sqlite3.Error as err:  # a malformed expression matches nothing (never a traceback)
        log.warning("follows: FTS query failed (%s): %r", err, expression)
        return []


def by_category(rows) -> dict[str, list[int]]:
    """category -> indexes of the day's ``(paper, label)`` rows of that category, in order."""
    out: dict[str, list[int]] = {}
    for i, (_, label) in enumerate(rows):
        out.setdefault(label.category, []).append(i)
    return out


@dataclass(frozen=True)
class Match:
    paper: Paper
    category: str


class FollowMatcher:
    """Matches follows against one stored day's papers (all of them)."""

    def __init__(self, store, taxonomy):
        self.store = store
        self.taxonomy = taxonomy
        self._rules: dict[str, Rule] = {}

    def rule(self, text: str) -> Rule:
        rule = self._rules.get(text)
        if rule is None:
            rule = self._rules[text] = compile_follow(text, self.taxonomy)
        return rule

    def day_matches(self, day: date, follows: dict[str, list[Follow]]) -> dict[str, list[Match]]:
        """user -> the day's papers their follows match (in the day's order), users without
        matches left out."""
        if not follows:
            return {}
        rows = self.store.day_papers(day)
        if not rows:
            return {}
        with closing(day_index(rows)) as index:
            found = self._found(rows, index, follows)
        made: dict[int, Match] = {}

        def match(i: int) -> Match:
            m = made.get(i)
            if m is None:
                m = made[i] = Match(rows[i][0], rows[i][1].category)
            return m

        out: dict[str, list[Match]] = {}
        for user, fs in follows.items():
            lists = [found[f.text] for f in fs if found[f.text]]
            if not lists:
                continue
            ids = lists[0] if len(lists) == 1 else sorted(set().union(*lists))
            out[user] = [match(i) for i in ids]
        return out

    def _found(self, rows, index, follows) -> dict[str, list[int]]:
        """follow text -> indexes of its papers, in the day's order (each distinct text once)."""
        cats = by_category(rows)
        rules = {f.text: self.rule(f.text) for fs in follows.values() for f in fs}
        return {text: rule_rows(rule, cats, index) for text, rule in rules.items()}


def day_index(rows) -> sqlite3.Connection:
    """The day's titles and abstracts in an in-memory FTS5 table with the archive index's own
    tokenizer (rowid = position in the day): each follow's query then reads the day's few
    thousand words, not the archive's posting lists (see the module docstring)."""
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    conn.execute(f"create virtual table day using fts5(title, abstract, tokenize='{TOKENIZER}')")
    conn.executemany("insert into day (rowid, title, abstract) values (?, ?, ?)",
                     [(i, p.title or "", p.abstract or "") for i, (p, _) in enumerate(rows)])
    return conn
