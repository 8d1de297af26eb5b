"""digest.glossary: the one Korean-English glossary. Each entry must be able to take effect."""

from __future__ import annotations

import re

from digest.classify.taxonomy import load_taxonomy
from digest.glossary import CATEGORY_NAMES_KO, QUERY_TERMS_KO, RENDERINGS_KO

HANGUL = re.compile(r"[\uac00-\ud7a3]")


def test_query_terms_map_korean_to_english_words():
    # digest.ask.terms only reads a key that occurs in a Korean question and adds its Latin words
    for ko, en in QUERY_TERMS_KO.items():
        assert HANGUL.search(ko) or ko.isascii(), ko
        assert en and en.isascii() and en == en.lower(), (ko, en)


def test_renderings_map_english_title_words_to_korean():
    # grounding compares lower-cased English title words; a rendering must appear in a Korean reply
    for en, renderings in RENDERINGS_KO.items():
        assert en.isascii() and en == en.lower(), en
        assert renderings and all(HANGUL.search(k) or k in ("3D", "LiDAR") for k in renderings), en


def test_korean_category_names_name_existing_default_categories():
    names = {c.name for c in load_taxonomy()}
    assert set(CATEGORY_NAMES_KO.values()) <= names


def test_a_korean_question_is_searched_through_the_glossary(tmp_path):
    from digest.ask.terms import TermExtractor

    terms = TermExtractor(load_taxonomy()).extract("탈옥 공격에 대한 논문이 있나요?")
    assert {"jailbreak", "attack"} <= set(terms.words) and terms.mapped
