"""Whether a reply is about the papers it was given: evidence from their titles and abstracts.

A model may summarise other papers (its memory, another category's prompt) in fluent Korean; the
reply must show evidence of the given papers — a method name, title words in English, their
Korean renderings (:data:`digest.glossary.RENDERINGS_KO`) or loanwords written in Hangul — and
must not quote a title that is none of theirs. Measured on real replies in
``tests/test_real_replies.py`` and ``bench/bench_llm_replies.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from digest.glossary import LOANWORD_PARTICLES_KO, RENDERINGS_KO

_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-–][A-Za-z0-9]+)*(?:\$?\\times\$?[A-Za-z]+)?|\d+(?:\.\d+)?[A-Za-z%]*")
_WORDISH = re.compile(r"[A-Za-z0-9]+")

# Function words: never evidence.
STOP = frozenset("""
a an the of for in on to and or with via by from at as is are be its into towards toward using
use our we this that these their can not all any more most beyond through without what how why
when do does your you it case one two three new novel based
""".split())

# Words common to most AI titles and replies: weak evidence (a quarter of a plain word).
GENERIC = frozenset("""
model models modeling modelling learning learn large language languages neural network networks
deep data dataset datasets training train trained efficient efficiency approach method methods
framework frameworks system systems task tasks benchmark benchmarks evaluation evaluating evaluate
performance analysis study generation generative improving improve improved improves
ai llm llms ml nlp gpt agent agents understanding multimodal multi-modal vision visual text image
images video foundation scale scaling scalable large-scale survey generalization general robust
robustness better simple fast effective unified reasoning knowledge human real world real-world
time information comprehensive towards
""".split())



def _stem(word: str) -> str:
    w = word.casefold().replace("–", "-")
    for suf in ("ies", "es", "s"):
        if len(w) > 4 and w.endswith(suf) and not w.endswith(("ss", "us", "is")):
            return w[: -len(suf)] + ("y" if suf == "ies" else "")
    return w


def _distinctive(token: str) -> bool:
    """A name-like token: an acronym, CamelCase, or with digits or an inner hyphen."""
    core = token.replace("-", "")
    return (len(core) >= 3 and (sum(c.isupper() for c in core) >= 2 or any(c.isdigit() for c in core))
            and not core.isdigit())


def paper_terms(title: str, abstract: str = "") -> dict[str, float]:
    """Evidence terms of one paper with their weights (see :func:`grounding`)."""
    terms: dict[str, float] = {}
    name = title.split(":")[0].strip() if ":" in title[:60] else ""
    if name and len(name.split()) <= 4 and len(name) >= 3:
        terms[_stem(name)] = 4.0                       # the method's name ("MixEval-X", "Movie Gen")
    for tok in _TOKEN.findall(title):
        s = _stem(tok)
        if s in STOP or len(s) < 2 or (len(s) < 3 and not _distinctive(tok)):
            continue
        weight = (3.0 if _distinctive(tok) else 0.25 if s in GENERIC
                  else 1.5 if len(s) >= 6 else 1.0)
        terms[s] = max(terms.get(s, 0.0), weight)
        for part in s.split("-"):
            if len(part) >= 4 and part not in STOP:
                terms.setdefault(part, 0.25 if part in GENERIC else 1.0)
    for tok in set(_TOKEN.findall(abstract or "")):
        s = _stem(tok)
        if _distinctive(tok) and s not in terms and s not in GENERIC:
            terms[s] = 2.0                              # names the abstract introduces
    return terms


def _reply_tokens(text: str) -> set[str]:
    out = set()
    for tok in _TOKEN.findall(text):
        s = _stem(tok)
        out.add(s)
        out.update(p for p in s.split("-") if len(p) >= 3)
    out.update(_stem(w) for w in _WORDISH.findall(text))
    return out


# Korean writes many English terms as loanwords (the Korean spelling of benchmark, Phantom). Both sides
# are reduced to a skeleton of consonant classes (vowels, h, w, y, r and l dropped; voiced and
# unvoiced stops merged), and a Hangul word matches an English title word with the same skeleton.
_INITIAL = ["K", "K", "N", "T", "T", "", "M", "P", "P", "S", "S", "", "S", "S", "S", "K", "T", "P", ""]
_FINAL = ["", "K", "K", "KS", "N", "NS", "N", "T", "", "K", "M", "P", "S", "T", "P", "", "M", "P",
          "PS", "S", "S", "N", "S", "S", "K", "T", "P", ""]
_PARTICLES = LOANWORD_PARTICLES_KO
_EN_RULES = [("sch", "S"), ("tch", "S"), ("ch", "S"), ("sh", "S"), ("ph", "P"), ("th", "T"), ("gh", ""),
             ("ck", "K"), ("qu", "K"), ("ng", "N"), ("x", "KS"), ("ce", "S"), ("ci", "S"), ("cy", "S")]
_EN_LETTER = {"b": "P", "p": "P", "f": "P", "v": "P", "d": "T", "t": "T", "g": "K", "k": "K", "c": "K",
              "q": "K", "s": "S", "z": "S", "j": "S", "m": "M", "n": "N"}


def _collapse(skel: str) -> str:
    return re.sub(r"(.)\1+", r"\1", skel)


def _en_skeleton(word: str) -> str:
    w, out, i = word.casefold(), [], 0
    while i < len(w):
        for src, dst in _EN_RULES:
            if w.startswith(src, i):
                out.append(dst if src not in ("ce", "ci", "cy") else "S")
                i += len(src) if src not in ("ce", "ci", "cy") else 1
                break
        else:
            out.append(_EN_LETTER.get(w[i], ""))
            i += 1
    return _collapse("".join(out))


@lru_cache(maxsize=65536)
def _hangul_skeleton(word: str) -> str:
    out = []
    for ch in word:
        code = ord(ch) - 0xAC00
        if 0 <= code < 11172:
            out.append(_INITIAL[code // 588] + _FINAL[code % 28])
    return _collapse("".join(out))


def hangul_skeletons(text: str) -> set[str]:
    """Skeletons of the Hangul words of ``text``, with and without a trailing particle."""
    out = set()
    for word in re.findall(r"[\uac00-\ud7a3]{2,}", text):
        out.add(_hangul_skeleton(word))
        for p in _PARTICLES:
            if word.endswith(p) and len(word) - len(p) >= 2:
                out.add(_hangul_skeleton(word[: -len(p)]))
    return out


def _loanword(term: str, hangul: set[str]) -> bool:
    if " " in term or len(term) < 4:
        return False
    skel = _en_skeleton(term.replace("-", ""))
    return len(skel) >= 4 and skel in hangul


def paper_score(reply: str, title: str, abstract: str = "", tokens: set[str] | None = None,
                hangul: set[str] | None = None) -> float:
    """How much of ``title``/``abstract``'s evidence ``reply`` shows (sum of matched weights)."""
    tokens = _reply_tokens(reply) if tokens is None else tokens
    hangul = hangul_skeletons(reply) if hangul is None else hangul
    low = reply.casefold()
    score = 0.0
    for term, weight in paper_terms(title, abstract).items():
        if term in tokens or (" " in term and term in low):
            score += weight
        elif term in RENDERINGS_KO and any(k in reply for k in RENDERINGS_KO[term]):
            score += min(weight, 1.5)
        elif _loanword(term, hangul):
            score += min(weight, 1.0)
    flat = _flat(title)
    if len(flat) >= 12 and flat in _flat(reply):          # the whole title, as given
        score += GROUNDED_MIN
    for num in re.findall(r"\d+(?:\.\d+)?", title):   # numbers of the title (50 languages, 3D)
        if len(num) >= 2 and re.search(rf"(?<![\d.]){re.escape(num)}(?![\d.])", reply):
            score += 1.0
    return score


def _flat(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


@dataclass
class Grounding:
    scores: list[float]
    foreign: str | None    # a quoted title that is none of the given papers'

    @property
    def best(self) -> float:
        return max(self.scores, default=0.0)


GROUNDED_MIN = 3.0   # evidence needed (e.g. a method name, or three plain title words)


def grounding(reply: str, papers) -> Grounding:
    """Evidence that ``reply`` is about ``papers`` (objects with ``title`` and ``abstract``).

    The rule, general on purpose: a paper's evidence terms are its title's words (the whole
    title as given reaches the bar at once; its method name before a colon weighs 4; a
    name-like token — acronym, CamelCase, digits — 3; a long word 1.5, another word 1; words
    common to most AI titles, :data:`GENERIC`, 0.25; function words nothing), the name-like
    tokens of its abstract (2), the numbers of its title (1). A term counts when the reply has
    it in English, or in Korean: a :data:`RENDERINGS_KO` rendering or the same word written in Hangul
    (:func:`_loanword`, e.g. the Korean spelling of benchmark). A reply is
    about the papers when one paper's evidence reaches :data:`GROUNDED_MIN`, and it shows strong
    evidence of another paper when it quotes an English title-like phrase (six or more words in
    Title Case, or ``Name: words``) that shares under half its words with every given title.
    """
    tokens, hangul = _reply_tokens(reply), hangul_skeletons(reply)
    scores = [paper_score(reply, p.title, p.abstract or "", tokens, hangul) for p in papers]
    return Grounding(scores=scores, foreign=_foreign_title(reply, papers))


_QUOTED = re.compile(r"'([^'\n]{12,300})'|‘([^’\n]{12,300})’|\"([^\"\n]{12,300})\"|“([^”\n]{12,300})”"
                     r"|\*\*([^*\n]{12,300})\*\*")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9\-]*")


def _title_like(span: str) -> bool:
    words = _WORD.findall(span)
    if re.search(r"[\uac00-\ud7a3]", span) or len(words) < 4:
        return False
    long_words = [w for w in words if len(w) > 3] or words
    capital = sum(w[0].isupper() for w in long_words) / len(long_words) >= 0.6
    return capital and (len(words) >= 6 or (":" in span and len(words) >= 4))


def _foreign_title(reply: str, papers) -> str | None:
    known = [set(map(_stem, _WORD.findall(p.title))) for p in papers]
    texts = [" ".join(f"{p.title} {p.abstract or ''}".casefold().split()) for p in papers]
    for m in _QUOTED.finditer(reply):
        span = next(g for g in m.groups() if g).strip()
        if not _title_like(span):
            continue
        words = set(map(_stem, _WORD.findall(span)))
        low = " ".join(span.casefold().split())
        if any(low in t for t in texts):
            continue
        if any(len(words & k) >= 0.5 * len(words) for k in known):
            continue
        if any(SequenceMatcher(None, low, p.title.casefold()).ratio() >= 0.8 for p in papers):
            continue
        return span
    return None
