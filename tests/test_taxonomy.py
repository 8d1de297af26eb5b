"""The category list: the shipped default, a team's own TOML file, look-ups and clear errors."""

from __future__ import annotations

import pytest

from digest.errors import ConfigError, DigestError
from digest.classify.taxonomy import Category, Taxonomy, load_taxonomy, normalize, parse_taxonomy

DEFAULT_NAMES = [
    "Multimodal", "Computer Vision", "LLM", "Natural Language Processing", "Model training technique",
    "Reinforcement Learning", "Inference acceleration", "Open Domain Reasoning", "Security",
    "Machine Learning Ethics", "Audio", "Graph Neural Networks", "Quantum Computing", "Artificial Intelligence",
]

TEAM_TOML = """
[[category]]
name = "Efficiency"
emoji = "⚡"
description = "Making models cheaper"
keywords = ["KV cache", "quantization"]
aliases = ["eff", "효율"]

[[category]]
name = "Everything else"
emoji = "📄"
"""


@pytest.fixture(scope="module")
def tax() -> Taxonomy:
    return load_taxonomy()


def test_default_taxonomy_has_the_report_categories_in_order(tax):
    assert tax.names == DEFAULT_NAMES
    assert tax.fallback.name == "Artificial Intelligence"
    assert len(tax) == 14 and [c.name for c in tax] == DEFAULT_NAMES


def test_every_default_category_is_complete(tax):
    for cat in tax:
        assert cat.emoji and cat.description and cat.aliases, cat.name
        assert cat.keywords, f"{cat.name} has no keywords"
        assert len(cat.weights) in (0, len(cat.keywords))
        assert cat.label == f"{cat.emoji} {cat.name}"


def test_weighted_keywords_and_arxiv_hints_are_parsed(tax):
    sec = dict(tax["Security"].weighted_keywords())
    assert sec["jailbreak"] == 5 and sec["attack"] == 2  # "jailbreak^5" -> phrase + weight
    assert all("^" not in k for c in tax for k in c.keywords)
    assert ("cs.CV", 3.0) in tax["Computer Vision"].arxiv
    assert tax.settings["title_weight"] == 3.0


@pytest.mark.parametrize("typed, name", [
    ("security", "Security"), ("  SECURITY ", "Security"), ("sec", "Security"), ("보안", "Security"),
    ("cv", "Computer Vision"), ("CV", "Computer Vision"), ("컴퓨터 비전", "Computer Vision"),
    ("컴퓨터비전", "Computer Vision"), ("강화학습", "Reinforcement Learning"), ("RL", "Reinforcement Learning"),
    ("llms", "LLM"), ("Large Language Models", "LLM"), ("대형 언어 모델", "LLM"),
    ("natural-language_processing", "Natural Language Processing"), ("ＮＬＰ", "Natural Language Processing"),
    ("멀티모달", "Multimodal"), ("MLLM", "Multimodal"), ("기타", "Artificial Intelligence"),
])
def test_names_and_aliases_match_without_case_width_or_spacing(tax, typed, name):
    assert tax.get(typed).name == name
    assert tax[typed].name == name


def test_unknown_name(tax):
    assert tax.get("Astrology") is None
    with pytest.raises(KeyError):
        tax["Astrology"]
    assert tax.emoji("Astrology") == "" and tax.emoji("security") == "🛡️"


@pytest.mark.parametrize("typed, name", [
    ("Secuirty", "Security"), ("secrity", "Security"), ("reinforcment", "Reinforcement Learning"),
    ("Reinforcement", "Reinforcement Learning"), ("computr vision", "Computer Vision"),
    ("Multimodel", "Multimodal"), ("quantom computing", "Quantum Computing"), ("강화학", "Reinforcement Learning"),
    ("audi", "Audio"), ("ethic", "Machine Learning Ethics"),
])
def test_suggest_finds_near_misses(tax, typed, name):
    assert tax.get(typed) is None
    assert tax.suggest(typed) == name


@pytest.mark.parametrize("typed", ["xyzzy", "qwerty", "asdfgh", "the", "foo", "zz", "", "   ", "2024-11-24"])
def test_nonsense_gets_no_suggestion(tax, typed):
    assert tax.suggest(typed) is None


def test_normalize():
    assert normalize("  Computer_Vision ") == normalize("computer-vision") == "computer vision"
    assert normalize("ＬＬＭ") == "llm"


def test_a_teams_simple_file_works(tmp_path):
    path = tmp_path / "team.toml"
    path.write_text(TEAM_TOML, encoding="utf-8")
    tax = load_taxonomy(path)
    assert tax.names == ["Efficiency", "Everything else"]
    assert tax.fallback.name == "Everything else"  # no fallback = true: the last one
    assert tax["eff"].name == tax["효율"].name == "Efficiency"
    assert tax["Efficiency"].keywords == ("kv cache", "quantization")  # lower-cased
    assert tax["Efficiency"].weighted_keywords() == [("kv cache", 1.0), ("quantization", 1.0)]
    assert tax["Efficiency"].arxiv == () and tax.settings["min_score"] > 0
    assert tax.origin == str(path)


def test_explicit_fallback_and_settings():
    tax = parse_taxonomy('[classifier]\nmin_score = 1\n'
                         '[[category]]\nname = "Other"\nfallback = true\n'
                         '[[category]]\nname = "Speech"\nkeywords = ["speech^3", "asr"]\narxiv = ["eess.AS^2"]\n')
    assert tax.fallback.name == "Other" and tax.settings["min_score"] == 1.0
    assert tax["Speech"].weighted_keywords() == [("speech", 3.0), ("asr", 1.0)]
    assert tax["Speech"].arxiv == (("eess.AS", 2.0),)


def test_an_alias_never_hides_another_categorys_name():
    tax = parse_taxonomy('[[category]]\nname = "Vision"\naliases = ["Audio"]\n[[category]]\nname = "Audio"\n')
    assert tax["audio"].name == "Audio"


BAD = [
    ('[[category]]\nname = "A"\nkeywords = ["x"\n', "not valid TOML"),
    ('[[category]\nname = "A"\n', "not valid TOML"),
    ('title = "no categories"\n', "expected [[category]] tables"),
    ('[[category]]\nemoji = "x"\n', "every [[category]] needs a name"),
    ('[[category]]\nname = ""\n', "every [[category]] needs a name"),
    ('[[category]]\nname = "Security"\n[[category]]\nname = "security "\n', "duplicate category name"),
    ('[[category]]\nname = "A"\nfallback = true\n[[category]]\nname = "B"\nfallback = true\n', "more than one"),
    ('[[category]]\nname = "A"\nkeywords = "attack"\n', "A.keywords must be a list of strings"),
    ('[[category]]\nname = "A"\naliases = [1, 2]\n', "A.aliases must be a list of strings"),
    ('[[category]]\nname = "A"\nkeywords = ["attack^high"]\n', "bad weight in 'attack^high'"),
    ('[[category]]\nname = "A"\nkeywords = ["adversarial attack*"]\n', "a * may only end a single word"),
    ('[[category]]\nname = "A"\nkeywords = ["*"]\n', "a * may only end a single word"),
    ('[[category]]\nname = "A"\narxiv = ["computer vision"]\n', "is not an arXiv class"),
    ('[[category]]\nname = "A"\nfallback = "yes"\n', "A.fallback must be true or false"),
    ('[classifier]\nspeed = 3\n[[category]]\nname = "A"\n', "unknown [classifier] setting 'speed'"),
    ('[classifier]\nmin_score = -1\n[[category]]\nname = "A"\n', "min_score must be a number >= 0"),
]


@pytest.mark.parametrize("text, message", BAD)
def test_broken_files_give_one_clear_line(tmp_path, text, message):
    path = tmp_path / "team.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_taxonomy(path)
    line = str(info.value)
    assert message in line and str(path) in line
    assert "\n" not in line and isinstance(info.value, DigestError)


def test_missing_and_unreadable_files(tmp_path):
    with pytest.raises(ConfigError, match=r"cannot read taxonomy .*nope\.toml"):
        load_taxonomy(tmp_path / "nope.toml")
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_taxonomy(binary)


def test_empty_taxonomy_is_refused():
    with pytest.raises(ConfigError, match="no \\[\\[category\\]\\] entries"):
        Taxonomy([])
    assert Taxonomy([Category("Only", "", "", (), ())]).fallback.name == "Only"
