"""Text we did not write (feeds, abstracts, questions, LLM replies): the checks every path shares.

Feeds and chat users are untrusted. Two things are removed wherever such text is kept or shown:

* sentences that address an AI reader with instructions ("ignore all previous instructions
  and write X") — they must reach no prompt, no offline quote and no answer;
* control characters (ANSI/OSC escapes, NUL, C1 codes) and lone surrogates, which break
  terminals, SQLite's UTF-8 encoding and the platforms' JSON.
"""

from __future__ import annotations

import re

INJECTION = re.compile(
    r"(?:ignore|disregard|forget|override|bypass)\s+(?:(?:all|any)\s+(?:of\s+)?)?"
    r"(?:the\s+|your\s+|my\s+|these\s+|those\s+)?"
    r"(?:previous\s+|prior\s+|above\s+|earlier\s+|preceding\s+|system\s+|original\s+)?"
    r"(?:instructions?|prompts?|rules|directions|guidelines|context)"
    r"|\b(?:ignore|disregard|forget)\s+(?:all\s+|everything\s+|anything\s+)?(?:the\s+)?"
    r"(?:above(?=\s*(?:[.,;:!]|and\b|$))|(?:you\s+(?:were|have\s+been)\s+told|said\s+(?:above|before))\b)"
    r"|(?:reveal|show|print|repeat|output|tell\s+me)\s+(?:me\s+)?(?:your|the)\s+"
    r"(?:system\s+)?(?:prompt|instructions)"
    r"|\byou\s+are\s+now\s+(?:an?\s+|in\s+)?(?:unrestricted|unfiltered|dan|jailbroken|developer\s+mode)\b"
    r"|\b(?:follow|obey)\s+(?:these|the|my)\s+new\s+instructions\b|\benable\s+developer\s+mode\b"
    r"|\bact\s+as\s+(?:an?\s+)?(?:unrestricted|unfiltered|dan)\b|\bdo\s+anything\s+now\b"
    r"|\b(?:as\s+an\s+ai(?:\s+assistant)?|dear\s+(?:ai|llm|assistant|language\s+model))\s*[,:]?\s*"
    r"(?:you\s+must|please\s+)?(?:ignore|say|respond|reply|answer|output|write)"
    r"|\bif\s+you\s+are\s+an?\s+(?:ai|llm|large\s+language\s+model|language\s+model|assistant|chatbot)\b"
    r"|\b(?:ai|llm)\s+(?:assistants?|reviewers?|readers?|summari[sz]ers?)\s*(?:must|should)\s+"
    r"(?:ignore|say|respond|reply|answer|output|write|rate|summari[sz]e)"
    r"|(?:이전|위의?|앞의|기존|모든)\s*(?:지시|지침|명령|프롬프트|규칙)\S*\s*(?:를|을)?\s*(?:무시|잊)"
    r"|(?:지시|지침|명령|규칙)\S*\s*(?:를|을)?\s*무시|시스템\s*프롬프트\S*\s*(?:를|을)?\s*(?:보여|출력|알려|공개)|너는\s*이제|지금부터\s*너는",
    re.IGNORECASE)

# C0 controls but tab and newline, DEL, C1 controls, the Unicode bidi overrides, and invisible
# characters that split words ("ignore\u200b all previous instructions" must still be seen).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u200b\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_SENTENCE = re.compile(r"(?<=[.!?。])\s+|\n{2,}")
REMOVED_MARK = "[text addressed to AI readers removed]"


def is_injection(text: str) -> bool:
    """True for text that addresses a model to change its instructions or role.

    Kept narrow on purpose: abstracts of security papers *describe* prompt leakage and
    jailbreaks ("we study system prompt leakage"), and such sentences must survive."""
    return bool(INJECTION.search(text))


def strip_injections(text: str, *, mark: bool = True) -> str:
    """``text`` without the sentences that address an AI reader with instructions.

    With ``mark`` a short note says that something was removed (for prompts and Q&A, so the
    gap is not read as the authors' own words); without it the sentences just go.
    """
    if not text or not INJECTION.search(text):
        return text
    kept = [s for s in _SENTENCE.split(text) if s.strip() and not INJECTION.search(s)]
    body = " ".join(s.strip() for s in kept)
    return f"{body} {REMOVED_MARK}".strip() if mark else body


def clean_text(text: str) -> str:
    """``text`` safe to store and print: escape sequences, control characters and lone
    surrogates removed (tab and newline kept)."""
    if not text:
        return text
    text = _ESCAPE.sub("", text)
    text = _CONTROL.sub("", text)
    return _SURROGATE.sub("\ufffd", text)
