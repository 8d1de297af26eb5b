"""Sentence splitting, keyphrases and sentence picking for the offline synthesis (no model, no network).

Keyphrases are noun-phrase-like runs: text is cut at punctuation and at the words of
:mod:`digest.lexicon` that cannot be inside a technical term (function words, linking verbs,
adverbs, numbers), so ``Let Vision Language Models Reason`` gives ``vision language models``,
not ``let vision language``. Runs are counted as 1-4 word phrases under a normal form
(case, hyphens and a plural ``s`` ignored: ``vision-language model`` = ``Vision Language
Models``) and shown in their most used spelling. A phrase that only repeats a longer one of
the same count is dropped, and no keyword is junk by :func:`digest.lexicon.junk_keyword`.

Measured against YAKE on the real days (bench/bench_offline_quality.py, docs/benchmarks.md):
no verb or preposition fragments (YAKE: about one in nine), a shared keyword in 32 of 36
multi-paper sections (YAKE: 13), 14x faster, and no AGPL dependency.

Sentences are picked per part by cue words (results and numbers for findings, applications
for impact, limitations and future work for outlook); boilerplate and text addressed to an AI
are never picked.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from functools import lru_cache

from digest import lexicon
from digest.untrusted import is_injection

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])")
_ABBREV = re.compile(r"\b(?:e\.g|i\.e|et al|etc|vs|Fig|Eq|cf)\.$", re.IGNORECASE)
# a token: letters/digits joined by - + ' and by dots between digits ("Xmodel-1.5", "GPT-4o")
_TOKEN = re.compile(r"[^\W_](?:[^\W_]|[+'\u2019]|-(?=[^\W_])|\.(?=\d))*")
_CHUNK = re.compile(r"[,;:()\[\]{}\"“”!?]|\.(?!\d)|\s[-–—]\s|\s[–—]|[–—]\s")
_URL = re.compile(r"https?://\S+|www\.\S+|\S+\.(?:com|org|io|net)\S*")
_DIGIT = re.compile(r"\d")
_FIGURE = re.compile(r"\d(?:[\d.,]*\d)?\s*(?:%|\\%|x\b|×|points?\b|pp\b|times\b|fold\b|ms\b|s\b)|\d\.\d",
                     re.IGNORECASE)
MAX_WORDS = 4

FINDING_CUES = ("we show", "results show", "show that", "find that", "found that", "reveal",
                "outperform", "surpass", "achiev", "improv", "boost", "gain", "reduc", "speedup",
                "speed up", "faster", "accuracy", "state-of-the-art", "better than", "beats",
                "significantly", "competitive", "matches", "comparable", "up to", "times",
                "demonstrat", "%", "×")
IMPACT_CUES = ("enabl", "application", "applicab", "practical", "real-world", "real world",
               "deploy", "industr", "clinical", "medical", "health", "patient", "safety", "safer",
               "cost", "cheap", "accessib", "benefit", "impact", "implication", "useful", "users",
               "practitioner", "developer", "suitable for", "facilitat", "democratiz", "on-device",
               "mobile", "edge device", "consumer", "can be used", "can be applied", "downstream",
               "making it", "allowing", "allows", "empower", "scalab", "affordab", "robot",
               "autonomous", "education", "scientific discovery", "society", "trust")
OUTLOOK_CUES = ("future", "limitation", "remain", "open question", "open problem", "challenge",
                "promising", "pave", "direction", "step toward", "steps toward", "foundation for",
                "potential", "opportunit", "further", "we hope", "insight", "call for", "need for",
                "lesson", "highlight", "underscore", "suggest", "warrant", "avenue", "next generation",
                "inspire", "shed light", "open up", "opens up", "towards", "toward", "yet to",
                "unexplored", "still", "scaling")
# Openings of background sentences: they describe prior work, not this paper's findings.
BACKGROUND_OPENINGS = ("recent", "existing", "traditional", "despite", "however", "while",
                       "although", "current", "conventional", "prior", "previous", "most ",
                       "in recent", "with the", "as ", "many ", "large language models (llms) have")
# Openings of method sentences dressed as motivation ("To address these limitations, we propose").
METHOD_OPENINGS = ("to ", "in this paper", "in this work", "we propose", "we introduce", "we present",
                   "this paper", "specifically", "first", "second", "third", "finally", "then")
_METHOD = re.compile(r"\bwe (?:propose|introduce|present|design|develop|construct|build|adopt|employ)\b",
                     re.IGNORECASE)


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


# --- keyphrases ---------------------------------------------------------------------------------

def _norm_word(word: str) -> str:
    w = word.lower().replace("\u2019", "'")
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is", "'s")) and not _DIGIT.search(w):
        w = w[:-1]
    return w


def norm(phrase: str) -> str:
    """The form phrases are counted under: lower case, hyphens as spaces, no plural ``s``."""
    return " ".join(_norm_word(w) for w in phrase.replace("-", " ").split())


def runs(text: str) -> list[list[str]]:
    """Runs of words that can be inside a technical term, in text order."""
    out: list[list[str]] = []
    text = unicodedata.normalize("NFC", text)
    for chunk in _CHUNK.split(_URL.sub(" , ", text)):
        run: list[str] = []
        for token in _TOKEN.findall(chunk):
            token = token.rstrip("'\u2019")  # "models'" (a plural possessive) is "models"
            if lexicon.breaks_phrase(token) or token.lower().endswith("'s"):
                if run:
                    out.append(run)
                run = []
            else:
                run.append(token)
        if run:
            out.append(run)
    return out


class _Counts:
    """Phrase counts of one text: normal form -> uses, and the spellings seen."""

    def __init__(self, title: str, abstract: str, title_weight: int = 2):  # see _counts
        self.tf: Counter[str] = Counter()
        self.in_title: set[str] = set()
        self.spelling: dict[str, dict[str, int]] = {}
        self.named: Counter[str] = Counter()  # uses spelled as a coined name
        for text, weight, is_title in ((title, title_weight, True), (abstract, 1, False)):
            for run in runs(text):
                low = [w.lower() for w in run]
                normed = [norm(w) for w in low]
                for n in range(1, min(MAX_WORDS, len(run)) + 1):
                    for i in range(len(run) - n + 1):
                        surface = " ".join(low[i:i + n])
                        if _junk(low, i, n, surface):
                            continue
                        key = " ".join(normed[i:i + n])
                        if n == 1 and _is_name(run[i]):
                            self.named[key] += 1
                        self.tf[key] += weight
                        forms = self.spelling.setdefault(key, {})
                        forms[surface] = forms.get(surface, 0) + 1
                        if is_title:
                            self.in_title.add(key)

    def shown(self, key: str) -> str:
        forms = self.spelling[key]
        return max(forms, key=forms.__getitem__)


def _junk(words: list[str], i: int, n: int, surface: str) -> bool:
    """lexicon.junk_keyword for a piece of a run, without its slow path where it cannot apply:
    a run holds no word that breaks a phrase, so a longer piece is junk only when all its words
    are generic or it opens with a verb's -ing form (tests/test_offline_real_days.py checks
    every shown keyword with junk_keyword itself)."""
    if n == 1:
        return lexicon.junk_keyword(surface) is not None
    first = words[i]
    if first.endswith("ing") or all(w in lexicon.GENERIC_WORDS for w in words[i:i + n]):
        return lexicon.junk_keyword(surface) is not None
    return False


@lru_cache(maxsize=256)
def _counts(title: str, abstract: str) -> _Counts:
    """One paper's counts, shared by its themes and its category's shared keywords (read only;
    a day's summaries use ~50 papers per language, so a small cache keeps the bot's memory flat)."""
    return _Counts(title, abstract)


def _score(key: str, tf: int, in_title: bool) -> float:
    n = key.count(" ") + 1
    return tf * (1.5 if n > 1 else 1) + (1.5 if in_title else 0) - 0.3 * max(0, n - 2)


def _without_parts(keys: list[str], tf: Counter) -> list[str]:
    """Drop a phrase used only inside a longer kept phrase (``language models`` counted no
    more often than ``vision language models``)."""
    cover: dict[str, int] = {}
    for key in keys:
        words = key.split()
        for n in range(1, len(words)):
            for i in range(len(words) - n + 1):
                sub = " ".join(words[i:i + n])
                cover[sub] = max(cover.get(sub, 0), tf[key])
    return [k for k in keys if cover.get(k, 0) < tf[k]]


def _initials(phrase: str) -> set[str]:
    """``large multi-modal models`` -> {``lmmm``, ``lmm``}: hyphenated words as one or as two."""
    low = phrase.lower()
    return {"".join(w[0] for w in low.replace("-", " ").split()), "".join(w[0] for w in low.split())}


def _same(p: str, q: str) -> bool:
    """``p`` repeats ``q``: one inside the other word for word, or one the other's acronym
    (``mllms`` = ``multimodal large language models``)."""
    a, b = f" {norm(p)} ", f" {norm(q)} "
    if a in b or b in a:
        return True
    for word, phrase in ((p, q), (q, p)):
        w = word.lower()
        if " " not in w and " " in norm(phrase) and len(w) >= 2 and \
                ({w, w.removesuffix("s")} & _initials(phrase)):
            return True
    return False


def _dedupe(phrases: list[str], k: int) -> list[str]:
    """Top ``k`` phrases, skipping one that repeats a phrase already taken."""
    out: list[str] = []
    for p in phrases:
        if any(_same(p, q) for q in out):
            continue
        out.append(p)
        if len(out) == k:
            break
    return out


def _is_name(surface: str) -> bool:
    """A coined name (``SmoothCache``, ``LLaVA-o1``, ``GPT-4o``): capitals inside or a digit."""
    return bool(_DIGIT.search(surface)) or any(ch.isupper() for part in surface.split("-")
                                               for ch in part[1:])


def paper_keyphrases(title: str, abstract: str, k: int = 3) -> list[str]:
    """The top phrases of one paper: multi-word phrases used twice (a title use counts
    twice) first, then coined names, then other words of the title or used three times."""
    counts = _counts(title, abstract)
    keys = _without_parts(list(counts.tf), counts.tf)

    def tier(key: str) -> int | None:
        tf, titled = counts.tf[key], key in counts.in_title
        if " " in key:
            return 0 if tf >= 2 else None
        if counts.named[key] and (titled or tf >= 2):
            return 1
        return 2 if titled or tf >= 3 else None

    tiers = {key: tier(key) for key in keys}
    ranked = sorted((key for key in keys if tiers[key] is not None),
                    key=lambda key: (tiers[key], -_score(key, counts.tf[key], key in counts.in_title), key))
    return _dedupe([counts.shown(key) for key in ranked], k)


def shared_keyphrases(docs: list[str], k: int = 5,
                      titles: list[str] | None = None) -> list[tuple[str, int]]:
    """Phrases used by two or more papers, ``(phrase, papers using it)``: multi-word phrases
    first, then single words that also stand in a title or recur; each ranked by how many
    papers use it, then by total use.

    ``docs`` are the papers' abstracts and ``titles`` their titles (without titles, a doc is
    read as title and abstract in one). With a single paper nothing is shared: the result is
    empty (see :func:`paper_keyphrases`).
    """
    if len(docs) < 2:
        return []
    titles = titles or [""] * len(docs)
    per_doc = [_counts(t, d) for t, d in zip(titles, docs)]
    df: Counter[str] = Counter()
    tf: Counter[str] = Counter()
    in_title: set[str] = set()
    for c in per_doc:
        df.update(c.tf.keys())
        tf.update(c.tf)
        in_title |= c.in_title
    pool = [key for key, n in df.items() if n >= 2]
    pool = _without_parts(pool, df)
    multi = [key for key in pool if " " in key]
    single = [key for key in pool if " " not in key and key in in_title]
    rank = lambda key: (-df[key], -(key in in_title), -tf[key], key)  # noqa: E731
    ranked = sorted(multi, key=rank) + sorted(single, key=rank)
    spelling: dict[str, Counter[str]] = defaultdict(Counter)
    for c in per_doc:
        for key in ranked:
            spelling[key].update(c.spelling.get(key, {}))
    shown = {spelling[key].most_common(1)[0][0]: key for key in ranked}
    chosen = _dedupe(list(shown), k)
    return [(p, df[shown[p]]) for p in chosen]


# --- sentences ----------------------------------------------------------------------------------

def quotable(sentence: str) -> bool:
    """A sentence worth quoting: not boilerplate, not addressed to an AI, not a bare link."""
    return not lexicon.is_boilerplate(sentence)


def quotable_sentences(abstract: str) -> list[str]:
    """The abstract's sentences that may be quoted, in order (boilerplate and text addressed
    to an AI left out). The injection pattern is tried on the whole abstract first: most
    abstracts have none, and it is the slow test."""
    sentences = split_sentences(abstract)
    if not is_injection(abstract):
        return [s for s in sentences if not lexicon.looks_like_boilerplate(s)]
    return [s for s in sentences if quotable(s)]


def sentence_score(s: str, i: int, n: int, cues: tuple[str, ...], keyphrases: list[str]) -> float:
    """How well sentence ``i`` of ``n`` fits the part whose ``cues`` are given (0 = no cue)."""
    low = s.lower()
    cue = sum(c in low for c in cues)
    if not cue and cues is not FINDING_CUES:  # a finding may be a bare figure; the others need a cue
        return 0.0
    score = 2 * min(cue, 3) + 0.5 * sum(p.lower() in low for p in keyphrases) - len(s) / 1000
    if cues is FINDING_CUES:  # a measured result beats a sentence full of praise words
        score += 3 * bool(_FIGURE.search(s)) + bool(_DIGIT.search(s)) + (0.3 if i else 0)
        if low.startswith(BACKGROUND_OPENINGS):
            score -= 2.5
    else:  # a paper's own consequences and open ends come late in its abstract, after the method
        score -= 2.5 * low.startswith(BACKGROUND_OPENINGS) + 2.5 * low.startswith(METHOD_OPENINGS)
        score -= 1.5 * bool(_METHOD.search(s))
        score += 1.5 * i / max(1, n - 1) - (1.5 if i == 0 else 0)
    return score


def best_sentence(sentences: list[str], cues: tuple[str, ...], keyphrases: list[str],
                  exclude: set[str] = frozenset(), require_cue: bool = False,
                  min_score: float = 0.0) -> str | None:
    """The sentence with the most cue words, figures and keyphrases; None when none scores
    above ``min_score`` (with ``require_cue``, a sentence without any cue never qualifies).

    ``sentences`` come from :func:`quotable_sentences` (text addressed to an AI already out)."""
    best, best_score = None, min_score
    for i, s in enumerate(sentences):
        if s in exclude or lexicon.looks_like_boilerplate(s):  # a cheap guard: callers pass
            continue                                                # quotable_sentences()
        score = sentence_score(s, i, len(sentences), cues, keyphrases)
        if score > best_score:
            best, best_score = s, score
    return best
