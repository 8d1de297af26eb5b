"""What every part of the ``/digest`` grammar shares: its error replies (catalog keys ``q_*``), cleaning typed text,
and matching words against the taxonomy. Split from the grammar so that ``parse`` and ``subscribe``
use one copy without importing each other."""

from __future__ import annotations

import re
import unicodedata

from digest.classify.taxonomy import Category, Taxonomy, normalize
from digest.models import DigestQuery
from digest.text import CATALOGS, t

def language_word(token: str) -> str | None:
    """A language named in a command (``ko``, ``korean``, ``english``, or the Korean words for them) -> its code, or None.
    Words of every catalog count: a Korean reader may type ``en`` and an English one the Korean word for Korean."""
    key = normalize(token)
    head = key.split(" ", 1)[0]  # "ko kr" (from ko-KR / ko_KR after normalize)
    for code in CATALOGS:
        words = {w for catalog in CATALOGS.values() for w in catalog[f"words_{code}"]}
        if key in words or (head == code and head in words):
            return code
    return None


def grammar_words(name: str) -> frozenset[str]:
    """The command words ``words_<name>`` of every catalog: a reader may type any language's."""
    return frozenset(w for catalog in CATALOGS.values() for w in catalog[f"words_{name}"])


def error_query(language: str, key: str, **fields: object) -> DigestQuery:
    """A grammar error in the reader's language (catalog key ``q_<key>``)."""
    return DigestQuery("error", message=t(language, f"q_{key}", **fields))


def show(text: str, limit: int = 40) -> str:
    """User text echoed in a message: single line, bounded length."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# a date written with a catalog's year/month/day markers
_WORDED_DATES = [re.compile(rf"([0-9]{{4}})\s*{y}\s*([0-9]{{1,2}})\s*{m}\s*([0-9]{{1,2}})\s*{d}?")
                 for y, m, d in (c["words_date_units"] for c in CATALOGS.values() if c["words_date_units"])]


def clean(text: str) -> str:
    """NFKC; control characters become spaces and invisible format characters vanish."""
    text = unicodedata.normalize("NFKC", text)
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Zl", "Zp"):
            out.append(" ")
        elif cat in ("Cf", "Cs", "Co", "Cn"):  # zero-width spaces, BOM, lone surrogates...
            continue
        else:
            out.append(ch)
    text = "".join(out)
    for pattern in _WORDED_DATES:
        text = pattern.sub(lambda m: f"{m[1]}-{m[2]}-{m[3]}", text)
    return text


def strip_punct(token: str) -> str:
    """Drop punctuation (quotes, brackets, dots, dashes...) at both ends of a token."""
    start, end = 0, len(token)
    while start < end and unicodedata.category(token[start]).startswith("P"):
        start += 1
    while end > start and unicodedata.category(token[end - 1]).startswith("P"):
        end -= 1
    return token[start:end]


def emoji_key(text: str) -> str:
    return "".join(ch for ch in text if ch not in "\ufe0f\ufe0e\u200d")


def is_symbols(token: str) -> bool:
    """Emoji and other pictographs (with their modifiers), nothing a name is made of."""
    cats = [unicodedata.category(ch) for ch in token]
    return bool(cats) and all(c[0] in "SM" and c != "Sm" for c in cats)


def plain_words(raw: list[str], taxonomy: Taxonomy) -> list[str]:
    """Tokens without edge punctuation; a category's emoji stands for its name, other emoji go."""
    emoji = {emoji_key(c.emoji): c.name for c in taxonomy if c.emoji}
    out = []
    for token in raw:
        token = strip_punct(token)
        if not token:
            continue
        if is_symbols(token):
            name = emoji.get(emoji_key(token))
            if name:
                out.append(name)
            continue
        out.append(token)
    return out


def max_words(taxonomy: Taxonomy) -> int:
    keys = [normalize(k) for c in taxonomy for k in (c.name, *c.aliases)]
    return max((len(k.split()) for k in keys), default=1)


def segment(words: list[str], taxonomy: Taxonomy) -> tuple[list[Category], str]:
    """Split words into categories, longest name first; returns (distinct categories, first
    unrecognised run of words or "")."""
    window = max_words(taxonomy)
    cats: list[Category] = []
    unknown: list[str] = []
    i = 0
    while i < len(words):
        for j in range(min(len(words), i + window), i, -1):
            cat = taxonomy.get(" ".join(words[i:j]))
            if cat is not None:
                if unknown:
                    return cats, " ".join(unknown)
                if cat not in cats:
                    cats.append(cat)
                i = j
                break
        else:
            unknown.append(words[i])
            i += 1
    return cats, " ".join(unknown)


def unknown_category(name: str, taxonomy: Taxonomy, language: str) -> DigestQuery:
    suggestion = taxonomy.suggest(name) if len(name) <= 60 else None
    if suggestion:
        return error_query(language, "unknown_category", name=show(name), suggestion=suggestion)
    return error_query(language, "unknown_category_plain", name=show(name))
