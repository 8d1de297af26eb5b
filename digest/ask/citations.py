"""Citation repair of an LLM answer: every way a model writes "source 2" becomes ``[2]``,
numbers outside the sources are dropped, a source named by its title counts as cited, and a
"Sources:" list the model wrote is removed (the list shown is always ours)."""

from __future__ import annotations

import re

from digest.ask.guards import QUOTED
from digest.glossary import CITATION_WORDS_KO, SOURCES_HEADING_KO
from digest.summarize.checks import declines
from digest.summarize.replies import UnusableReply

CITATION = re.compile(r"\[\s*(\d{1,3}(?:\s*(?:[,;–-]|and)\s*\d{1,3})*)\s*\]")
_NAMED_CITATION = re.compile(
    r"[\[(]\s*(?:\^|#|sources?\s*|papers?\s*|refs?\.?\s*|references?\s*|" + CITATION_WORDS_KO + ")"
    r"(\d{1,3}(?:\s*(?:[,;]|and)\s*\d{1,3})*)\s*[\])]", re.IGNORECASE)
_PAREN_CITATION = re.compile(r"(?<![\w\]])\((\d{1,2}(?:\s*[,;]\s*\d{1,2})*)\)")
_SOURCES_TAIL = re.compile(
    r"\n[ \t]*(?:#{1,6}[ \t]*)?(?:\*\*|__)?(?:sources?|references?|cited papers|" + SOURCES_HEADING_KO + ")"
    r"(?:\*\*|__)?[ \t]*:?[ \t]*(?:\*\*|__)?[ \t]*\n(?:[ \t]*(?:[-*•]|\[\d+\]|\d+[.)])[^\n]*(?:\n|$))+\s*$",
    re.IGNORECASE)
_TITLE_NORM = re.compile(r"[^\w]+")


def _norm_title(text: str) -> str:
    return " ".join(_TITLE_NORM.sub(" ", text.casefold()).split())


def _cited_by_title(text: str, titles: list[str]) -> list[int]:
    """Sources a reply names by (close to) their title or their name before the colon, in the
    order they are named: models often cite 'RingCache' or the full title instead of [1]."""
    from difflib import SequenceMatcher

    body = f" {_norm_title(text)} "
    quoted = [_norm_title(next(g for g in m.groups() if g)) for m in QUOTED.finditer(text)]
    found: list[tuple[int, int]] = []
    for n, title in enumerate(titles, 1):
        full = _norm_title(title)
        head = _norm_title(title.split(":")[0]) if ":" in title else ""
        spots = [body.find(f" {full} ")] if full else []
        if head and (len(head) >= 4 and (len(head.split()) >= 2 or re.search(r"[A-Z0-9-]", title.split(":")[0][1:]))):
            spots.append(body.find(f" {head} "))
        spots = [i for i in spots if i >= 0]
        if not spots and any(len(q) >= 12 and SequenceMatcher(None, q, full).ratio() >= 0.85
                             for q in quoted):
            spots = [len(body)]
        if spots:
            found.append((min(spots), n))
    return [n for _, n in sorted(found)]


def fix_citations(text: str, count: int, titles: list[str] | None = None) -> tuple[str, list[int]]:
    """``text`` with its citations as ``[n]`` and those outside 1..count removed; the valid
    numbers in order of use.

    Accepted: ``[1]``, ``[1, 2]``, ``[1-3]``, ``[1][2]``, ``[Source 1]``, ``[^1]``, ``【1】``, and
    ``(1)`` / ``(1, 2)`` when the reply has no bracketed citation (else "(1)" is an enumeration);
    a source named by its title (``titles``) counts as cited too. A trailing "Sources:" list the
    model wrote is dropped: the sources list is always ours.
    """
    used: list[int] = []
    text = _NAMED_CITATION.sub(lambda m: f"[{m.group(1)}]", text)
    text = re.sub(r"【\s*(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\s*】", r"[\1]", text)
    if not CITATION.search(text):
        def paren(m: re.Match) -> str:
            numbers = [int(x) for x in re.split(r"\s*[,;]\s*", m.group(1))]
            return f"[{m.group(1)}]" if all(1 <= n <= count for n in numbers) else m.group(0)
        text = _PAREN_CITATION.sub(paren, text)
    tail = _SOURCES_TAIL.search(text)
    if tail and tail.start() > 0:
        text = text[:tail.start()]

    def repl(m: re.Match) -> str:
        numbers: list[int] = []
        for part in re.split(r"\s*(?:[,;]|and)\s*", m.group(1)):
            if re.fullmatch(r"\d+\s*[–-]\s*\d+", part):
                a, b = (int(x) for x in re.split(r"\s*[–-]\s*", part))
                numbers += list(range(a, b + 1)) if 0 < b - a < 10 else [a, b]
            elif part.strip().isdigit():
                numbers.append(int(part))
        valid = [n for n in dict.fromkeys(numbers) if 1 <= n <= count]
        for n in valid:
            if n not in used:
                used.append(n)
        return "".join(f"[{n}]" for n in valid)

    fixed = CITATION.sub(repl, text)
    fixed = re.sub(r"[ \t]+([.,;:!?])", r"\1", fixed)
    fixed = re.sub(r"[ \t]{2,}", " ", fixed)
    for n in _cited_by_title(fixed, list(titles or ())[:count]):
        if n not in used:
            used.append(n)
    return fixed.strip(), used


def check_reply(text: str, count: int) -> None:
    if declines(text):  # shown as an answer it would read as the bot's own refusal
        raise UnusableReply(f"refusal: {' '.join(text.split())[:80]!r}", cause="refusal")
    body, _ = fix_citations(text, count)
    if len(re.sub(r"\W", "", body)) < 2:
        raise ValueError("the reply is empty once invalid citations are removed")
