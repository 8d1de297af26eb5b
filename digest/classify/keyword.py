"""Paper -> category. KeywordClassifier is the offline default (LLMClassifier lives in llm_classify).

Interface every classifier follows: ``classify(papers) -> {arxiv_id: Classification}``,
one entry for every paper given.

The keyword classifier scores every category of the taxonomy from weighted phrases
(``"jailbreak^4"`` in ``taxonomy.toml``) found in the title and the abstract, plus the
paper's arXiv subject classes when the source has them (RSS does, Hugging Face lists do
not). The text is split into words once; phrases are found by dictionary look-ups,
longest phrase first, so that "multimodal large language model" counts for Multimodal
and not also as "large language model" for LLM. A title hit counts ``title_weight``
times an abstract hit; a phrase repeated in the abstract counts with diminishing returns.
Below ``min_score`` the paper goes to the fallback category with a low confidence.
"""

from __future__ import annotations

import math
import re
from typing import Protocol

from digest.models import Classification, Paper
from digest.classify.taxonomy import Taxonomy

_WORD = re.compile(r"[a-z0-9]+")
_REPEAT = [0.0] + [1.0 + math.log2(n) for n in range(1, 65)]  # diminishing returns per repeat
_CACHE_LIMIT = 200_000


class Classifier(Protocol):
    name: str

    def classify(self, papers: list[Paper]) -> dict[str, Classification]: ...


def words(text: str) -> list[str]:
    """Lower-case alphanumeric words: "Vision-Language Models (VLMs)" -> vision language models vlms."""
    return _WORD.findall(text.lower())


def _variants(tokens: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The phrase and its plural forms (last word + s / es / y -> ies)."""
    *head, last = tokens
    forms = [last, last + "s", last + "es"]
    if last.endswith("y") and len(last) > 2:
        forms.append(last[:-1] + "ies")
    return [(*head, f) for f in forms]


class KeywordClassifier:
    """Weighted phrase scores from title, abstract and arXiv classes; fast and offline."""

    name = "keyword"

    def __init__(self, taxonomy: Taxonomy):
        self.taxonomy = taxonomy
        settings = taxonomy.settings
        self._title_weight = settings["title_weight"]
        self._min_score = settings["min_score"]
        self._cross = settings["arxiv_cross"]
        self._names = [c.name for c in taxonomy]
        self._fallback = self._names.index(taxonomy.fallback.name)

        # term id -> [(category index, weight)]; a phrase may count for several categories
        effects: dict[tuple[str, ...], dict[int, float]] = {}
        wild: dict[str, dict[int, float]] = {}
        for ci, cat in enumerate(taxonomy):
            for phrase, weight in cat.weighted_keywords():
                if phrase.endswith("*"):
                    target = wild.setdefault(phrase.rstrip("*").strip(), {})
                else:
                    toks = tuple(words(phrase))
                    if not toks:
                        continue
                    target = effects.setdefault(toks, {})
                target[ci] = weight  # the same words listed twice: the last weight wins
        self._effects: list[tuple[tuple[int, float], ...]] = []
        phrase_ids: dict[tuple[str, ...], int] = {}
        for toks, eff in effects.items():
            phrase_ids[toks] = len(self._effects)
            self._effects.append(tuple(eff.items()))
        for toks, tid in list(phrase_ids.items()):  # plural forms, unless listed on their own
            for form in _variants(toks):
                phrase_ids.setdefault(form, tid)
        self._index: dict[str, list[tuple[tuple[str, ...], int]]] = {}
        for toks, tid in phrase_ids.items():
            self._index.setdefault(toks[0], []).append((toks, tid))
        for cands in self._index.values():
            cands.sort(key=lambda c: -len(c[0]))  # longest phrase first
        self._wild = []
        for prefix, eff in wild.items():
            self._wild.append((prefix, len(self._effects)))
            self._effects.append(tuple(eff.items()))
        self._wild_cache: dict[str, int] = {}

        self._arxiv: dict[str, list[tuple[int, float]]] = {}
        for ci, cat in enumerate(taxonomy):
            for cls, weight in cat.arxiv:
                self._arxiv.setdefault(cls, []).append((ci, weight))

    # ------------------------------------------------------------------ matching

    def _wild_term(self, tok: str) -> int:
        tid = self._wild_cache.get(tok)
        if tid is None:
            tid = next((t for prefix, t in self._wild if tok.startswith(prefix)), -1)
            if len(self._wild_cache) > _CACHE_LIMIT:
                self._wild_cache.clear()
            self._wild_cache[tok] = tid
        return tid

    def _terms(self, tokens: list[str]) -> dict[int, int]:
        """term id -> occurrences, longest phrase first, no overlaps."""
        found: dict[int, int] = {}
        index, has_wild = self._index, bool(self._wild)
        i, n = 0, len(tokens)
        while i < n:
            tok = tokens[i]
            hit, step = -1, 1
            cands = index.get(tok)
            if cands is not None:
                for toks, tid in cands:
                    size = len(toks)
                    if size == 1 or tuple(tokens[i:i + size]) == toks:
                        hit, step = tid, size
                        break
            if hit < 0 and has_wild:
                hit = self._wild_term(tok)
            if hit >= 0:
                found[hit] = found.get(hit, 0) + 1
            i += step
        return found

    def scores(self, paper: Paper) -> dict[str, float]:
        """Evidence per category name (0 where none); the basis of ``classify_one``."""
        return dict(zip(self._names, self._score(paper)))

    def _score(self, paper: Paper) -> list[float]:
        score = [0.0] * len(self._names)
        effects, tw = self._effects, self._title_weight
        title = self._terms(words(paper.title))
        abstract = self._terms(words(paper.abstract)) if paper.abstract else {}
        for tid in title.keys() | abstract.keys():
            n = abstract.get(tid, 0)
            mult = (tw if tid in title else 0.0) + (_REPEAT[n] if n < 64 else _REPEAT[64])
            for ci, w in effects[tid]:
                score[ci] += w * mult
        if paper.categories and self._arxiv:
            for pos, cls in enumerate(paper.categories):
                share = 1.0 if pos == 0 else self._cross
                for ci, w in self._arxiv.get(cls, ()):
                    score[ci] += w * share
        return [s if s > 0.0 else 0.0 for s in score]  # negative keywords lower, never below zero

    # ------------------------------------------------------------------ deciding

    def classify_one(self, paper: Paper) -> Classification:
        score = self._score(paper)
        best = max(range(len(score)), key=score.__getitem__)  # ties: the earlier category
        top = score[best]
        if top < self._min_score or best == self._fallback:
            # weak evidence: the fallback, less sure the more any category was hinted at
            hint = max((s for i, s in enumerate(score) if i != self._fallback), default=0.0)
            if best == self._fallback and top >= self._min_score:
                conf = 0.3 + 0.3 * (top - max(hint, 0.0)) / top
            else:
                conf = 0.3 - 0.1 * min(max(hint, 0.0) / self._min_score, 1.0)
            return Classification(paper.arxiv_id, self._names[self._fallback], round(conf, 3), self.name)
        second = max((s for i, s in enumerate(score) if i != best), default=0.0)
        margin = (top - max(second, 0.0)) / top  # 0 (a tie) .. 1 (nothing else)
        strength = top / (top + 4.0 * self._min_score)  # 0.2 at min_score, -> 1 with evidence
        conf = 0.3 + 0.69 * min(1.0, strength * 1.25) * (0.35 + 0.65 * margin)
        return Classification(paper.arxiv_id, self._names[best], round(conf, 3), self.name)

    def classify(self, papers: list[Paper]) -> dict[str, Classification]:
        one = self.classify_one
        return {p.arxiv_id: one(p) for p in papers}
