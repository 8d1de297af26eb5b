"""LLM-written five-part synthesis per category, all categories at once, offline fallback each.

``LLMSummarizer(llm).summarize_all(groups, language)`` asks for every category concurrently
(at most DIGEST_LLM_CONCURRENCY calls in flight), so a build takes about one LLM round, not
one per category. Each reply is checked before it is used or cached: five numbered parts,
not a refusal, citing at least one of the given papers and no title that is not given.
A category whose call fails, is refused, fails the check or would pass the daily token budget
gets the offline :class:`~digest.summarize.ExtractiveSummarizer` summary with a note saying why.
"""

from __future__ import annotations

import logging
import re
from concurrent.futures import ThreadPoolExecutor
from difflib import SequenceMatcher

from digest import prompts
from digest.i18n import STRINGS, language_name
from digest.llm import LLM, BudgetExceeded, LLMError, cache_key_for
from digest.models import CategorySummary, Paper
from digest.summarize import ExtractiveSummarizer
from digest.taxonomy import Category

log = logging.getLogger(__name__)

ENGLISH_PARTS = ("Key themes", "Shared keywords, trends and patterns", "Key findings per paper",
                 "Impact on sectors", "Synthesis and outlook")
ABSTRACT_CHARS = 2000  # per paper in the prompt; arXiv abstracts are at most 1,920 characters
MAX_TOKENS = 2000      # a Korean five-part synthesis of 3 papers is about 1,000-1,500 tokens

_PART = re.compile(r"^[ \t]{0,4}(?:#{1,6}[ \t]*)?(?:\*\*|__)?[ \t]*([1-5])[ \t]*[.)．]", re.M)
_REFUSAL = re.compile(r"^\W*(?:i'?m sorry|i am sorry|sorry|i can(?:no|')?t|i cannot|i won'?t|"
                      r"i am unable|i'm unable|as an ai|죄송|申し訳|抱歉)", re.I)
_QUOTED = re.compile(r"'([^'\n]{12,300})'|‘([^’\n]{12,300})’|\"([^\"\n]{12,300})\"|“([^”\n]{12,300})”")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9\-]*")
_FENCE = re.compile(r"^```[\w-]*\s*\n(.*)\n```\s*$", re.S)


class UnusableReply(ValueError):
    """A reply that must not be shown or cached; ``cause`` goes into the category's note."""

    def __init__(self, message: str, cause: str = "malformed reply"):
        super().__init__(message)
        self.cause = cause


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


def _title_like(span: str) -> bool:
    """Looks like an English paper title: 4+ words, most longer words capitalized."""
    words = _WORD.findall(span)
    if len(words) < 4:
        return False
    long_words = [w for w in words if len(w) > 3] or words
    return sum(w[0].isupper() for w in long_words) / len(long_words) >= 0.6


def _matches(span: str, papers: list[Paper]) -> bool:
    """``span`` is (close to) a given title, or a phrase of a given title or abstract."""
    s = _norm(span)
    if not s:
        return True
    for p in papers:
        t = _norm(p.title)
        if s in t or t in s or SequenceMatcher(None, s, t).ratio() >= 0.85 or s in _norm(p.abstract):
            return True
    return False


def clean_reply(text: str) -> str:
    """The reply without a code fence around it."""
    text = text.strip()
    m = _FENCE.match(text)
    return m.group(1).strip() if m else text


def check_summary(text: str, papers: list[Paper]) -> None:
    """Raise :class:`UnusableReply` unless ``text`` is a five-part synthesis of ``papers``."""
    text = clean_reply(text)
    parts = {int(n) for n in _PART.findall(text)}
    if _REFUSAL.match(text) and len(parts) < 5:
        raise UnusableReply(f"refusal: {text[:80]!r}", cause="refusal")
    missing = sorted(set(range(1, 6)) - parts)
    if missing:
        raise UnusableReply(f"the synthesis lacks part(s) {missing}", cause="incomplete reply")
    titles = [p.title for p in papers]
    for m in _QUOTED.finditer(text):
        span = next(g for g in m.groups() if g)
        if _title_like(span) and not _matches(span, papers):
            raise UnusableReply(f"cites a paper that was not given: {span[:80]!r}",
                                cause="invented a paper")
    body = _norm(text)
    names = [_norm(t) for t in titles] + [_norm(t.split(":")[0]) for t in titles if ":" in t]
    if not any(n and len(n) >= 4 and n in body for n in names):
        raise UnusableReply("cites none of the given papers by title", cause="no citation")


def summary_messages(category: Category, papers: list[Paper], language: str) -> list[dict]:
    """The prompt for one category: instructions, then the papers as a quoted JSON block."""
    name = language_name(language)
    known = STRINGS.get(language.lower())
    headings = known["parts"] if known else tuple(f"{h} (in {name})" for h in ENGLISH_PARTS)
    data = prompts.quote_data([
        {"n": i, "title": " ".join(p.title.split()), "abstract": prompts.clip(p.abstract, ABSTRACT_CHARS)}
        for i, p in enumerate(papers, 1)])
    return prompts.render(
        "summarize", language=name, category=category.name,
        description=category.description or category.name, count=len(papers), papers=data,
        **{f"h{i}": h for i, h in enumerate(headings, 1)})


class LLMSummarizer:
    """Summarizer that asks the LLM per category, concurrently; offline summary per failure."""

    name = "llm"

    def __init__(self, llm: LLM, settings=None, *, fallback: ExtractiveSummarizer | None = None,
                 max_tokens: int = MAX_TOKENS):
        self.llm = llm
        self.settings = settings or llm.settings
        self.fallback = fallback or ExtractiveSummarizer()
        self.max_tokens = max_tokens
        self.concurrency = max(1, int(self.settings.digest_llm_concurrency))

    def summarize(self, category: Category, papers: list[Paper], language: str) -> CategorySummary:
        """One category's summary: LLM-written, or the offline one with the reason in ``note``."""
        if not papers:
            return self._offline(category, papers, language, "")
        if not self.llm.enabled:
            return self._offline(category, papers, language,
                                 "no OPENAI_API_KEY: offline summary")
        messages = summary_messages(category, papers, language)
        key = cache_key_for("summary", prompts.fingerprint("summarize"), messages)
        try:
            text = self.llm.complete(kind="summary", messages=messages, max_tokens=self.max_tokens,
                                     cache_key=key, validate=lambda r: check_summary(r, papers))
        except BudgetExceeded as err:
            log.warning("summary of %s: offline summary: %s", category.name, err)
            return self._offline(category, papers, language, "LLM over budget today: offline summary")
        except LLMError as err:  # already logged with its cause by digest.llm
            log.info("summary of %s: offline summary (LLM %s)", category.name, err.cause)
            return self._offline(category, papers, language,
                                 f"LLM failed ({err.cause}): offline summary")
        return CategorySummary(category=category.name, emoji=category.emoji, papers=tuple(papers),
                               text=clean_reply(text), model=self.llm.model, language=language)

    def summarize_all(self, groups: list[tuple[Category, list[Paper]]],
                      language: str) -> list[CategorySummary]:
        """One summary per group, in order; the calls run concurrently, bounded."""
        if not groups:
            return []
        workers = min(self.concurrency, len(groups))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="llm-summary") as pool:
            return list(pool.map(lambda g: self.summarize(g[0], list(g[1]), language), groups))

    def _offline(self, category: Category, papers: list[Paper], language: str,
                 note: str) -> CategorySummary:
        return self.fallback.summarize(category, papers, language, note=note)
