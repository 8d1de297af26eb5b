"""The offline five-part synthesis: real sentences and computed keywords, never invented text."""

from __future__ import annotations

import json
import re

import pytest

from digest.models import Paper
from digest.summarize import ExtractiveSummarizer
from digest.taxonomy import load_taxonomy

QUOTE = re.compile(r"“(.+?)”")


@pytest.fixture
def papers(fixtures) -> list[Paper]:
    from digest.sources import parse

    return parse((fixtures / "engine/hf_day.json").read_bytes())[:3]


@pytest.mark.parametrize("language, headings", [
    ("ko", ["논문의 핵심 주제 및 테마", "공통 키워드", "논문별 주요 발견", "분야별 영향", "종합 및 향후 전망"]),
    ("en", ["Key themes", "Shared keywords", "Key findings per paper", "Impact on sectors", "Synthesis and outlook"]),
])
def test_five_parts_in_order_with_headings_in_the_language(papers, language, headings):
    text = ExtractiveSummarizer().summarize(load_taxonomy().get("LLM"), papers, language).text
    positions = [text.index(h) for h in headings]
    assert positions == sorted(positions)
    for n in range(1, 6):
        assert f"{n}. **" in text


def test_every_quoted_sentence_comes_from_an_abstract(papers):
    text = ExtractiveSummarizer().summarize(load_taxonomy().get("LLM"), papers, "en").text
    quotes = QUOTE.findall(text)
    assert len(quotes) >= 3
    corpus = " ".join(p.abstract for p in papers)
    for q in quotes:
        assert q.rstrip(" …") in corpus


def test_each_paper_named_by_title_and_says_it_is_offline(papers):
    summary = ExtractiveSummarizer().summarize(load_taxonomy().get("LLM"), papers, "en")
    for p in papers:
        assert p.title in summary.text
    assert "Offline summary" in summary.text and "OPENAI_API_KEY" in summary.text
    assert summary.offline and summary.model == "extractive"


def test_shared_keywords_are_shared_and_not_generic():
    papers = [Paper(str(i), f"Speculative decoding study {i}",
                    f"Speculative decoding speeds up inference of large models. Variant {i} improves throughput.")
              for i in range(3)]
    text = ExtractiveSummarizer().summarize(load_taxonomy().get("LLM"), papers, "en").text
    trends = text.split("2. **")[1].split("3. **")[0]
    assert "speculative decoding" in trends and "3 of 3 papers" in trends
    assert "'large'" not in trends


def test_paper_without_abstract_does_not_break_the_summary():
    summary = ExtractiveSummarizer().summarize(load_taxonomy().get("LLM"), [Paper("1", "Only a title")], "ko")
    assert "Only a title" in summary.text and "초록 없음" in summary.text


def test_real_day_from_shared_data_quotes_only_real_sentences():
    from pathlib import Path

    path = Path(__file__).parents[2] / "shared/data/hf_daily_papers/hf_daily_papers_2024-11-22.json"
    if not path.exists():
        pytest.skip("../shared/data is absent")
    entries = json.loads(path.read_text())
    papers = [Paper(e["paper"]["id"], " ".join(e["paper"]["title"].split()), " ".join(e["paper"]["summary"].split()))
              for e in entries]
    summaries = ExtractiveSummarizer().summarize_all([(load_taxonomy().get("LLM"), papers[i:i + 3])
                                                      for i in range(0, len(papers), 3)], "ko")
    corpus = " ".join(p.abstract for p in papers)
    for s in summaries:
        for q in QUOTE.findall(s.text):
            assert q.rstrip(" …") in corpus
