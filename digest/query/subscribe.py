"""The ``/digest subscribe HH:MM ZONE [ko|en] [CATEGORY ...]`` grammar, and time-zone spelling
(``canonical_zone``: the one rule for /digest subscribe and ``digest subscriptions add``)."""

from __future__ import annotations

import difflib
import re
import zoneinfo
from functools import lru_cache
from typing import NamedTuple

from digest.classify.taxonomy import Taxonomy
from digest.models import DigestQuery
from digest.query.words import (
    error_query,
    grammar_words,
    language_word,
    max_words,
    plain_words,
    segment,
    show,
    strip_punct,
    unknown_category,
)

LANGUAGES = ("en", "ko")
_ALL_WORDS = grammar_words("all")
_TIME = re.compile(r"([0-9]{1,2}):([0-9]{2})")
_ZONE_SHAPE = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+){0,3}")
_LANGUAGE_SHAPE = re.compile(r"[a-z]{2}(?:[-_][a-z]{2})?", re.IGNORECASE)
_ZONE_ALIASES = {"kst": "Asia/Seoul", "utc": "UTC", "gmt": "UTC", "z": "UTC"}


class SubscribeRequest(NamedTuple):
    """The validated parts of a ``subscribe`` query (see :func:`subscribe_request`)."""

    time: str  # "HH:MM", 24-hour, zero-padded
    timezone: str  # an IANA key accepted by zoneinfo, canonical spelling
    language: str | None  # "ko" / "en", None when not given (use the default)
    categories: tuple[str, ...]  # canonical taxonomy names; empty means all
    only: str | None = None  # --only "LLM, agents" as typed (digest.deliver.filters reads it)
    exclude: str | None = None  # --exclude "medical"


def subscribe_request(query: DigestQuery) -> SubscribeRequest:
    """Unpack ``args`` of a ``kind="subscribe"`` query: ``(HH:MM, zone, [lang], *categories)``."""
    if query.kind != "subscribe" or len(query.args) < 2:
        raise ValueError(f"not a subscribe query: {query!r}")
    time, zone, *rest = query.args
    flags = {a.split("=", 1)[0]: a.split("=", 1)[1] for a in rest if a.startswith(FLAG_PREFIXES)}
    rest = [a for a in rest if not a.startswith(FLAG_PREFIXES)]
    language = rest.pop(0) if rest and rest[0] in LANGUAGES else None
    return SubscribeRequest(time, zone, language, tuple(rest), flags.get("--only"), flags.get("--exclude"))


# --only / --exclude (last on the line): a quoted list, or the words up to the next flag
FLAG_PREFIXES = ("--only=", "--exclude=")
_FILTER_FLAG = re.compile(r"(?:--|[—–])(only|exclude)\b\s*=?\s*"
                          r"(?:\"([^\"]*)\"|“([^”]*)”|'([^']*)'|((?:(?!\s(?:--|[—–])(?:only|exclude)\b).)*))",
                          re.IGNORECASE)


def take_filters(text: str) -> tuple[str, tuple[str, ...]]:
    """``subscribe ... --only "LLM, agents" --exclude medical`` -> the text without the flags, and
    the flags as query args (``--only=LLM, agents``); a flag given twice keeps the last."""
    found: dict[str, str] = {}

    def take(m: re.Match) -> str:
        value = next((g for g in m.groups()[1:] if g is not None), "")
        found[m[1].lower()] = " ".join(value.split())
        return " "

    rest = _FILTER_FLAG.sub(take, text)
    return rest, tuple(f"--{k}={v}" for k, v in found.items())


WEEKLY_WORDS = grammar_words("weekly")  # /digest subscribe weekly mon 09:00 Asia/Seoul


def parse_subscribe(raw: list[str], taxonomy: Taxonomy, language: str) -> DigestQuery:
    """The tokens after ``subscribe`` -> ``kind="subscribe"`` with args, or a one-line error.

    ``subscribe weekly DAY HH:MM ZONE [ko|en]`` -> args ``("weekly", DAY, HH:MM, ZONE, [lang])``
    (read by ``digest.week.chat``)."""
    tokens = [s for s in (strip_punct(t) for t in raw) if s]
    if tokens and tokens[0].casefold() in WEEKLY_WORDS:
        if len(tokens) < 4:
            return error_query(language, "subscribe_usage")
        inner = parse_subscribe(tokens[2:], taxonomy, language)
        if inner.kind != "subscribe":
            return inner
        req = subscribe_request(inner)
        if req.categories:  # the week is about every category: say so rather than drop them
            from digest.text import t

            return DigestQuery("error", message=t(language, "week_no_categories"))
        return DigestQuery("subscribe", args=("weekly", tokens[1], req.time, req.timezone,
                                              *((req.language,) if req.language else ())))
    if not tokens:
        return error_query(language, "subscribe_usage")
    if len(tokens) == 1:
        only = tokens[0]
        if (time := _time(only)) is not None:
            return error_query(language, "missing_zone", time=time)
        if canonical_zone(only) is not None:
            return error_query(language, "subscribe_usage")
        return error_query(language, "bad_time", token=show(only))
    first, second = tokens[0], tokens[1]
    if _time(first) is None and _time(second) is not None:  # "Asia/Seoul 09:00" is fine too
        first, second = second, first
    time = _time(first)
    if time is None:
        return error_query(language, "bad_time", token=show(first))
    zone = canonical_zone(second)
    if zone is None:
        hint = _zone_suggestion(second)
        if hint:
            return error_query(language, "bad_zone_suggest", token=show(second), suggestion=hint)
        return error_query(language, "bad_zone", token=show(second))

    rest = plain_words(tokens[2:], taxonomy)
    lang = None
    if rest and taxonomy.get(rest[0]) is None:
        lang = language_word(rest[0])
        starts_category = any(taxonomy.get(" ".join(rest[:k])) for k in range(1, max_words(taxonomy) + 1))
        if lang is None and _LANGUAGE_SHAPE.fullmatch(rest[0]) and not starts_category:
            return error_query(language, "bad_language", token=show(rest[0]))
        if lang is not None:
            rest = rest[1:]
    if len(rest) == 1 and rest[0].casefold() in _ALL_WORDS:
        rest = []
    cats, unknown = segment(rest, taxonomy)
    if unknown:
        return unknown_category(unknown, taxonomy, language)
    args = (time, zone, *((lang,) if lang else ()), *(c.name for c in cats))
    return DigestQuery("subscribe", args=args)


def _time(token: str) -> str | None:
    """``9:00`` -> ``09:00``; None unless a 24-hour time."""
    m = _TIME.fullmatch(token)
    if not m or int(m[1]) > 23 or int(m[2]) > 59:
        return None
    return f"{int(m[1]):02d}:{m[2]}"


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    try:
        names = zoneinfo.available_timezones()
    except Exception:  # no tz database listing: fall back to ZoneInfo() on the key as typed
        names = set()
    return {n.casefold(): n for n in names}


def canonical_zone(token: str) -> str | None:
    """The canonical IANA key for a time zone typed in any case (``asia/seoul``, ``KST``), or None.
    Public: ``digest subscriptions add`` spells zones by the same rule as /digest subscribe."""
    if not _ZONE_SHAPE.fullmatch(token):
        return None
    key = _ZONE_ALIASES.get(token.casefold()) or _zones().get(token.casefold(), token)
    try:
        zoneinfo.ZoneInfo(key)
    except Exception:  # ZoneInfoNotFoundError, ValueError, IsADirectoryError ("Asia")...
        return None
    return key


def _zone_suggestion(token: str) -> str | None:
    if len(token) > 60:
        return None
    zones = _zones()
    match = difflib.get_close_matches(token.casefold(), list(zones), n=1, cutoff=0.8)
    return zones[match[0]] if match else None
