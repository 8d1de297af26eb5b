"""What a question is about, as search terms: Latin content words, Korean words mapped to
English through the glossary and the taxonomy's aliases, Hangul stems for Korean summaries,
and distinctive names ("Hymba", "GPT-4", an arXiv id, a quoted title) kept as typed.

The papers are English: a Korean question is searched through :data:`digest.glossary.QUERY_TERMS_KO`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from digest.ask.guards import ARXIV_ID, QUOTED
from digest.ask.language import HAN, HANGUL, HANGUL_WORD, KANA, LATIN_WORD
from digest.glossary import QUERY_TERMS_KO, QUESTION_PARTICLES_KO, RESEARCH_WORDS_KO
from digest.models import Paper

# A paper's link in a question stands for its id: "https", "arxiv.org" and "abs" are no query words.
PAPER_LINK = re.compile(r"(?:https?://)?(?:www\.)?(?:arxiv\.org/(?:abs|pdf)|huggingface\.co/papers)/"
                        r"(\d{4}\.\d{4,5})(?:v\d+)?(?:\.pdf)?/?", re.IGNORECASE)
NAME_TOKEN = re.compile(r"[0-9A-Za-z\u00c0-\u024f][0-9A-Za-z\u00c0-\u024f.+\-]*[0-9A-Za-z\u00c0-\u024f+]"
                         r"|[A-Za-z]")
KO_PARTICLES = QUESTION_PARTICLES_KO

STOPWORDS = frozenset("""
a an the and or but if then of for to in on at by with from into over under about as is are was
were be been being this that these those it its we our us they their them he she his her you your
i me my can could may might will would shall should must do does did done not no so such than too
very also both each few more most other some any all only own same just which who whom whose what
when where why how there here via per use used using new way ways get gets make makes made give
gives one ones paper papers digest digests today todays yesterday article articles please tell
explain know anything something show find help helps helped would like want wants need needs
difference differences compare compared comparison versus vs between among work works does did
earlier previous past older prior last week weeks month months archive day days ago ever
thanks thank hi hello hey let lets say says said think mean means
""".split())

# Words that make a question about research even when nothing matched it.
RESEARCH_WORDS = frozenset("""
paper papers model models method methods approach dataset datasets data benchmark benchmarks
training train trained learning learn neural network networks ai llm llms research result results
experiment experiments architecture algorithm algorithms inference study studies author authors
arxiv digest performance evaluation accuracy task tasks transformer transformers attention
generation generative diffusion reasoning agent agents robot robots vision language speech audio
image images video videos text token tokens embedding embeddings fine finetuning tuning
""".split())


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    word = word.lower()
    for suffix in ("ations", "ation", "ings", "ing", "ies", "ied", "ers", "er", "ed", "es", "s",
                   "al", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def stem_set(text: str) -> set[str]:
    return {stem(w) for w in LATIN_WORD.findall(text.lower()) if len(w) > 2}


def matched(query: set[str], words: set[str]) -> set[str]:
    """The query stems found among ``words`` (a shared prefix of 5+ letters counts:
    structur/structure, predict/prediction)."""
    found = query & words
    for q in query - found:
        if len(q) >= 5 and any(w.startswith(q) or (len(w) >= 5 and q.startswith(w)) for w in words):
            found.add(q)
    return found


GENERIC_TERMS = frozenset({"model", "method", "approach", "paper", "data", "task", "result", "work",
                           "study", "propos", "large", "based", "improv"})


def ko_stem(word: str) -> str:
    for particle in KO_PARTICLES:
        if word.endswith(particle) and len(word) - len(particle) >= 2:
            return word[: -len(particle)]
    return word


def query_stems(terms: Terms) -> set[str]:
    return {stem(w) for w in terms.words if len(w) > 2} - GENERIC_TERMS


def coverage(query: set[str], paper: Paper) -> float:
    """The share of the question's stems found in the paper's title and abstract."""
    if not query:
        return 0.0
    return len(matched(query, stem_set(f"{paper.title} {paper.abstract}"))) / len(query)


@dataclass(frozen=True)
class Terms:
    """What the question is about, in forms the FTS indexes understand."""

    words: tuple[str, ...]  # Latin-script content words (lower-case), incl. mapped Korean terms
    phrases: tuple[tuple[str, ...], ...]  # multi-word phrases (from the glossary or quotes)
    hangul: tuple[str, ...]  # Hangul stems, for Korean category summaries
    names: tuple[str, ...]  # distinctive names as typed ("Hymba", "GPT-4", an arXiv id, a quoted title)
    mapped: bool  # a Korean word was translated through the glossary or taxonomy
    research: bool  # the question uses research vocabulary

    @property
    def empty(self) -> bool:
        return not (self.words or self.phrases or self.hangul)


class TermExtractor:
    """Query terms of questions, with the taxonomy's words: its Korean aliases map Korean
    questions to categories, and none of its words counts as a distinctive name."""

    def __init__(self, taxonomy):
        self.taxonomy = taxonomy
        self._vocab = self._taxonomy_vocab()  # every taxonomy word: never a "name"
        self.topics = self._taxonomy_vocab(keywords=False)  # category names and aliases

    def extract(self, text: str) -> Terms:
        """Query terms of a question: Latin content words, Korean words mapped to English,
        Hangul stems, and distinctive names."""
        text = PAPER_LINK.sub(r"\1", text)
        lowered = text.lower()
        words: list[str] = []
        phrases: list[tuple[str, ...]] = []
        for w in LATIN_WORD.findall(lowered):
            if w not in STOPWORDS and (len(w) > 1 or w.isdigit()) and w not in words:
                words.append(w)
        research = any(w in RESEARCH_WORDS or w in self.topics for w in words)
        research = research or any(k in text for k in RESEARCH_WORDS_KO)
        mapped = False
        if HANGUL.search(text):
            for ko, en in QUERY_TERMS_KO.items():
                if ko in lowered:
                    mapped = True
                    parts = en.replace("-", " ").split()
                    if " " in en.strip():
                        phrases.append(tuple(parts))
                    words.extend(p for p in parts if p not in words and p not in STOPWORDS)
            for cat in self.taxonomy:
                for alias in cat.aliases:
                    if HANGUL.search(alias) and alias.lower() in lowered:
                        mapped = True
                        extra = [cat.name] + [k for k in cat.keywords[:3]]
                        for phrase in extra:
                            parts = LATIN_WORD.findall(phrase.lower())
                            words.extend(p for p in parts if p not in words and p not in STOPWORDS)
        hangul = []
        for w in HANGUL_WORD.findall(text):
            root = ko_stem(w)
            if len(root) >= 2 and root not in hangul:
                hangul.append(root)
        for m in QUOTED.finditer(text):
            quoted = (m.group(1) or m.group(2) or m.group(3) or "").lower()
            parts = tuple(LATIN_WORD.findall(quoted))
            if len(parts) >= 2:
                phrases.append(parts)
        # hyphenated compounds in the question ("long-context") as phrases too
        for compound in re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)+", lowered):
            parts = tuple(p for p in compound.split("-") if p)
            if len(parts) >= 2:
                phrases.append(parts)
        return Terms(tuple(words[:40]), tuple(dict.fromkeys(phrases))[:12], tuple(hangul[:12]),
                     tuple(self._names(text)), mapped, research or mapped)

    def _names(self, text: str) -> list[str]:
        """Tokens that name something specific: GPT-4, o1, Hymba (mid-sentence or in a
        non-Latin sentence), LLaVA, an arXiv id, a quoted title."""
        names: list[str] = []
        non_latin = bool(HANGUL.search(text) or KANA.search(text) or HAN.search(text))
        for m in NAME_TOKEN.finditer(text):
            tok = m.group().strip(".-")
            low = tok.lower()
            if not tok or low in STOPWORDS or low in self._vocab or low in RESEARCH_WORDS:
                continue
            before = text[: m.start()].rstrip()
            sentence_start = not before or before[-1] in ".!?:;\"“(["
            inner_upper = any(c.isupper() for c in tok[1:])
            digit_alpha = any(c.isdigit() for c in tok) and any(c.isalpha() for c in tok)
            titled = tok[0].isupper() and not sentence_start
            if ARXIV_ID.fullmatch(tok) or inner_upper or digit_alpha or titled or (
                    non_latin and len(tok) >= 3 and tok[0].isalpha()):
                names.append(tok)
        for m in QUOTED.finditer(text):
            quoted = (m.group(1) or m.group(2) or m.group(3) or "").strip()
            if len(LATIN_WORD.findall(quoted)) >= 2:
                names.append(quoted)
        return list(dict.fromkeys(names))

    def _taxonomy_vocab(self, keywords: bool = True) -> frozenset[str]:
        vocab: set[str] = set()
        for cat in self.taxonomy:
            for phrase in (cat.name, *(cat.keywords if keywords else ()), *cat.aliases):
                vocab.update(LATIN_WORD.findall(phrase.lower()))
        return frozenset(w for w in vocab if len(w) > 1 and w not in STOPWORDS)
