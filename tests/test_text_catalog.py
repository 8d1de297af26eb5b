"""digest/text: every catalog has the same keys and placeholders; one language rule for all."""

import string

import pytest

from digest.text import CATALOGS, language_code, t


def _fields(value: object) -> set[str]:
    texts = value if isinstance(value, (tuple, list)) else (value,)
    return {name for text in texts for _, name, _, _ in string.Formatter().parse(str(text)) if name}


def test_every_catalog_has_the_same_keys_and_placeholders():
    en = CATALOGS["en"]
    for code, catalog in CATALOGS.items():
        assert set(catalog) == set(en), f"{code}: keys differ from en: {set(catalog) ^ set(en)}"
        for key, value in catalog.items():
            assert _fields(value) == _fields(en[key]), f"{code}.{key}: placeholders differ"
            assert type(value) is type(en[key]), f"{code}.{key}: not the same kind of value"


@pytest.mark.parametrize("spelling,code", [
    ("ko", "ko"), ("ko-KR", "ko"), ("ko_KR", "ko"), ("KO", "ko"), ("Korean", "ko"), ("한국어", "ko"),
    ("en", "en"), ("en-US", "en"), ("English", "en"), ("ja", "en"), ("French", "en"), ("", "en"), (None, "en"),
])
def test_one_fallback_rule_for_every_spelling_of_a_language(spelling, code):
    assert language_code(spelling) == code


def test_a_regional_code_speaks_its_language_not_english():
    assert t("ko-KR", "sources") == t("ko", "sources") != t("en", "sources")
