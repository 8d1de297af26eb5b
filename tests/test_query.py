"""digest/query/parse.py: the one /digest parser shared by every adapter."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digest.models import DigestQuery
from digest.query.help import categories_text, help_text
from digest.query.parse import KINDS, _parse, parse_query
from digest.query.subscribe import SubscribeRequest, subscribe_request
from digest.text import language_code
from digest.classify.taxonomy import load_taxonomy

TODAY = date(2024, 11, 25)
YESTERDAY = date(2024, 11, 24)
TAX = load_taxonomy()


def parse(text: str, **kw) -> DigestQuery:
    return parse_query(text, TAX, TODAY, **kw)


# --------------------------------------------------------------------------- valid forms

VALID = [
    # (text, kind, day, category)
    ("", "digest", None, None),
    ("   ", "digest", None, None),
    ("/digest", "digest", None, None),
    ("digest", "digest", None, None),
    ("latest", "digest", None, None),
    ("최신", "digest", None, None),
    ("2024-11-24", "digest", YESTERDAY, None),
    ("/digest 2024-11-24", "digest", YESTERDAY, None),
    ("digest 2024-11-24.", "digest", YESTERDAY, None),
    ("2024/11/24", "digest", YESTERDAY, None),
    ("2024.11.24", "digest", YESTERDAY, None),
    ("20241124", "digest", YESTERDAY, None),
    ("2024-1-5", "digest", date(2024, 1, 5), None),
    ("2024년 11월 24일", "digest", YESTERDAY, None),
    ("２０２４－１１－２４", "digest", YESTERDAY, None),  # full-width
    ("today", "digest", TODAY, None),
    ("Today", "digest", TODAY, None),
    ("yesterday", "digest", YESTERDAY, None),
    ("오늘", "digest", TODAY, None),
    ("어제", "digest", YESTERDAY, None),
    ("2015-01-01", "digest", date(2015, 1, 1), None),
    ("2024-11-25", "digest", TODAY, None),
    ("2024-02-29", "digest", date(2024, 2, 29), None),
    # categories, names and aliases
    ("LLM", "category", None, "LLM"),
    ("llm", "category", None, "LLM"),
    ("Llm", "category", None, "LLM"),
    ("cv", "category", None, "Computer Vision"),
    ("rl", "category", None, "Reinforcement Learning"),
    ("nlp", "category", None, "Natural Language Processing"),
    ("강화학습", "category", None, "Reinforcement Learning"),
    ("강화 학습", "category", None, "Reinforcement Learning"),
    ("컴퓨터 비전", "category", None, "Computer Vision"),
    ("computer vision", "category", None, "Computer Vision"),
    ("COMPUTER   VISION", "category", None, "Computer Vision"),
    ("computer-vision", "category", None, "Computer Vision"),
    ("reinforcement learning", "category", None, "Reinforcement Learning"),
    ("Model training technique", "category", None, "Model training technique"),
    ("security", "category", None, "Security"),
    ("ＬＬＭ", "category", None, "LLM"),  # full-width
    ("/digest LLM", "category", None, "LLM"),
    ("digest llm", "category", None, "LLM"),
    ("  LLM!  ", "category", None, "LLM"),
    ("LLM?", "category", None, "LLM"),
    ('"LLM"', "category", None, "LLM"),
    ("\u200bLLM\u200b", "category", None, "LLM"),  # zero-width spaces from copy-paste
    ("\ud800LLM\x00", "category", None, "LLM"),  # a lone surrogate, a NUL
    ("🤖", "category", None, "LLM"),  # a category's emoji
    ("👁️ Computer Vision", "category", None, "Computer Vision"),  # pasted from /digest categories
    ("👉 LLM", "category", None, "LLM"),  # decorative emoji ignored
    # category + day, both orders
    ("LLM 2024-11-24", "category", YESTERDAY, "LLM"),
    ("2024-11-24 LLM", "category", YESTERDAY, "LLM"),
    ("2024-11-24 computer vision", "category", YESTERDAY, "Computer Vision"),
    ("computer vision 2024-11-24", "category", YESTERDAY, "Computer Vision"),
    ("Model training technique 2024-11-24", "category", YESTERDAY, "Model training technique"),
    ("2024-11-24 Model training technique", "category", YESTERDAY, "Model training technique"),
    ("컴퓨터 비전 2024-11-24", "category", YESTERDAY, "Computer Vision"),
    ("2024-11-24 컴퓨터 비전", "category", YESTERDAY, "Computer Vision"),
    ("rl yesterday", "category", YESTERDAY, "Reinforcement Learning"),
    ("today nlp", "category", TODAY, "Natural Language Processing"),
    ("강화학습 어제", "category", YESTERDAY, "Reinforcement Learning"),
    ("LLM, 2024/11/24", "category", YESTERDAY, "LLM"),
    ("/digest cv 20241124.", "category", YESTERDAY, "Computer Vision"),
    ("LLM latest", "category", None, "LLM"),
    ("LLM LLM", "category", None, "LLM"),  # the same category twice is still one
]


@pytest.mark.parametrize(("text", "kind", "day", "category"), VALID)
def test_valid_queries(text, kind, day, category):
    q = parse(text)
    assert (q.kind, q.day, q.category, q.message) == (kind, day, category, "")


COMMANDS = [
    ("help", "help"),
    ("HELP", "help"),
    ("/digest help", "help"),
    ("?", "help"),
    ("？", "help"),
    ("-h", "help"),
    ("--help", "help"),
    ("help LLM", "help"),
    ("도움말", "help"),
    ("categories", "categories"),
    ("Categories.", "categories"),
    ("list", "categories"),
    ("카테고리", "categories"),
    ("unsubscribe", "unsubscribe"),
    ("구독 취소", "unsubscribe"),
    ("구독취소", "unsubscribe"),
    ("settings", "settings"),
    ("/digest settings", "settings"),
    ("설정", "settings"),
]


@pytest.mark.parametrize(("text", "kind"), COMMANDS)
def test_commands(text, kind):
    q = parse(text)
    assert q.kind == kind
    assert q.message == ""


def test_unsubscribe_and_settings_keep_remaining_tokens():
    assert parse("unsubscribe LLM").args == ("LLM",)
    assert parse("settings ko").args == ("ko",)
    assert parse("settings").args == ()


# --------------------------------------------------------------------------- errors

ERRORS = [
    # (text, substrings the message must contain)
    ("Secuirty", ['Unknown category "Secuirty"', 'Did you mean "Security"?', "/digest categories"]),
    ("computr vision", ['Did you mean "Computer Vision"?']),
    ("2024-11-24 Secuirty", ['Did you mean "Security"?']),
    ("강화학", ['Did you mean "Reinforcement Learning"?']),
    ("qwertyuiop", ['Unknown category "qwertyuiop"', "/digest categories"]),
    ("2024-02-30", ['"2024-02-30" is not a valid date: use YYYY-MM-DD, today or yesterday.']),
    ("2024-13-01", ['"2024-13-01" is not a valid date']),
    ("2024-13-40", ['"2024-13-40" is not a valid date: use YYYY-MM-DD, today or yesterday.']),
    ("LLM 2023-02-29", ['"2023-02-29" is not a valid date']),
    ("2024", ['"2024" is not a valid date']),
    ("11/24", ['"11/24" is not a valid date']),
    ("2024-11-24-25", ["is not a valid date"]),
    ("99999999999999999999", ["is not a valid date"]),
    ("0000-01-01", ["is not a valid date"]),
    ("2030-01-01", ["2030-01-01 is in the future: the latest digest is for today or earlier."]),
    ("2024-11-26", ["2024-11-26 is in the future"]),
    ("LLM 9999-12-31", ["9999-12-31 is in the future"]),
    ("2014-12-31", ["2014-12-31 is too early", "2015"]),
    ("1999-01-01 cv", ["1999-01-01 is too early"]),
    ("today yesterday", ["one date"]),
    ("LLM 2024-11-24 2024-11-23", ["one date"]),
    ("LLM cv", ["one category", "LLM", "Computer Vision"]),
    ("LLM, computer vision", ["one category"]),
    ("x" * 5000, ["too long"]),
]


@pytest.mark.parametrize(("text", "needles"), ERRORS)
def test_errors_are_helpful(text, needles):
    q = parse(text)
    assert q.kind == "error"
    for needle in needles:
        assert needle in q.message
    assert "\n" not in q.message


def test_nonsense_gets_no_suggestion():
    for text in ("qwertyuiop", "xyzzy", "bananas"):
        q = parse(text)
        assert q.kind == "error"
        assert "Did you mean" not in q.message


def test_long_user_text_is_shortened_in_messages():
    q = parse("zq" * 200)
    assert q.kind == "error"
    assert len(q.message) < 150


def test_korean_messages():
    q = parse("Secuirty", language="ko")
    assert q.kind == "error"
    assert "Security" in q.message and "카테고리" in q.message
    assert "미래" in parse("2030-01-01", language="ko").message
    assert "올바른 날짜" in parse("2024-13-01", language="ko").message
    assert "시간대" in parse("subscribe 09:00 Mars/Phobos", language="ko").message
    # an unknown language falls back to English
    assert parse("Secuirty", language="fr").message == parse("Secuirty").message


@pytest.mark.parametrize(("raw", "code"), [
    ("en", "en"), ("ko", "ko"), ("KO", "ko"), ("ko-KR", "ko"), ("korean", "ko"),
    ("한국어", "ko"), ("English", "en"), ("fr", "en"), ("", "en"), (None, "en"),
])
def test_language_code(raw, code):
    assert language_code(raw) == code


def test_today_may_be_a_datetime():
    q = parse_query("today", TAX, datetime(2024, 11, 25, 23, 59))
    assert (q.kind, q.day) == ("digest", TODAY)


def test_today_and_yesterday_follow_the_given_today():
    assert parse_query("yesterday", TAX, date(2024, 3, 1)).day == date(2024, 2, 29)
    assert parse_query("today LLM", TAX, date(2025, 1, 1)).day == date(2025, 1, 1)


# --------------------------------------------------------------------------- subscriptions

SUBSCRIBE_OK = [
    ("subscribe 09:00 Asia/Seoul", ("09:00", "Asia/Seoul")),
    ("/digest subscribe 09:00 Asia/Seoul", ("09:00", "Asia/Seoul")),
    ("subscribe 9:05 asia/seoul", ("09:05", "Asia/Seoul")),
    ("subscribe ０９：００ Asia/Seoul", ("09:00", "Asia/Seoul")),
    ("subscribe Asia/Seoul 18:30", ("18:30", "Asia/Seoul")),
    ("subscribe 00:00 UTC", ("00:00", "UTC")),
    ("subscribe 23:59 Europe/London en", ("23:59", "Europe/London", "en")),
    ("subscribe 09:00 Asia/Seoul ko", ("09:00", "Asia/Seoul", "ko")),
    ("subscribe 09:00 Asia/Seoul KO LLM", ("09:00", "Asia/Seoul", "ko", "LLM")),
    ("subscribe 09:00 Asia/Seoul LLM cv", ("09:00", "Asia/Seoul", "LLM", "Computer Vision")),
    ("subscribe 09:00 Asia/Seoul en Computer Vision Reinforcement Learning",
     ("09:00", "Asia/Seoul", "en", "Computer Vision", "Reinforcement Learning")),
    ("subscribe 09:00 Asia/Seoul ko 컴퓨터 비전, 강화학습, llm",
     ("09:00", "Asia/Seoul", "ko", "Computer Vision", "Reinforcement Learning", "LLM")),
    ("subscribe 09:00 Asia/Seoul Model training technique LLM",
     ("09:00", "Asia/Seoul", "Model training technique", "LLM")),
    ("subscribe 09:00 Asia/Seoul llm LLM", ("09:00", "Asia/Seoul", "LLM")),  # deduplicated
    ("subscribe 09:00 Asia/Seoul all", ("09:00", "Asia/Seoul")),
    ("subscribe 07:30 America/Argentina/Buenos_Aires", ("07:30", "America/Argentina/Buenos_Aires")),
    ("subscribe 09:00 KST", ("09:00", "Asia/Seoul")),
    ("구독 09:00 Asia/Seoul ko", ("09:00", "Asia/Seoul", "ko")),
]


@pytest.mark.parametrize(("text", "args"), SUBSCRIBE_OK)
def test_subscribe_valid(text, args):
    q = parse(text)
    assert (q.kind, q.args, q.message) == ("subscribe", args, "")


def test_subscription_helper_unpacks_args():
    sub = subscribe_request(parse("subscribe 9:00 asia/seoul ko LLM computer vision"))
    assert isinstance(sub, SubscribeRequest)
    assert sub.time == "09:00" and sub.timezone == "Asia/Seoul"
    assert sub.language == "ko"
    assert sub.categories == ("LLM", "Computer Vision")
    bare = subscribe_request(parse("subscribe 09:00 UTC"))
    assert (bare.language, bare.categories) == (None, ())
    with pytest.raises(ValueError):
        subscribe_request(parse("LLM"))


SUBSCRIBE_BAD = [
    ("subscribe", ["Usage: /digest subscribe HH:MM"]),
    ("subscribe 25:00 Asia/Seoul", ['"25:00" is not a time', "HH:MM"]),
    ("subscribe 09:60 Asia/Seoul", ['"09:60" is not a time']),
    ("subscribe 9am Asia/Seoul", ['"9am" is not a time']),
    ("subscribe 09:00", ["Add a time zone", "Asia/Seoul"]),
    ("subscribe Asia/Seoul", ["Usage"]),
    ("subscribe 09:00 Mars/Phobos", ['Unknown time zone "Mars/Phobos"', "Asia/Seoul"]),
    ("subscribe 09:00 Asia/Seol", ['Did you mean "Asia/Seoul"?']),
    ("subscribe 09:00 Asia", ['Unknown time zone "Asia"']),
    ("subscribe 09:00 ../../etc/passwd", ["Unknown time zone"]),
    ("subscribe 09:00 Asia/Seoul fr", ['"fr" is not a supported language', "ko or en"]),
    ("subscribe 09:00 Asia/Seoul ko Secuirty", ['Unknown category "Secuirty"', 'Did you mean "Security"?']),
    ("subscribe 09:00 Asia/Seoul LLM bananas", ['Unknown category "bananas"']),
]


@pytest.mark.parametrize(("text", "needles"), SUBSCRIBE_BAD)
def test_subscribe_invalid(text, needles):
    q = parse(text)
    assert q.kind == "error"
    for needle in needles:
        assert needle in q.message


# --------------------------------------------------------------------------- help texts


def test_help_text_lists_every_form():
    for text in (help_text("en"), help_text("en", TAX)):
        for form in ("/digest 2024-11-24", "/digest LLM", "/digest categories", "/digest subscribe 09:00 Asia/Seoul",
                     "/digest unsubscribe", "/digest settings", "/digest help", "today", "yesterday"):
            assert form in text
    assert "Computer Vision" in help_text("en", TAX)  # the category list
    assert help_text("ko") != help_text("en")
    assert "최신" in help_text("ko") and "/digest subscribe" in help_text("ko")
    assert "강화학습" in help_text("en")  # the example shows that a Korean alias works


def test_categories_text():
    text = categories_text(TAX)
    lines = text.splitlines()
    assert len(lines) == len(TAX) + 1
    assert "🤖 LLM — Large language models" in text
    assert "(aliases: cv, vision, 컴퓨터 비전, 컴퓨터비전, 비전)" in text
    assert "별칭:" in categories_text(TAX, "ko")


# --------------------------------------------------------------------------- fuzzing

# Pieces people actually type, so the fuzzer reaches deep paths, not only "unknown category".
PIECES = st.sampled_from([
    "/digest", "digest", "LLM", "cv", "rl", "nlp", "강화학습", "컴퓨터", "비전", "computer", "vision",
    "Model", "training", "technique", "today", "yesterday", "오늘", "어제", "latest", "2024-11-24",
    "2024/02/30", "20241124", "2030-01-01", "1999-01-01", "2024년", "11월", "24일", "help", "?", "categories",
    "subscribe", "unsubscribe", "settings", "구독", "취소", "09:00", "25:00", "Asia/Seoul", "Mars/Phobos",
    "asia", "ko", "en", "fr", "all", "🤖", "👁️", ",", ".", "!", '"', "\u200b", "\u3000", "Secuirty", "-",
])
TEXTS = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=60),
    st.lists(st.one_of(PIECES, st.text(max_size=5)), max_size=8).map(" ".join),
)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(q: DigestQuery) -> None:
    assert isinstance(q, DigestQuery)
    assert q.kind in KINDS
    if q.kind == "error":
        assert q.message.strip()
    if q.kind == "category":
        assert q.category in TAX.names
    if q.day is not None:
        assert date(2015, 1, 1) <= q.day <= TODAY


@FUZZ
@given(TEXTS)
def test_fuzz_parse_query_never_raises(text):
    _check(parse_query(text, TAX, TODAY))


@FUZZ
@given(TEXTS, st.sampled_from(["en", "ko"]))
def test_fuzz_inner_parser_has_no_bugs(text, language):
    # the public function has a last-resort except; the inner one must not need it
    _check(_parse(text, TAX, TODAY, language))


@FUZZ
@given(st.one_of(TEXTS, TEXTS.map("09:00 Asia/Seoul ".__add__)))
def test_fuzz_subscribe_results_are_valid(text):
    q = _parse("subscribe " + text, TAX, TODAY, "en")
    assert q.kind in {"subscribe", "error", "unsubscribe"}
    if q.kind == "subscribe":
        sub = subscribe_request(q)
        hh, mm = sub.time.split(":")
        assert 0 <= int(hh) <= 23 and 0 <= int(mm) <= 59
        assert all(c in TAX.names for c in sub.categories)
