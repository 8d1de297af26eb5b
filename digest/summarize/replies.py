"""Reading a model's synthesis the way real models write it: its five parts, whatever their shape.

Real models do not follow a format to the letter (see ``../shared/data/llm_replies_real_dev.json``:
numbered parts, "step 1:" steps (also in Korean), ``###`` or bold headings, a "Summary report:" preamble, titles
translated into Korean or shortened to the method's name). :func:`parse_summary` finds the five
parts whatever their shape and :func:`normalise` renders them in the digest's own five-part
Markdown; a reply whose parts cannot be recognised is kept as one block. The model's own sources
list is always dropped (ours is rendered from the papers). A JSON reply (some servers answer in
JSON unasked) is read by :func:`reply_json` / :func:`from_json`.

Whether a reply may be shown at all is decided by :mod:`digest.summarize.checks`; whether it is
about the given papers by :mod:`digest.summarize.grounding`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from digest.glossary import (CONCLUSION_WORDS_KO, FINAL_WORDS_KO, PART_WORDS_KO, SOURCES_LINE_KO, STEP_SUFFIX_KO,
                             STEP_WORDS_KO, SUMMARY_WORD_KO)

MAX_REPLY_CHARS = 12_000   # real Korean syntheses of up to 5 papers: 650-1,914 characters
MIN_REPLY_CHARS = 40


class UnusableReply(ValueError):
    """A reply that must not be shown or cached; ``cause`` goes into the category's note."""

    def __init__(self, message: str, cause: str = "malformed reply", repairable: bool = False):
        super().__init__(message)
        self.cause = cause
        self.repairable = repairable


# --- shape -------------------------------------------------------------------------------------
_FENCE = re.compile(r"^```[\w-]*\s*\n(.*?)\n?```\s*$", re.S)
_NUMBERED = re.compile(
    r"^(?P<indent>[ \t]{0,2})(?:#{1,6}[ \t]*)?(?:\*\*|__)?[ \t]*(?:(?:step|part|" + STEP_WORDS_KO + r")[ \t]*)?"
    r"(?P<n>[1-5])[ \t]*(?:[.)．:]|" + STEP_SUFFIX_KO + r"[ \t]*[:.)]?|\.?[ \t]*" + STEP_SUFFIX_KO
    + r")(?!\d)[ \t]*(?P<rest>.*)$", re.I)
_MD_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(?P<rest>.+?)[ \t#]*$")
_BOLD_LINE = re.compile(r"^[ \t]{0,3}(?:\*\*|__)(?P<rest>[^*_]{2,80}?)(?:\*\*|__)[ \t]*:?[ \t]*$")
_COLON_LINE = re.compile(r"^[ \t]{0,3}(?P<rest>[^\s:*#\-][^:\n]{1,50}):[ \t]*$")
_SOURCES = re.compile(r"^[ \t]*(?:#{1,6}[ \t]*)?(?:\*\*|__)?[ \t]*(?:" + SOURCES_LINE_KO + "|"
                      r"sources?|references?|bibliography|links?)[ \t]*(?:\*\*|__)?[ \t]*:?[ \t]*"
                      r"(?:\*\*|__)?[ \t]*$", re.I)
_RULE_END = re.compile(r"(?:\n[ \t]*(?:-{3,}|\*{3,}|_{3,})[ \t]*)+$")
_URL = re.compile(r"https?://\S+")
_LINK_ITEM = re.compile(r"^\s*(?:[-*•]|\d+[.)])?\s*[^\n]{0,300}?\(?<?https?://\S+\s*$")

# Words that name each of the five parts, in the languages the replies come in.
PART_WORDS: tuple[tuple[str, ...], ...] = tuple(ko + en for ko, en in zip(PART_WORDS_KO, (
    ("theme", "topic", "overview"),
    ("keyword", "trend", "pattern"),
    ("finding", "result", "event"),
    ("impact", "implication", "effect"),
    ("outlook", "conclusion", "synthesis", "future"),
)))


def part_of(label: str) -> int | None:
    """Which of the five parts a heading names (1-5), by its words; None if it names none.

    A heading that names two parts is read by the later part's own word: a conclusion ("overall
    summary", "conclusion") is part 5 and an impact ("the impact of the events") part 4 whatever else
    they name; otherwise the earliest-listed part wins ("main themes and trends" is part 1). The
    Korean words are the glossary's (``PART_WORDS_KO`` ...).
    """
    low = label.casefold()
    if re.search(rf"(?:{FINAL_WORDS_KO}|final|overall)\s*(?:{SUMMARY_WORD_KO}|summary)|{CONCLUSION_WORDS_KO}"
                 r"|conclusion|outlook", low):
        return 5
    for i in (4, 1, 2, 3, 5):
        if any(w in low for w in PART_WORDS[i - 1]):
            return i
    return None


@dataclass
class Parsed:
    """A reply split into its five parts (``parts``, 1-based order) or kept whole (``block``)."""

    parts: list[str] = field(default_factory=list)   # body text of parts 1-5, when all five found
    block: str = ""                                  # the whole reply, cleaned, otherwise
    numbered: list[int] = field(default_factory=list)  # part numbers seen at top level, in order

    @property
    def five(self) -> bool:
        return len(self.parts) == 5


def clean_reply(text: str) -> str:
    """The reply without a code fence around it and without the model's own sources list."""
    text = (text or "").replace("\r\n", "\n").strip()
    m = _FENCE.match(text)
    if m:
        text = m.group(1).strip()
    text = _RULE_END.sub("", text).strip()
    return strip_sources(text)


def strip_sources(text: str) -> str:
    """Drop a trailing "Sources:" list (or its Korean heading) (a heading, then only links, titles or bullets)."""
    lines = text.split("\n")
    for i in range(len(lines) - 1, -1, -1):
        if _SOURCES.match(lines[i]):
            tail = [ln.strip() for ln in lines[i + 1:] if ln.strip()]
            if all(len(ln) < 400 and (ln[:1] in "-*•[" or _URL.search(ln) or re.match(r"\d+[.)]", ln))
                   for ln in tail):
                return "\n".join(lines[:i]).rstrip()
    # trailing list items that are links ("- Title (https://...)") are a sources list too
    while lines and _LINK_ITEM.match(lines[-1]):
        lines.pop()
    return "\n".join(lines).rstrip()


def _label(rest: str) -> tuple[str, str]:
    """A heading line's label and the content written after it on the same line."""
    rest = rest.strip()
    bold = re.match(r"^(?:\*\*|__)(.+?)(?:\*\*|__)\s*:?\s*(.*)$", rest)
    if bold:
        return bold.group(1).strip(" :"), bold.group(2).strip()
    rest = rest.strip("*_ ").strip()
    head, sep, tail = rest.partition(":")
    if sep and len(head) <= 60:
        return head.strip(" *_"), tail.strip(" *_")
    return rest.strip(" :"), ""


def parse_summary(text: str) -> Parsed:
    """Find the five parts of ``text`` (already :func:`clean_reply`-ed), whatever their shape.

    Two readings are tried. *Numbered*: top-level lines numbered 1..5 in order (``1.``, ``1)``,
    ``Step 1:``, ``### 1.``, ``**1. …**``) whose labels mostly name the part of their number,
    or that are numbered steps. *Named*: headings without numbers (``###``, a bold line, a short
    line ending in a colon) whose words name the five parts (:data:`PART_WORDS`), in order.
    Anything before the first part (a "Summary report:" preamble, a report title) is dropped;
    anything after the fifth part stays in part 5.
    """
    lines = text.split("\n")
    numbered: list[tuple[int, int, str, str]] = []   # (line, n, label, inline content)
    named: list[tuple[int, int, str, str]] = []
    for i, line in enumerate(lines):
        m = _NUMBERED.match(line)
        if m and len(m.group("indent")) <= 1:
            label, inline = _label(m.group("rest"))
            numbered.append((i, int(m.group("n")), label, inline))
            continue
        m = _MD_HEADING.match(line) or _BOLD_LINE.match(line) or _COLON_LINE.match(line)
        if m:
            label, inline = _label(m.group("rest"))
            part = part_of(label)
            if part is not None and len(label) <= 60:
                named.append((i, part, label, inline))
    seq = _in_order(numbered, by_number=True)
    steps = any(re.search(STEP_SUFFIX_KO + r"|step", lines[i], re.I) for i, *_ in seq)
    agree = sum(part_of(label) == n for _, n, label, _ in seq)
    found = [n for _, n, _, _ in seq]
    candidates = []
    if len(seq) == 5 and (agree >= 3 or steps):
        candidates.append(seq)
    candidates += [_in_order(named, by_number=False), _by_part(named)]
    if len(seq) == 5 and agree >= 2:
        candidates.append(seq)
    for heads in candidates:
        if len(heads) == 5:
            bodies = _bodies(lines, heads)
            if all(b.strip() for b in bodies):  # a heading with nothing under it is no part
                return Parsed(parts=bodies, numbered=found)
    # numbered parts that stop early (1..k, k < 5, their labels naming their parts): a reply
    # that lost its end; anything else is a reply in its own shape, kept as one block
    stopped = 2 <= len(seq) < 5 and agree >= len(seq) - 1 and seq[-1][0] == numbered[-1][0]
    return Parsed(block=text.strip(), numbered=found if stopped else [])


def _in_order(heads: list[tuple[int, int, str, str]], by_number: bool) -> list[tuple[int, int, str, str]]:
    """The first run of headings for parts 1, 2, 3, ... in order (each part's first heading)."""
    out: list[tuple[int, int, str, str]] = []
    want = 1
    for h in heads:
        if h[1] == want:
            out.append(h)
            want += 1
        elif by_number and h[1] == 1 and out:
            if len(out) >= 5:
                break
            out, want = [h], 2     # the numbering restarted: a list inside a part, start over
        if want > 5:
            break
    return out


def _by_part(heads: list[tuple[int, int, str, str]]) -> list[tuple[int, int, str, str]]:
    """Named headings: the first heading of each part, when all five parts are named (in any
    order: the bodies are cut in line order, then put in part order)."""
    first: dict[int, tuple[int, int, str, str]] = {}
    for h in heads:
        first.setdefault(h[1], h)
    if len(first) < 5:
        return []
    return sorted(first.values(), key=lambda h: h[0])


def _bodies(lines: list[str], seq: list[tuple[int, int, str, str]]) -> list[str]:
    bodies = {}
    for k, (i, n, _label, inline) in enumerate(seq):
        end = seq[k + 1][0] if k + 1 < len(seq) else len(lines)
        chunk = ([inline] if inline else []) + lines[i + 1:end]
        bodies[n] = _dedent(chunk)
    return [bodies[n] for n in sorted(bodies)]


def _dedent(chunk: list[str]) -> str:
    while chunk and not chunk[-1].strip():
        chunk = chunk[:-1]
    while chunk and not chunk[0].strip():
        chunk = chunk[1:]
    indents = [len(ln) - len(ln.lstrip()) for ln in chunk if ln.strip()]
    cut = min(indents) if indents else 0
    out = []
    for ln in chunk:
        ln = ln[cut:] if ln[:cut].strip() == "" else ln.lstrip()
        m = _MD_HEADING.match(ln)
        if m:  # a sub-heading inside a part: bold, so every renderer shows it the same way
            ln = f"**{m.group('rest').strip('*_ ')}**"
        out.append(ln.rstrip())
    return "\n".join(out)


def normalise(parsed: Parsed, headings: tuple[str, ...] | list[str]) -> str:
    """Our five-part Markdown (``1. **Heading**`` + indented body), or the cleaned block."""
    if not parsed.five:
        return "\n".join(_dedent(parsed.block.split("\n")).split("\n"))
    out = []
    for n, (heading, body) in enumerate(zip(headings, parsed.parts), 1):
        out.append(f"{n}. **{heading}**")
        out += [("   " + ln) if ln.strip() else "" for ln in body.split("\n")]
        out.append("")
    return "\n".join(out).rstrip()


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def reply_json(text: str) -> dict | None:
    """A JSON object reply, if the model wrote one (some servers answer in JSON unasked)."""
    try:
        obj = json.loads(clean_reply(text))
    except ValueError:
        return None
    return obj if isinstance(obj, dict) else None


def from_json(obj: dict, papers) -> str | None:
    """A JSON reply as five-part Markdown: ``{"parts": [...]}`` or one key per part
    (``themes``, ``trends``, ``findings``, ``impact``, ``outlook``, in any language the part
    words know); a finding may cite its paper by number ``n`` (we write the title)."""
    parts: dict[int, object] = {}
    if isinstance(obj.get("parts"), list) and len(obj["parts"]) == 5:
        parts = dict(enumerate(obj["parts"], 1))
    else:
        for key, value in obj.items():
            n = part_of(str(key).replace("_", " "))
            if n is not None:
                parts.setdefault(n, value)
    if len(parts) < 5:
        return None
    lines = []
    for n in range(1, 6):
        value = parts[n]
        if isinstance(value, dict) and not {"n", "paper"} & set(value):
            value = value.get("text") or value.get("items") or value.get("bullets") or value
        items = value if isinstance(value, list) else [value]
        lines.append(f"{n}. **{('Themes', 'Trends', 'Findings', 'Impact', 'Outlook')[n - 1]}**")
        for item in items:
            lines.append("   - " + _json_item(item, papers))
    return "\n".join(lines)


def _json_item(item, papers) -> str:
    if not isinstance(item, dict):
        return one_line(str(item))
    text = " ".join(one_line(str(v)) for k, v in item.items() if k not in ("n", "paper", "title"))
    ref = item.get("n", item.get("paper"))
    if isinstance(ref, int) and 1 <= ref <= len(papers):
        return f"'{papers[ref - 1].title}': {text}"
    if item.get("title"):
        return f"'{one_line(str(item['title']))}': {text}"
    return text
