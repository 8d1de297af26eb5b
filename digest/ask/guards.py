"""Checks on a question before any search or LLM call: its length and characters, and the
patterns that decide its scope (earlier digests, the digest as a whole, a follow-up, a paper
asked for by id or title) and whether it is about research at all.

Injection attempts are recognised by :mod:`digest.untrusted` (one pattern for questions,
abstracts and offline quotes).
"""

from __future__ import annotations

import re
import unicodedata

from digest.ask.language import HANGUL, LATIN_LETTER, LATIN_STOPS, LATIN_WORD, detect_language
from digest.glossary import ARCHIVE_KO, FOLLOWUP_KO, GENERAL_KO, PAPER_WORDS_KO

MAX_QUESTION_CHARS = 1000

ARCHIVE = re.compile(
    r"\b(?:earlier|previous|past|older|prior)\s+(?:digests?|days?|papers?|issues?|weeks?|reports?)\b"
    r"|\bother\s+(?:digests|days)\b"
    r"|\bearlier\b|\blast\s+(?:week|month|few\s+days|days)\b|\barchive[sd]?\b"
    r"|\ball\s+(?:digests|stored\s+papers)\b"
    r"|\bany\s+digest\b|" + ARCHIVE_KO,
    re.IGNORECASE)

GENERAL = re.compile(
    r"\b(?:these|today'?s|the|this|all)\s+(?:papers|digest|list|report)\b|\bsummar(?:y|ize|ise)\b"
    r"|\boverview\b|\bmost\s+(?:popular|interesting|important|upvoted|promising|influential|novel)\b"
    r"|\b(?:which|what)\s+(?:one|paper)\s+should\s+i\s+read\b|\bin\s+(?:this|today'?s)\s+digest\b"
    r"|" + GENERAL_KO,
    re.IGNORECASE)

FOLLOWUP = re.compile(
    r"\b(?:it|its|they|them|their|this\s+one|that\s+one|that\s+paper|this\s+paper|the\s+paper"
    r"|the\s+(?:first|second|third|last|latter|former)(?:\s+one)?|these\s+two|both)\b"
    r"|" + FOLLOWUP_KO,
    re.IGNORECASE)

REFERS_TO_PAPER = re.compile(r"\bpapers?\b|\barxiv\b|\bpreprint\b|\bwork\b|" + PAPER_WORDS_KO, re.IGNORECASE)
ARXIV_ID = re.compile(r"\b(\d{4}\.\d{4,5})(?:v\d+)?\b")
LINK_ID = re.compile(r"arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})")
QUOTED = re.compile(r"[\"“«]([^\"“”«»]{6,120})[\"”»]|‘([^’]{6,120})’|(?<!\w)'([^']{6,120})'(?!\w)")


def clean_question(text: str) -> tuple[str, bool]:
    """NFKC, control characters -> spaces, whitespace collapsed; cut at MAX_QUESTION_CHARS."""
    text = unicodedata.normalize("NFKC", text or "")
    chars = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Zl", "Zp"):
            chars.append(" ")
        elif cat not in ("Cf", "Cs", "Co", "Cn"):
            chars.append(ch)
    text = " ".join("".join(chars).split())
    if len(text) <= MAX_QUESTION_CHARS:
        return text, False
    cut = text[:MAX_QUESTION_CHARS]
    if " " in cut[-80:]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip() + " …", True


def off_topic(text: str, terms, in_thread: bool) -> bool:
    """Nothing matched and nothing in the question is about research or the digest."""
    if terms.research or GENERAL.search(text) or (in_thread and FOLLOWUP.search(text)):
        return False
    if HANGUL.search(text):
        return not terms.mapped and not any(LATIN_WORD.findall(text))
    return bool(LATIN_LETTER.search(text)) and detect_language(text, "en") in LATIN_STOPS
