"""The one parser of ``/digest`` text, shared by every adapter (console, Slack, Discord).

``parse_query(text, taxonomy, today)`` turns what a person typed into a :class:`DigestQuery`.
It never raises: anything it cannot read comes back as ``kind="error"`` with a one-line,
helpful ``message`` (English by default, Korean with ``language="ko"``).

Grammar (tokens are separated by spaces or commas; a leading ``/digest`` or ``digest`` word,
surrounding whitespace, edge punctuation, full-width characters and case are all tolerated)::

    (empty) | latest                 -> digest,     day=None (the latest digest)
    DATE                             -> digest,     day=DATE
    CATEGORY                         -> category,   day=None
    CATEGORY DATE  |  DATE CATEGORY  -> category,   day=DATE
    help | ? | -h                     -> help
    categories | list                 -> categories
    subscribe HH:MM ZONE [ko|en] [CATEGORY ...] [--only "W, W"] [--exclude "W"]
                                      -> subscribe, args=(HH:MM, ZONE, [lang], *names, [--only=..])
    unsubscribe                       -> unsubscribe, args=remaining tokens
    settings                          -> settings,    args=remaining tokens
    follow WORDS | following | unfollow WORDS|all  -> see ``query.follow``
    search WORDS                      -> search,      args=(the words,)

Every command word has its forms in each catalog of ``digest.text`` (``words_help``, ...):
a reader may type the words of any language the bot speaks.

DATE is ``YYYY-MM-DD``; ``YYYY/MM/DD``, ``YYYY.MM.DD``, ``YYYYMMDD`` and a date written
with a catalog's year/month/day words are normalised to the same day. Words: ``today``,
``yesterday``, ``latest`` (no day), in every catalog's language. A date must lie between 2015-01-01 and ``today``.

CATEGORY is a taxonomy name or alias, possibly several words ("computer vision",
or its Korean alias), or a category's emoji. Commands take precedence over category names.

The subscribe arguments are read by ``query.subscribe``; word matching shared by both lives in
``query.words``; the help and category list texts in ``query.help``; every message and command
word is a key of the string catalog ``digest.text``.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, timedelta

from digest.classify.taxonomy import Taxonomy
from digest.models import DigestQuery
from digest.query.follow import FOLLOW_KINDS, parse_follow
from digest.query.subscribe import parse_subscribe, take_filters
from digest.query.words import (
    clean,
    error_query,
    grammar_words,
    plain_words,
    segment,
    show,
    strip_punct,
    unknown_category,
)

log = logging.getLogger(__name__)

KINDS = frozenset(
    {"digest", "category", "help", "categories", "subscribe", "unsubscribe", "settings", "error",
     "week", "search"}
) | FOLLOW_KINDS
EARLIEST_DAY = date(2015, 1, 1)
MAX_INPUT_CHARS = 1000  # a slash command is short; this bounds the work done on junk input

# command words: every catalog's (``words_*``), whatever the reader's language
_DIGEST_WORDS = grammar_words("digest")
_HELP_WORDS = grammar_words("help")
_CATEGORIES_WORDS = grammar_words("categories")
_SUBSCRIBE_WORDS = grammar_words("subscribe")
_UNSUBSCRIBE_WORDS = grammar_words("unsubscribe")
_UNSUBSCRIBE_SECOND = grammar_words("unsubscribe_second")  # "<subscribe> <cancel>" in two words
_SETTINGS_WORDS = grammar_words("settings")
_WEEK_WORDS = grammar_words("week")  # /digest week [DATE]: digest.week
_SEARCH_WORDS = grammar_words("search")  # /digest search WORDS: digest.ask.search

_DAY_OFFSETS = {**dict.fromkeys(grammar_words("today"), 0), **dict.fromkeys(grammar_words("yesterday"), 1),
                **dict.fromkeys(grammar_words("two_days_ago"), 2)}
_LATEST_WORDS = grammar_words("latest")
_SEPARATORS = re.compile(r"[\s,;、]+")
_DATEISH = re.compile(r"[0-9][0-9./\-]*")
_DATE_SEP = re.compile(r"([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})")
_DATE_COMPACT = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")


def parse_query(text: str, taxonomy: Taxonomy, today: date, *, language: str = "en") -> DigestQuery:
    """Parse the text after ``/digest``; never raises (bad input -> ``kind="error"``)."""
    try:
        return _parse(text, taxonomy, today, language)
    except Exception:  # a bug here must not crash an adapter; the fuzz tests call _parse directly
        log.exception("cannot parse /digest text %r", text)
        return error_query(language, "internal")


def _parse(text: str, taxonomy: Taxonomy, today: date, language: str) -> DigestQuery:
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    if isinstance(today, datetime):
        today = today.date()
    if len(text) > MAX_INPUT_CHARS * 4:
        return error_query(language, "too_long")
    text = clean(text)
    if len(text) > MAX_INPUT_CHARS:
        return error_query(language, "too_long")
    tokens = [t for t in _SEPARATORS.split(text) if t]
    while tokens and strip_punct(tokens[0]).casefold() in _DIGEST_WORDS:
        tokens.pop(0)
    if not tokens:
        return DigestQuery("digest")
    if (follow := parse_follow(text)) is not None:  # follow | following | unfollow (query.follow)
        return follow

    head, rest = tokens[0].casefold(), tokens[1:]
    word = strip_punct(head).lstrip("-/!")  # "--help", "/help", "-h" -> "help", "h"
    if head in _HELP_WORDS or word in _HELP_WORDS or (not word and "?" in head):
        return DigestQuery("help")
    if word in _CATEGORIES_WORDS:
        return DigestQuery("categories")
    if word in _SUBSCRIBE_WORDS:
        if rest and strip_punct(rest[0]) in _UNSUBSCRIBE_SECOND:
            return DigestQuery("unsubscribe", args=_plain_args(rest[1:]))
        return _subscribe(text, rest, taxonomy, language)
    if word in _UNSUBSCRIBE_WORDS:
        return DigestQuery("unsubscribe", args=_plain_args(rest))
    if word in _SETTINGS_WORDS:
        return DigestQuery("settings", args=_plain_args(rest))
    if word in _WEEK_WORDS:
        return _week(_plain_args(rest), today, language)
    if word in _SEARCH_WORDS:  # the words as typed; digest.ask.search reads (or refuses) them
        return DigestQuery("search", args=(" ".join(rest),))
    return _query(tokens, taxonomy, today, language)


def _week(tokens: tuple[str, ...], today: date, language: str) -> DigestQuery:
    """``week [DATE]``: the 7 days ending DATE (default: yesterday, chosen by the engine)."""
    if not tokens:
        return DigestQuery("week")
    if len(tokens) > 1:
        return error_query(language, "two_dates", a=show(tokens[0]), b=show(tokens[1]))
    day, problem = _parse_day(tokens[0], today, language)
    return problem or DigestQuery("week", day=day)


def _subscribe(text: str, rest: list[str], taxonomy: Taxonomy, language: str) -> DigestQuery:
    """``subscribe`` with its keyword filters (``--only``/``--exclude``, see query.subscribe)."""
    body, flags = take_filters(text)
    if not flags:
        return parse_subscribe(rest, taxonomy, language)
    tokens = [t for t in _SEPARATORS.split(body) if t]
    while tokens and strip_punct(tokens[0]).casefold() in _DIGEST_WORDS:
        tokens.pop(0)
    query = parse_subscribe(tokens[1:], taxonomy, language)
    if query.kind != "subscribe":
        return query
    if any(not f.split("=", 1)[1] for f in flags):
        return error_query(language, "subscribe_usage")
    return DigestQuery("subscribe", args=query.args + flags)


def _plain_args(tokens: list[str]) -> tuple[str, ...]:
    return tuple(s for s in (strip_punct(t) for t in tokens) if s)


def _query(raw: list[str], taxonomy: Taxonomy, today: date, language: str) -> DigestQuery:
    tokens = plain_words(raw, taxonomy)
    if not tokens:
        return DigestQuery("digest")
    whole = taxonomy.get(" ".join(tokens))  # a category whose name holds a date word wins
    if whole is not None:
        return DigestQuery("category", category=whole.name)

    dates = [t for t in tokens if _is_dateish(t)]
    if len(dates) > 1:
        return error_query(language, "two_dates", a=show(dates[0]), b=show(dates[1]))
    day: date | None = None
    if dates:
        day, problem = _parse_day(dates[0], today, language)
        if problem is not None:
            return problem
    words = [t for t in tokens if not _is_dateish(t)]
    if not words:
        return DigestQuery("digest", day=day)

    cats, unknown = segment(words, taxonomy)
    if unknown:
        return unknown_category(unknown, taxonomy, language)
    if len(cats) > 1:
        return error_query(language, "two_categories", a=cats[0].name, b=cats[1].name)
    return DigestQuery("category", day=day, category=cats[0].name)


def _is_dateish(token: str) -> bool:
    key = token.casefold()
    return key in _DAY_OFFSETS or key in _LATEST_WORDS or bool(_DATEISH.fullmatch(key))


def parse_day(text: str, today: date, language: str = "en") -> tuple[date | None, str]:
    """One date word (``YYYY-MM-DD``, ``today``, ``yesterday``...) -> ``(day, "")``, or ``(None, message)``
    when it is malformed, in the future or too early; a "latest" word gives ``(None, "")``."""
    day, error = _parse_day(text.strip(), today, language)
    return day, (error.message if error else "")


def _parse_day(token: str, today: date, language: str) -> tuple[date | None, DigestQuery | None]:
    key = token.casefold()
    if key in _LATEST_WORDS:
        return None, None
    if key in _DAY_OFFSETS:
        return today - timedelta(days=_DAY_OFFSETS[key]), None
    m = _DATE_SEP.fullmatch(key)
    parts = (m[1], m[3], m[4]) if m else None
    if parts is None and (m := _DATE_COMPACT.fullmatch(key)):
        parts = (m[1], m[2], m[3])
    try:
        if parts is None:
            raise ValueError(token)
        day = date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        return None, error_query(language, "bad_date", token=show(token))
    if day > today:
        return None, error_query(language, "future", day=day.isoformat())
    if day < EARLIEST_DAY:
        return None, error_query(language, "too_early", day=day.isoformat(), earliest=EARLIEST_DAY.isoformat())
    return day, None
