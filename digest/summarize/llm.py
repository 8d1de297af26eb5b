"""LLM-written five-part synthesis per category, all categories at once, offline fallback each.

``LLMSummarizer(llm).summarize_all(groups, language)`` asks for every category concurrently
(at most DIGEST_LLM_CONCURRENCY calls in flight), so a build takes about one LLM round, not
one per category. Abstracts go into the prompt without sentences that address an AI reader
(:func:`digest.summarize.checks.without_injections`). Each reply is read by :mod:`digest.summarize.replies`,
which accepts the shapes real models write and rejects only what is wrong (refusal, empty, cut
off, runaway length, not about the given papers, obeying injected text, parts missing). A reply
that fails on form only gets one repair request quoting the problem (kind ``summary_repair``
in ``llm_usage``); a category whose call fails, is refused, fails twice or would pass the daily
token budget gets the offline :class:`~digest.summarize.extractive.ExtractiveSummarizer` summary with a
note naming the cause.
"""

from __future__ import annotations

import dataclasses
import logging
from concurrent.futures import ThreadPoolExecutor
from string import Template

from digest.llm import prompts
from digest.text import known, language_name, strings, t
from digest.llm.client import LLM, BudgetExceeded, LLMError
from digest.llm.ledger import cache_key_for
from digest.models import CategorySummary, Paper
from digest.summarize.checks import check_summary, without_injections
from digest.summarize.replies import MAX_REPLY_CHARS, normalise
from digest.summarize.extractive import ExtractiveSummarizer
from digest.classify.taxonomy import Category

log = logging.getLogger(__name__)

ENGLISH_PARTS = ("Key themes", "Shared keywords, trends and patterns", "Key findings per paper",
                 "Impact on sectors", "Synthesis and outlook")
ABSTRACT_CHARS = 2000  # per paper in the prompt; arXiv abstracts are at most 1,920 characters
MAX_TOKENS = 2000      # a Korean five-part synthesis of 3 papers is about 1,000-1,500 tokens
SUMMARY_PROMPT = "v2"  # summarize_v2.txt: titles may be shortened to the method's name, length cap
WORDS = 600            # the length the prompt asks for (well inside MAX_TOKENS in Korean)

# What a category's note says for each cause an LLMError carries (the rest: the cause itself).
CAUSE_TEXT = {
    "connection": "unreachable", "auth": "HTTP 401, the API key was refused",
    "rate limited": "HTTP 429, rate limited", "timeout": "timed out", "refusal": "refused",
    "server error": "server error", "reply too long": "reply far too long",
    "not about these papers": "reply not about these papers", "other papers": "reply about other papers",
}


def headings_for(language: str) -> tuple[str, ...]:
    if known(language):
        return tuple(strings(language)["parts"])
    return tuple(f"{h} (in {language_name(language)})" for h in ENGLISH_PARTS)


def summary_messages(category: Category, papers: list[Paper], language: str) -> list[dict]:
    """The prompt for one category: instructions, then the papers as a quoted JSON block."""
    name = language_name(language)
    data = prompts.quote_data([
        {"n": i, "title": " ".join(p.title.split()),
         "abstract": prompts.clip(without_injections(p.abstract), ABSTRACT_CHARS)}
        for i, p in enumerate(papers, 1)])
    return prompts.render(
        "summarize", SUMMARY_PROMPT, language=name, category=category.name,
        description=category.description or category.name, count=len(papers), papers=data,
        words=WORDS, **{f"h{i}": h for i, h in enumerate(headings_for(language), 1)})


def repair_messages(messages: list[dict], reply: str, problem: str, language: str) -> list[dict]:
    """The original request, the unusable reply, and one follow-up quoting what was wrong."""
    _, user = prompts.load("summarize_repair", "v1")
    ask = Template(user).substitute(problem=problem, language=language_name(language))
    return [*messages, {"role": "assistant", "content": reply[:8000]}, {"role": "user", "content": ask}]


def note_for(err: LLMError) -> str:
    """The category's note for a failed LLM summary: the cause, never "set OPENAI_API_KEY"."""
    if isinstance(err, BudgetExceeded):
        return "LLM over budget today: offline summary"
    if err.cause == "no key":
        return "no OPENAI_API_KEY: offline summary"
    return f"LLM failed ({CAUSE_TEXT.get(err.cause, err.cause)}): offline summary"


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
        key = cache_key_for("summary", prompts.fingerprint("summarize", SUMMARY_PROMPT), messages)

        def validate(reply: str) -> None:
            check_summary(reply, papers)

        args = dict(max_tokens=self.max_tokens, validate=validate, cut_off_ok=False,
                    max_chars=MAX_REPLY_CHARS)
        try:
            try:
                text = self.llm.complete(kind="summary", messages=messages, cache_key=key, **args)
            except LLMError as err:
                if not err.repairable or isinstance(err, BudgetExceeded):
                    raise
                log.info("summary of %s: asking once more (%s)", category.name, err.problem)
                text = self.llm.complete(
                    kind="summary_repair", cache_key=None, **args,
                    messages=repair_messages(messages, err.reply, _problem(err), language))
                self.llm.remember(key, "summary", text)  # a rebuild reuses the repaired reply
        except LLMError as err:  # already logged with its cause by digest.llm.client
            log.warning("summary of %s: offline summary (LLM %s): %s", category.name, err.cause, err)
            return self._offline(category, papers, language, note_for(err))
        parsed = check_summary(text, papers)
        return CategorySummary(category=category.name, emoji=category.emoji, papers=tuple(papers),
                               text=normalise(parsed, headings_for(language)), model=self.llm.model,
                               language=language)

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
        """The extractive summary (quoting no injected sentence); with a key set, its closing
        line names why the LLM did not write it instead of asking for OPENAI_API_KEY."""
        quiet = [p if p.abstract == (a := without_injections(p.abstract, mark=False))
                 else dataclasses.replace(p, abstract=a) for p in papers]
        summary = self.fallback.summarize(category, quiet, language, note=note)
        text = summary.text
        if self.llm.enabled:
            generic = t(language, "offline_note")
            cause = note.removesuffix(": offline summary") or "unavailable"
            text = text.replace(generic, t(language, "offline_note_llm", cause=cause))
        return dataclasses.replace(summary, papers=tuple(papers), text=text)


def _problem(err: LLMError) -> str:
    """The repair request's quote of the problem, without our own log prefix."""
    return (err.problem or str(err)).removeprefix("unusable reply: ")
