"""The one LLM paragraph of a week, grounded in the week's numbers and its stored category
syntheses, cached (``LLM.complete`` with a key of the prompt and its data): asking for the same
week twice costs one call. Offline, or when the call fails, the numbers speak alone."""

from __future__ import annotations

import logging
from dataclasses import replace

from digest.llm import prompts
from digest.llm.client import LLMError
from digest.llm.ledger import cache_key_for
from digest.text import language_name
from digest.untrusted import strip_injections
from digest.week.report import Week

log = logging.getLogger(__name__)

PROMPT, VERSION = "week_trend", "v1"
WORDS = 120
MAX_TOKENS = 500
SYNTHESIS_CHARS = 700  # per category and day in the prompt
MAX_SYNTHESES = 40


def _syntheses(week: Week, service) -> list[dict]:
    out = []
    for day in week.days:
        digest = (service.store.load_digest(day, week.language)  # else another language's
                  or service.store.load_digest(day, "en") or service.store.load_digest(day, "ko"))
        for s in digest.summaries if digest else ():
            out.append({"day": day.isoformat(), "category": s.category,
                        "synthesis": prompts.clip(strip_injections(s.text), SYNTHESIS_CHARS)})
    return out[:MAX_SYNTHESES]


def trend_messages(week: Week, service) -> list[dict]:
    data = prompts.quote_data([
        {"counts": [{"category": c.category, "this_week": c.this_week, "week_before": c.last_week}
                    for c in week.categories]},
        {"rising_terms": [r.term for r in week.rising]},
        *_syntheses(week, service)])
    return prompts.render(PROMPT, VERSION, language=language_name(week.language), words=WORDS,
                          start=week.start.isoformat(), end=week.end.isoformat(), data=data)


def _validate(reply: str) -> None:
    if len(reply.split()) < 5:
        raise ValueError("too short for a paragraph")


def with_trend(week: Week, service) -> Week:
    """``week`` with its trend paragraph, or with ``trend_note`` saying why there is none."""
    llm = service.llm
    if llm is None or not getattr(llm, "enabled", True):
        return week
    messages = trend_messages(week, service)
    key = cache_key_for("week_trend", prompts.fingerprint(PROMPT, VERSION), messages)
    try:
        text = llm.complete(kind="week_trend", messages=messages, cache_key=key,
                            max_tokens=MAX_TOKENS, validate=_validate, max_chars=4000)
    except LLMError as err:
        log.warning("week %s: no trend paragraph (LLM %s): %s", week.end, err.cause, err)
        return replace(week, trend_note=f"LLM {err.cause}")
    return replace(week, trend=" ".join(strip_injections(text).split()))


def cached_trend(week: Week, service) -> Week:
    """``week`` with its trend paragraph when one is already cached, never calling the LLM (the
    web archive: building pages must stay offline and free)."""
    llm = getattr(service, "llm", None)
    if llm is None or week.empty or not hasattr(llm, "cached"):
        return week
    messages = trend_messages(week, service)
    text = llm.cached(cache_key_for("week_trend", prompts.fingerprint(PROMPT, VERSION), messages))
    return replace(week, trend=" ".join(strip_injections(text).split())) if text else week
