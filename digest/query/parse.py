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
    help | ? | -h | 도움말            -> help
    categories | list | 카테고리      -> categories
    subscribe HH:MM ZONE [ko|en] [CATEGORY ...]  -> subscribe, args=(HH:MM, ZONE, [lang], *names)
    unsubscribe | 구독 취소           -> unsubscribe, args=remaining tokens
    settings | 설정                   -> settings,    args=remaining tokens

DATE is ``YYYY-MM-DD``; ``YYYY/MM/DD``, ``YYYY.MM.DD``, ``YYYYMMDD`` and ``2024년 11월 24일``
are normalised to the same day. Words: ``today``/``오늘``, ``yesterday``/``어제``,
``latest``/``최신`` (no day). A date must lie between 2015-01-01 and ``today``.

CATEGORY is a taxonomy name or alias, possibly several words ("computer vision",
"컴퓨터 비전"), or a category's emoji. Commands take precedence over category names.
"""

from __future__ import annotations

import difflib
import logging
import re
import unicodedata
import zoneinfo
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

from digest.models import DigestQuery
from digest.classify.taxonomy import Category, Taxonomy, normalize

log = logging.getLogger(__name__)

KINDS = frozenset(
    {"digest", "category", "help", "categories", "subscribe", "unsubscribe", "settings", "error"}
)
EARLIEST_DAY = date(2015, 1, 1)
MAX_INPUT_CHARS = 1000  # a slash command is short; this bounds the work done on junk input
LANGUAGES = ("en", "ko")

# --------------------------------------------------------------------------- messages

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "unknown_category": 'Unknown category "{name}". Did you mean "{suggestion}"? '
                            "Try /digest categories.",
        "unknown_category_plain": 'Unknown category "{name}". Try /digest categories to see them all.',
        "bad_date": '"{token}" is not a valid date: use YYYY-MM-DD, today or yesterday.',
        "future": "{day} is in the future: the latest digest is for today or earlier.",
        "too_early": "{day} is too early: digests start on {earliest}.",
        "two_dates": 'Give one date at most (got "{a}" and "{b}"), e.g. /digest LLM 2024-11-24.',
        "two_categories": 'Ask for one category at a time (got "{a}" and "{b}"), '
                          "e.g. /digest LLM 2024-11-24.",
        "too_long": "That request is too long. Try /digest help.",
        "subscribe_usage": "Usage: /digest subscribe HH:MM Area/City [ko|en] [categories...], "
                           "e.g. /digest subscribe 09:00 Asia/Seoul ko LLM Computer Vision.",
        "bad_time": '"{token}" is not a time: use 24-hour HH:MM, e.g. 09:00 or 18:30.',
        "missing_zone": "Add a time zone after the time, e.g. /digest subscribe {time} Asia/Seoul.",
        "bad_zone": 'Unknown time zone "{token}": use an IANA name such as Asia/Seoul, '
                    "Europe/London or UTC.",
        "bad_zone_suggest": 'Unknown time zone "{token}". Did you mean "{suggestion}"?',
        "bad_language": '"{token}" is not a supported language: use ko or en.',
        "internal": "Sorry, I could not read that. Try /digest help.",
    },
    "ko": {
        "unknown_category": '알 수 없는 카테고리 "{name}"입니다. "{suggestion}"을(를) 찾으셨나요? '
                            "/digest categories 로 목록을 볼 수 있습니다.",
        "unknown_category_plain": '알 수 없는 카테고리 "{name}"입니다. '
                                  "/digest categories 로 전체 목록을 볼 수 있습니다.",
        "bad_date": '"{token}"은(는) 올바른 날짜가 아닙니다: YYYY-MM-DD, today(오늘) 또는 '
                    "yesterday(어제)를 사용하세요.",
        "future": "{day}은(는) 미래의 날짜입니다: 다이제스트는 오늘 또는 그 이전 날짜만 있습니다.",
        "too_early": "{day}은(는) 너무 이른 날짜입니다: 다이제스트는 {earliest}부터 있습니다.",
        "two_dates": '날짜는 하나만 입력하세요 ("{a}", "{b}"). 예: /digest LLM 2024-11-24',
        "two_categories": '카테고리는 한 번에 하나만 입력하세요 ("{a}", "{b}"). 예: /digest LLM 2024-11-24',
        "too_long": "요청이 너무 깁니다. /digest help 를 참고하세요.",
        "subscribe_usage": "사용법: /digest subscribe HH:MM 지역/도시 [ko|en] [카테고리...] "
                           "예: /digest subscribe 09:00 Asia/Seoul ko LLM 컴퓨터 비전",
        "bad_time": '"{token}"은(는) 올바른 시각이 아닙니다: 24시간제 HH:MM을 사용하세요 (예: 09:00, 18:30).',
        "missing_zone": "시각 뒤에 시간대를 입력하세요. 예: /digest subscribe {time} Asia/Seoul",
        "bad_zone": '알 수 없는 시간대 "{token}"입니다: Asia/Seoul, Europe/London, UTC 같은 '
                    "IANA 이름을 사용하세요.",
        "bad_zone_suggest": '알 수 없는 시간대 "{token}"입니다. "{suggestion}"을(를) 찾으셨나요?',
        "bad_language": '"{token}"은(는) 지원하지 않는 언어입니다: ko 또는 en을 사용하세요.',
        "internal": "요청을 이해하지 못했습니다. /digest help 를 참고하세요.",
    },
}

_LANGUAGE_WORDS = {
    "en": "en", "eng": "en", "english": "en", "영어": "en",
    "ko": "ko", "kr": "ko", "kor": "ko", "korean": "ko", "한국어": "ko", "한글": "ko",
}


def language_code(language: str | None) -> str:
    """``"ko"``, ``"ko-KR"``, ``"Korean"``, ``"한국어"`` -> ``"ko"``; anything unknown -> ``"en"``."""
    return _language(language or "") or "en"


def _language(token: str) -> str | None:
    key = normalize(token)
    if key in _LANGUAGE_WORDS:
        return _LANGUAGE_WORDS[key]
    head = key.split(" ", 1)[0]  # "ko kr" (from ko-KR / ko_KR after normalize)
    return _LANGUAGE_WORDS.get(head) if head in ("en", "ko") else None


def _msg(language: str, key: str, **fields: object) -> str:
    table = MESSAGES.get(language_code(language), MESSAGES["en"])
    return table.get(key, MESSAGES["en"][key]).format(**fields)


def _error(language: str, key: str, **fields: object) -> DigestQuery:
    return DigestQuery("error", message=_msg(language, key, **fields))


def _show(text: str, limit: int = 40) -> str:
    """User text echoed in a message: single line, bounded length."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------- help texts


def _examples(taxonomy: Taxonomy | None) -> tuple[str, str]:
    """A short and a multi-word category to show in examples (defaults fit the shipped taxonomy)."""
    if taxonomy is None:
        return "LLM", "computer vision"
    short = "LLM" if taxonomy.get("LLM") else taxonomy.names[0]
    multi = next((n for n in taxonomy.names if " " in n), taxonomy.names[-1])
    if taxonomy.get("computer vision"):
        multi = "computer vision"
    return short, multi.lower()


def help_text(language: str = "en", taxonomy: Taxonomy | None = None) -> str:
    """The command help, listing every form with an example; in Korean for ``language="ko"``."""
    short, multi = _examples(taxonomy)
    if language_code(language) == "ko":
        lines = [
            "/digest 사용법",
            "• /digest — 최신 다이제스트",
            "• /digest 2024-11-24 — 해당 날짜의 다이제스트 (today/오늘, yesterday/어제도 가능)",
            f"• /digest {short} — 최신 다이제스트의 한 카테고리 (이름 또는 별칭: llm, cv, rl, nlp, 강화학습 …)",
            f"• /digest {multi} 2024-11-24 — 특정 날짜의 카테고리 (순서는 상관없음)",
            "• /digest categories — 카테고리 목록",
            "• /digest subscribe 09:00 Asia/Seoul [ko|en] [카테고리…] — 매일 그 시각에 이 채널로 다이제스트 발송",
            "• /digest unsubscribe — 매일 발송 중지",
            "• /digest settings — 이 채널의 구독 설정 보기",
            "• /digest help — 이 도움말",
        ]
        if taxonomy is not None:
            lines.append("카테고리: " + ", ".join(taxonomy.names))
    else:
        lines = [
            "/digest usage",
            "• /digest — the latest digest",
            "• /digest 2024-11-24 — the digest of a day (also: today, yesterday)",
            f"• /digest {short} — one category of the latest digest (names or aliases: llm, cv, rl, nlp, 강화학습 …)",
            f"• /digest {multi} 2024-11-24 — a category on a day, in either order",
            "• /digest categories — the list of categories",
            "• /digest subscribe 09:00 Asia/Seoul [ko|en] [categories…] — post the digest here daily at that time",
            "• /digest unsubscribe — stop the daily digest",
            "• /digest settings — show this channel's subscription",
            "• /digest help — this help",
        ]
        if taxonomy is not None:
            lines.append("Categories: " + ", ".join(taxonomy.names))
    return "\n".join(lines)


HELP_TEXT_EN = help_text("en")
HELP_TEXT_KO = help_text("ko")


def categories_text(taxonomy: Taxonomy, language: str = "en") -> str:
    """One line per category: ``emoji name — description (aliases: ...)``."""
    ko = language_code(language) == "ko"
    head = ("카테고리 (/digest 뒤에 이름이나 별칭을 입력하세요):" if ko
            else "Categories (type a name or an alias after /digest):")
    alias_word = "별칭" if ko else "aliases"
    lines = [head]
    for cat in taxonomy:
        line = cat.label
        if cat.description:
            line += f" — {cat.description}"
        if cat.aliases:
            line += f" ({alias_word}: {', '.join(cat.aliases)})"
        lines.append(line)
    return "\n".join(lines)


# --------------------------------------------------------------------------- words

_DIGEST_WORDS = {"digest"}
_HELP_WORDS = {"help", "h", "?", "usage", "도움말", "도움", "사용법"}
_CATEGORIES_WORDS = {"categories", "category", "cats", "list", "topics", "카테고리", "분야", "목록"}
_SUBSCRIBE_WORDS = {"subscribe", "sub", "구독"}
_UNSUBSCRIBE_WORDS = {"unsubscribe", "unsub", "구독취소", "구독해지", "구독해제"}
_UNSUBSCRIBE_SECOND = {"취소", "해지", "해제"}  # "구독 취소"
_SETTINGS_WORDS = {"settings", "setting", "config", "status", "설정"}
_ALL_WORDS = {"all", "전체", "모두"}

_DAY_OFFSETS = {"today": 0, "오늘": 0, "yesterday": 1, "어제": 1, "그제": 2, "그저께": 2}
_LATEST_WORDS = {"latest", "최신", "최근"}

_SEPARATORS = re.compile(r"[\s,;、]+")
_KOREAN_DATE = re.compile(r"([0-9]{4})\s*년\s*([0-9]{1,2})\s*월\s*([0-9]{1,2})\s*일?")
_DATEISH = re.compile(r"[0-9][0-9./\-]*")
_DATE_SEP = re.compile(r"([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})")
_DATE_COMPACT = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")
_TIME = re.compile(r"([0-9]{1,2}):([0-9]{2})")
_ZONE_SHAPE = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+){0,3}")
_LANGUAGE_SHAPE = re.compile(r"[a-z]{2}(?:[-_][a-z]{2})?", re.IGNORECASE)
_ZONE_ALIASES = {"kst": "Asia/Seoul", "utc": "UTC", "gmt": "UTC", "z": "UTC"}


def _clean(text: str) -> str:
    """NFKC; control characters become spaces and invisible format characters vanish."""
    text = unicodedata.normalize("NFKC", text)
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Zl", "Zp"):
            out.append(" ")
        elif cat in ("Cf", "Cs", "Co", "Cn"):  # zero-width spaces, BOM, lone surrogates...
            continue
        else:
            out.append(ch)
    text = "".join(out)
    return _KOREAN_DATE.sub(lambda m: f"{m[1]}-{m[2]}-{m[3]}", text)


def _strip_punct(token: str) -> str:
    """Drop punctuation (quotes, brackets, dots, dashes...) at both ends of a token."""
    start, end = 0, len(token)
    while start < end and unicodedata.category(token[start]).startswith("P"):
        start += 1
    while end > start and unicodedata.category(token[end - 1]).startswith("P"):
        end -= 1
    return token[start:end]


def _emoji_key(text: str) -> str:
    return "".join(ch for ch in text if ch not in "\ufe0f\ufe0e\u200d")


def _is_symbols(token: str) -> bool:
    """Emoji and other pictographs (with their modifiers), nothing a name is made of."""
    cats = [unicodedata.category(ch) for ch in token]
    return bool(cats) and all(c[0] in "SM" and c != "Sm" for c in cats)


# --------------------------------------------------------------------------- entry point


def parse_query(text: str, taxonomy: Taxonomy, today: date, *, language: str = "en") -> DigestQuery:
    """Parse the text after ``/digest``; never raises (bad input -> ``kind="error"``)."""
    try:
        return _parse(text, taxonomy, today, language)
    except Exception:  # a bug here must not crash an adapter; the fuzz tests call _parse directly
        log.exception("cannot parse /digest text %r", text)
        return _error(language, "internal")


def _parse(text: str, taxonomy: Taxonomy, today: date, language: str) -> DigestQuery:
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    if isinstance(today, datetime):
        today = today.date()
    if len(text) > MAX_INPUT_CHARS * 4:
        return _error(language, "too_long")
    text = _clean(text)
    if len(text) > MAX_INPUT_CHARS:
        return _error(language, "too_long")
    tokens = [t for t in _SEPARATORS.split(text) if t]
    while tokens and _strip_punct(tokens[0]).casefold() in _DIGEST_WORDS:
        tokens.pop(0)
    if not tokens:
        return DigestQuery("digest")

    head, rest = tokens[0].casefold(), tokens[1:]
    word = _strip_punct(head).lstrip("-/!")  # "--help", "/help", "-h" -> "help", "h"
    if head in _HELP_WORDS or word in _HELP_WORDS or (not word and "?" in head):
        return DigestQuery("help")
    if word in _CATEGORIES_WORDS:
        return DigestQuery("categories")
    if word in _SUBSCRIBE_WORDS:
        if rest and word == "구독" and _strip_punct(rest[0]) in _UNSUBSCRIBE_SECOND:
            return DigestQuery("unsubscribe", args=_plain_args(rest[1:]))
        return _subscribe(rest, taxonomy, language)
    if word in _UNSUBSCRIBE_WORDS:
        return DigestQuery("unsubscribe", args=_plain_args(rest))
    if word in _SETTINGS_WORDS:
        return DigestQuery("settings", args=_plain_args(rest))
    return _query(tokens, taxonomy, today, language)


def _plain_args(tokens: list[str]) -> tuple[str, ...]:
    return tuple(s for s in (_strip_punct(t) for t in tokens) if s)


# --------------------------------------------------------------------------- day + category


def _query(raw: list[str], taxonomy: Taxonomy, today: date, language: str) -> DigestQuery:
    tokens = _words(raw, taxonomy)
    if not tokens:
        return DigestQuery("digest")
    whole = taxonomy.get(" ".join(tokens))  # a category whose name holds a date word wins
    if whole is not None:
        return DigestQuery("category", category=whole.name)

    dates = [t for t in tokens if _is_dateish(t)]
    if len(dates) > 1:
        return _error(language, "two_dates", a=_show(dates[0]), b=_show(dates[1]))
    day: date | None = None
    if dates:
        day, problem = _parse_day(dates[0], today, language)
        if problem is not None:
            return problem
    words = [t for t in tokens if not _is_dateish(t)]
    if not words:
        return DigestQuery("digest", day=day)

    cats, unknown = _segment(words, taxonomy)
    if unknown:
        return _unknown_category(unknown, taxonomy, language)
    if len(cats) > 1:
        return _error(language, "two_categories", a=cats[0].name, b=cats[1].name)
    return DigestQuery("category", day=day, category=cats[0].name)


def _words(raw: list[str], taxonomy: Taxonomy) -> list[str]:
    """Tokens without edge punctuation; a category's emoji stands for its name, other emoji go."""
    emoji = {_emoji_key(c.emoji): c.name for c in taxonomy if c.emoji}
    out = []
    for token in raw:
        token = _strip_punct(token)
        if not token:
            continue
        if _is_symbols(token):
            name = emoji.get(_emoji_key(token))
            if name:
                out.append(name)
            continue
        out.append(token)
    return out


def _is_dateish(token: str) -> bool:
    key = token.casefold()
    return key in _DAY_OFFSETS or key in _LATEST_WORDS or bool(_DATEISH.fullmatch(key))


def parse_day(text: str, today: date, language: str = "en") -> tuple[date | None, str]:
    """One date word (``YYYY-MM-DD``, ``today``, ``어제``...) -> ``(day, "")``, or ``(None, message)``
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
        return None, _error(language, "bad_date", token=_show(token))
    if day > today:
        return None, _error(language, "future", day=day.isoformat())
    if day < EARLIEST_DAY:
        return None, _error(language, "too_early", day=day.isoformat(), earliest=EARLIEST_DAY.isoformat())
    return day, None


def _max_words(taxonomy: Taxonomy) -> int:
    keys = [normalize(k) for c in taxonomy for k in (c.name, *c.aliases)]
    return max((len(k.split()) for k in keys), default=1)


def _segment(words: list[str], taxonomy: Taxonomy) -> tuple[list[Category], str]:
    """Split words into categories, longest name first; returns (distinct categories, first
    unrecognised run of words or "")."""
    window = _max_words(taxonomy)
    cats: list[Category] = []
    unknown: list[str] = []
    i = 0
    while i < len(words):
        for j in range(min(len(words), i + window), i, -1):
            cat = taxonomy.get(" ".join(words[i:j]))
            if cat is not None:
                if unknown:
                    return cats, " ".join(unknown)
                if cat not in cats:
                    cats.append(cat)
                i = j
                break
        else:
            unknown.append(words[i])
            i += 1
    return cats, " ".join(unknown)


def _unknown_category(name: str, taxonomy: Taxonomy, language: str) -> DigestQuery:
    suggestion = taxonomy.suggest(name) if len(name) <= 60 else None
    if suggestion:
        return _error(language, "unknown_category", name=_show(name), suggestion=suggestion)
    return _error(language, "unknown_category_plain", name=_show(name))


# --------------------------------------------------------------------------- subscriptions


class Subscription(NamedTuple):
    """The validated parts of a ``subscribe`` query (see :func:`subscription`)."""

    time: str  # "HH:MM", 24-hour, zero-padded
    timezone: str  # an IANA key accepted by zoneinfo, canonical spelling
    language: str | None  # "ko" / "en", None when not given (use the default)
    categories: tuple[str, ...]  # canonical taxonomy names; empty means all


def subscription(query: DigestQuery) -> Subscription:
    """Unpack ``args`` of a ``kind="subscribe"`` query: ``(HH:MM, zone, [lang], *categories)``."""
    if query.kind != "subscribe" or len(query.args) < 2:
        raise ValueError(f"not a subscribe query: {query!r}")
    time, zone, *rest = query.args
    language = rest.pop(0) if rest and rest[0] in LANGUAGES else None
    return Subscription(time, zone, language, tuple(rest))


def _subscribe(raw: list[str], taxonomy: Taxonomy, language: str) -> DigestQuery:
    tokens = [s for s in (_strip_punct(t) for t in raw) if s]
    if not tokens:
        return _error(language, "subscribe_usage")
    if len(tokens) == 1:
        only = tokens[0]
        if (time := _time(only)) is not None:
            return _error(language, "missing_zone", time=time)
        if _zone(only) is not None:
            return _error(language, "subscribe_usage")
        return _error(language, "bad_time", token=_show(only))
    first, second = tokens[0], tokens[1]
    if _time(first) is None and _time(second) is not None:  # "Asia/Seoul 09:00" is fine too
        first, second = second, first
    time = _time(first)
    if time is None:
        return _error(language, "bad_time", token=_show(first))
    zone = _zone(second)
    if zone is None:
        hint = _zone_suggestion(second)
        if hint:
            return _error(language, "bad_zone_suggest", token=_show(second), suggestion=hint)
        return _error(language, "bad_zone", token=_show(second))

    rest = _words(tokens[2:], taxonomy)
    lang = None
    if rest and taxonomy.get(rest[0]) is None:
        lang = _language(rest[0])
        starts_category = any(taxonomy.get(" ".join(rest[:k])) for k in range(1, _max_words(taxonomy) + 1))
        if lang is None and _LANGUAGE_SHAPE.fullmatch(rest[0]) and not starts_category:
            return _error(language, "bad_language", token=_show(rest[0]))
        if lang is not None:
            rest = rest[1:]
    if len(rest) == 1 and rest[0].casefold() in _ALL_WORDS:
        rest = []
    cats, unknown = _segment(rest, taxonomy)
    if unknown:
        return _unknown_category(unknown, taxonomy, language)
    args = (time, zone, *((lang,) if lang else ()), *(c.name for c in cats))
    return DigestQuery("subscribe", args=args)


def _time(token: str) -> str | None:
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


def _zone(token: str) -> str | None:
    """The canonical IANA key for a time zone typed in any case, or None."""
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
