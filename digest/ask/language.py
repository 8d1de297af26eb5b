"""Which language a question is in, and the script patterns the other ask modules share.

An answer is written in the question's language, not the digest's: a Korean question to an
English digest is answered in Korean.
"""

from __future__ import annotations

import re

HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
KANA = re.compile(r"[\u3040-\u30ff]")
HAN = re.compile(r"[\u4e00-\u9fff]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")
LATIN_WORD = re.compile(r"[0-9A-Za-z\u00c0-\u024f]+")
HANGUL_WORD = re.compile(r"[\uac00-\ud7a3]+")
LATIN_STOPS = {
    "en": {"the", "what", "which", "how", "is", "are", "does", "do", "of", "and", "about", "paper",
           "papers", "why", "can", "there", "any", "with", "for", "who", "these"},
    "fr": {"le", "la", "les", "des", "est", "quel", "quels", "quelle", "quelles", "comment",
           "pourquoi", "article", "articles", "une", "avec", "pour", "sur", "ces", "dans"},
    "de": {"der", "die", "das", "ist", "welche", "welches", "welcher", "wie", "warum", "und",
           "mit", "für", "über", "diese", "gibt", "es", "ein", "eine"},
    "es": {"el", "los", "las", "qué", "que", "cuál", "cuáles", "cómo", "por", "artículo",
           "artículos", "con", "para", "sobre", "estos", "hay", "una", "del"},
}


def detect_language(text: str, default: str = "en") -> str:
    """The question's language: by script (Hangul -> ko, kana -> ja, Han -> zh, Cyrillic -> ru),
    else by common words for en/fr/de/es; a few Latin words with no clue -> ``default``."""
    if HANGUL.search(text):
        return "ko"
    if KANA.search(text):
        return "ja"
    if HAN.search(text):
        return "zh"
    if CYRILLIC.search(text):
        return "ru"
    words = re.findall(r"[^\W\d_]+", text.lower())
    if not LATIN_LETTER.search(text) or not words:
        return default
    scores = {lang: sum(w in stops for w in words) for lang, stops in LATIN_STOPS.items()}
    best = max(scores, key=lambda k: (scores[k], k == "en"))
    if scores[best] >= 2 or (scores[best] == 1 and len(words) >= 3):
        return best
    return default if len(words) < 3 else "en"
