"""What every part of the ``/digest`` grammar shares: its messages (en, ko), cleaning typed text,
and matching words against the taxonomy. Split from the grammar so that ``parse`` and ``subscribe``
use one copy without importing each other."""

from __future__ import annotations

import re
import unicodedata

from digest.classify.taxonomy import Category, Taxonomy, normalize
from digest.models import DigestQuery

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
    return language_word(language or "") or "en"


def language_word(token: str) -> str | None:
    key = normalize(token)
    if key in _LANGUAGE_WORDS:
        return _LANGUAGE_WORDS[key]
    head = key.split(" ", 1)[0]  # "ko kr" (from ko-KR / ko_KR after normalize)
    return _LANGUAGE_WORDS.get(head) if head in ("en", "ko") else None


def message(language: str, key: str, **fields: object) -> str:
    table = MESSAGES.get(language_code(language), MESSAGES["en"])
    return table.get(key, MESSAGES["en"][key]).format(**fields)


def error_query(language: str, key: str, **fields: object) -> DigestQuery:
    return DigestQuery("error", message=message(language, key, **fields))


def show(text: str, limit: int = 40) -> str:
    """User text echoed in a message: single line, bounded length."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


_KOREAN_DATE = re.compile(r"([0-9]{4})\s*년\s*([0-9]{1,2})\s*월\s*([0-9]{1,2})\s*일?")


def clean(text: str) -> str:
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


def strip_punct(token: str) -> str:
    """Drop punctuation (quotes, brackets, dots, dashes...) at both ends of a token."""
    start, end = 0, len(token)
    while start < end and unicodedata.category(token[start]).startswith("P"):
        start += 1
    while end > start and unicodedata.category(token[end - 1]).startswith("P"):
        end -= 1
    return token[start:end]


def emoji_key(text: str) -> str:
    return "".join(ch for ch in text if ch not in "\ufe0f\ufe0e\u200d")


def is_symbols(token: str) -> bool:
    """Emoji and other pictographs (with their modifiers), nothing a name is made of."""
    cats = [unicodedata.category(ch) for ch in token]
    return bool(cats) and all(c[0] in "SM" and c != "Sm" for c in cats)


def plain_words(raw: list[str], taxonomy: Taxonomy) -> list[str]:
    """Tokens without edge punctuation; a category's emoji stands for its name, other emoji go."""
    emoji = {emoji_key(c.emoji): c.name for c in taxonomy if c.emoji}
    out = []
    for token in raw:
        token = strip_punct(token)
        if not token:
            continue
        if is_symbols(token):
            name = emoji.get(emoji_key(token))
            if name:
                out.append(name)
            continue
        out.append(token)
    return out


def max_words(taxonomy: Taxonomy) -> int:
    keys = [normalize(k) for c in taxonomy for k in (c.name, *c.aliases)]
    return max((len(k.split()) for k in keys), default=1)


def segment(words: list[str], taxonomy: Taxonomy) -> tuple[list[Category], str]:
    """Split words into categories, longest name first; returns (distinct categories, first
    unrecognised run of words or "")."""
    window = max_words(taxonomy)
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


def unknown_category(name: str, taxonomy: Taxonomy, language: str) -> DigestQuery:
    suggestion = taxonomy.suggest(name) if len(name) <= 60 else None
    if suggestion:
        return error_query(language, "unknown_category", name=show(name), suggestion=suggestion)
    return error_query(language, "unknown_category_plain", name=show(name))
