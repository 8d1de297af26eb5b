"""Sentence splitting and keyphrase scoring for the extractive summarizer (no models, no network).

Keyphrases are RAKE-style candidates (runs of content words between stopwords), scored by how
many of the category's papers use them and how long they are; sentences are scored by cue words
(results, impact, outlook) plus the keyphrases they contain.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

STOPWORDS = frozenset("""
a an the and or but if then else of for to in on at by with from into over under about as is are
was were be been being this that these those it its we our us they their them he she his her you
your i me my can could may might will would shall should must do does did done not no nor so such
than too very also both each few more most other some any all only own same just which who whom
whose what when where why how there here via per using use used based new novel approach method
methods paper propose proposed proposes present presents show shows shown introduce introduces
work study studies while however thus therefore moreover furthermore whereas across between within
without through during before after above below up down out off again further once one two three
first second third many much well even still yet often among toward towards upon since because
existing recent recently significant significantly different various several including include
includes e.g i.e etc model models results task tasks data framework performance achieve achieves
state art sota demonstrate demonstrates experiments experimental extensive evaluate evaluation
""".split())

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])")
_ABBREV = re.compile(r"\b(?:e\.g|i\.e|et al|etc|vs|Fig|Eq|cf)\.$", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9\-+']*|\d+(?:\.\d+)?%?")
_SPLITTER = re.compile(r"[,;:()\[\]\"]|\s[-–—]\s")

FINDING_CUES = ("we show", "results show", "outperform", "achiev", "improv", "state-of-the-art",
                "surpass", "demonstrat", "reduc", "accuracy", "speedup", "gain", "%", "better than",
                "significantly", "find that", "reveal")
IMPACT_CUES = ("enabl", "application", "practical", "real-world", "deploy", "industr", "clinical",
               "safety", "cost", "accessib", "benefit", "impact", "implication", "useful", "users",
               "crucial", "critical", "essential", "important", "widely")
OUTLOOK_CUES = ("future", "further research", "we release", "released", "will be", "publicly available",
                "available at", "github", "pave", "promising", "direction", "step toward",
                "limitation", "potential", "opportunit", "foundation for")
# Words too common in abstracts to be anyone's "shared keyword".
GENERIC = frozenset("""
large address advance advances advancements approaches benchmark benchmarks capabilities capability
challenge challenges challenging complex diverse effective effectively efficiency enhance enhances
enhancing improve improves improved improving level novel outperforms outperform problem problems
process provide provides quality range robust setting settings solution solutions strategies strategy
strong techniques technique via wide leverage leverages leveraging ability abilities analysis
available code extensive findings generate generates high key limited lack make makes paper
propose accuracy remains remain critical crucial important essential significant existing
achieving achieved achieves address addresses addressing applications application better
consistently datasets dataset demonstrating developed develop generalize including introduces
introducing maintaining notably particularly potential previous real requires requiring scenarios
specific standard substantial superior traditional understanding various widely world
additionally finally furthermore specifically project page https http github www com org
experiments results methods propose proposed introduce paper work approach
keeps keep kept despite comprehensive beats beat allows allow allowing enables enable yields yield
named uses runs run holds hold gives give takes take require needs need leads lead makes shows
while whether often usually simple simply new recent given overall able less lower higher best
""".split())
_URL = re.compile(r"https?://\S+|www\.\S+")


def split_sentences(text: str) -> list[str]:
    """Sentences of an abstract, with line breaks undone and abbreviations kept whole."""
    text = " ".join(text.split())
    if not text:
        return []
    parts = _SENTENCE_END.split(text)
    merged: list[str] = []
    for part in parts:
        if merged and _ABBREV.search(merged[-1]):
            merged[-1] = f"{merged[-1]} {part}"
        else:
            merged.append(part)
    return [s.strip() for s in merged if len(s.strip()) > 20]


def candidate_phrases(text: str) -> list[str]:
    """Runs of 1-3 content words, lower-cased (RAKE candidates)."""
    phrases: list[str] = []
    for chunk in _SPLITTER.split(_URL.sub(" ", text)):
        run: list[str] = []
        for word in _WORD.findall(chunk):
            lw = word.lower()
            if lw in STOPWORDS or len(lw) < 3 or lw[0].isdigit():
                if run:
                    phrases.extend(_grams(run))
                run = []
            else:
                run.append(lw)
        if run:
            phrases.extend(_grams(run))
    return phrases


def _grams(run: list[str]) -> Iterable[str]:
    if len(run) <= 3:
        yield " ".join(run)
    else:  # long runs: every trigram, so "long context llm inference" still yields useful phrases
        for i in range(len(run) - 2):
            yield " ".join(run[i:i + 3])


def paper_keyphrases(title: str, abstract: str, k: int = 3) -> list[str]:
    """The top phrases of one paper: frequent in its text, title words counted double."""
    counts = Counter(candidate_phrases(abstract))
    for phrase in candidate_phrases(title):
        counts[phrase] += 2
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1] * (1 + 0.5 * kv[0].count(" ")), kv[0]))
    return _dedupe([p for p, _ in ranked], k)


def shared_keyphrases(docs: list[str], k: int = 5,
                      titles: list[str] | None = None) -> list[tuple[str, int]]:
    """Phrases used by the most papers (document frequency), then by total use: ``(phrase, df)``.

    A phrase must be shared by two or more papers (or, for a single paper, repeated or in its
    title), and a lone word must also occur in a title or three times: RAKE runs between
    stopwords also catch verbs ("keeps", "already holds"), which titles rarely contain.
    """
    df: Counter[str] = Counter()
    tf: Counter[str] = Counter()
    for doc in docs:
        phrases = candidate_phrases(doc)
        tf.update(phrases)
        df.update(set(phrases))
    words: Counter[str] = Counter()  # single words shared across papers are keywords too
    word_tf: Counter[str] = Counter()
    for doc in docs:
        doc_words = [w for p in candidate_phrases(doc) for w in p.split()]
        word_tf.update(doc_words)
        words.update(set(doc_words))
    for word, n in words.items():
        if n > df.get(word, 0):
            df[word] = n
            tf[word] = max(tf[word], word_tf[word])
    title_text = " ".join(titles or []).lower()
    need = 2 if len(docs) > 1 else 1

    def eligible(p: str) -> bool:
        if df[p] < need or p in GENERIC or all(w in GENERIC for w in p.split()):
            return False
        in_title = p in title_text
        if " " not in p:
            return in_title or tf[p] >= 3
        return len(docs) > 1 or in_title or tf[p] >= 2

    pool = [p for p in df if eligible(p)]
    ranked = sorted(pool, key=lambda p: (-df[p], -(p.count(" ") > 0), -(p in title_text), -tf[p], p))
    chosen = _dedupe(ranked, k)
    return [(p, df[p]) for p in chosen]


def _dedupe(phrases: list[str], k: int) -> list[str]:
    """Top ``k`` phrases, skipping one that is contained in (or contains) a phrase already taken."""
    out: list[str] = []
    for p in phrases:
        if any(p in q or q in p for q in out):
            continue
        out.append(p)
        if len(out) == k:
            break
    return out


# Openings of background sentences: they describe prior work, not this paper's findings.
BACKGROUND_OPENINGS = ("recent", "existing", "traditional", "despite", "however", "while",
                       "although", "current", "conventional", "prior", "previous", "most ")


def best_sentence(sentences: list[str], cues: tuple[str, ...], keyphrases: list[str],
                  exclude: set[str] = frozenset(), require_cue: bool = False) -> str | None:
    """The sentence with the most cue words and keyphrases; None when nothing qualifies."""
    best, best_score = None, 0.0
    for i, s in enumerate(sentences):
        if s in exclude or (_URL.search(s) and cues is FINDING_CUES):
            continue
        low = s.lower()
        cue = sum(c in low for c in cues)
        if require_cue and not cue:
            continue
        score = 2 * cue + sum(p in low for p in keyphrases) + (0.5 if i == 0 else 0) - len(s) / 1000
        if cues is FINDING_CUES and low.startswith(BACKGROUND_OPENINGS):
            score -= 2.5
        if score > best_score:
            best, best_score = s, score
    return best
