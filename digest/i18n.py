"""Fixed strings of the report in each language the offline path speaks (ko, en).

An LLM can write any language; the offline path and the report's chrome fall back to English
for languages not listed here.
"""

from __future__ import annotations

STRINGS: dict[str, dict[str, object]] = {
    "ko": {
        "title": "Daily Artificial Intelligence Insights : Papers",
        "chart_alt": "Category Distribution Graph",
        "summary": "요약",
        "sources": "출처",
        "parts": ("논문의 핵심 주제 및 테마", "공통 키워드, 트렌드, 패턴", "논문별 주요 발견",
                  "분야별 영향", "종합 및 향후 전망"),
        "offline_note": "_오프라인 요약: 초록에서 알고리즘으로 고른 원문 문장과 키워드입니다(번역·생성 없음). "
                        "AI가 쓴 요약을 받으려면 OPENAI_API_KEY를 설정하세요._",
        "shared_in": "{n}편 중 {k}편",
        "papers_in": "이 분야 논문 {n}편: {titles}.",
        "threads": "공통 키워드: {keywords}.",
        "no_impact": "초록에 응용·영향을 직접 다룬 문장이 없습니다.",
        "no_outlook": "초록에 향후 과제를 직접 다룬 문장이 없습니다.",
        "no_abstract": "초록 없음",
        "chart_title": "{day} 분야별 논문 수 (총 {total}편)",
        "chart_xlabel": "논문 수",
        "no_papers": "{day}: 새 논문이 없습니다 (arXiv는 주말과 휴일에 발표하지 않습니다).",
        "more_papers": "그 밖에 {n}편",
        "sources_consulted": "참고한 자료 (답변에 인용 표시가 없습니다):",
        "offline_note_llm": "_오프라인 요약: 초록에서 알고리즘으로 고른 원문 문장과 키워드입니다(번역·생성 없음). "
                            "LLM이 이 분야의 요약을 쓰지 못했습니다: {cause}._",
        "papers_in_one": "이 분야 논문 1편: {titles}.",
        "no_shared": "두 편 이상이 함께 쓰는 키워드가 없습니다.",
        "one_paper_keywords": "이 분야 논문은 1편이라 공통 키워드 대신 그 논문의 키워드: {keywords}",
        "no_finding": "결과를 밝힌 문장이 초록에 없습니다",
        "finding_repeated": "위에 인용한 문장과 같은 초록입니다",
        "impact_derived": "응용을 직접 밝힌 초록은 없습니다. 이 결과는 {field} 분야의 {keywords} 연구와 닿아 있습니다.",
        "outlook_derived": "향후 과제를 밝힌 초록은 없습니다. {field} 분야에서 {keywords}의 후속 연구를 지켜볼 만합니다.",
        "cut_chat": "… (여기까지만 보여 드립니다. 전체 내용은 리포트 {report}에 있습니다)",
        "cut_report": "… (이하 {n}자 생략: 요약이라기에는 지나치게 깁니다)",
        "more_categories": "나머지 {n}개 분야는 리포트 {report}에 있습니다: {names}",
    },
    "en": {
        "title": "Daily Artificial Intelligence Insights : Papers",
        "chart_alt": "Category Distribution Graph",
        "summary": "Summary",
        "sources": "Sources",
        "parts": ("Key themes", "Shared keywords, trends and patterns", "Key findings per paper",
                  "Impact on sectors", "Synthesis and outlook"),
        "offline_note": "_Offline summary: sentences and keywords chosen from the abstracts by an "
                        "algorithm, nothing generated. Set OPENAI_API_KEY for AI-written summaries._",
        "shared_in": "{k} of {n} papers",
        "papers_in": "{n} papers in this category: {titles}.",
        "threads": "Shared keywords: {keywords}.",
        "no_impact": "No abstract states an application or impact directly.",
        "no_outlook": "No abstract states future work directly.",
        "no_abstract": "no abstract",
        "chart_title": "Papers per category, {day} ({total} papers)",
        "chart_xlabel": "papers",
        "no_papers": "{day}: no new papers (arXiv does not announce on weekends and holidays).",
        "more_papers": "{n} more",
        "sources_consulted": "Sources consulted (the answer cites none of them):",
        "offline_note_llm": "_Offline summary: sentences and keywords chosen from the abstracts by an "
                            "algorithm, nothing generated. The LLM did not write this one: {cause}._",
        "papers_in_one": "1 paper in this category: {titles}.",
        "no_shared": "No keyword is shared by two or more of these papers.",
        "one_paper_keywords": "One paper in this category, so its own keywords: {keywords}",
        "no_finding": "no sentence of the abstract states a result",
        "finding_repeated": "its abstract repeats a sentence quoted above",
        "impact_derived": "No abstract names an application; the results bear on {field} work on {keywords}.",
        "outlook_derived": "No abstract names future work; in {field}, the next results to watch are on {keywords}.",
        "cut_chat": "… (cut here: the rest is in the report, {report})",
        "cut_report": "… ({n} more characters not shown: far longer than a summary should be)",
        "more_categories": "{n} more categories are in the report ({report}): {names}",
    },
}

LANGUAGE_NAMES = {"ko": "Korean", "en": "English", "ja": "Japanese", "zh": "Chinese",
                  "de": "German", "fr": "French", "es": "Spanish"}


def strings(language: str) -> dict[str, object]:
    return STRINGS.get(language.lower(), STRINGS["en"])


def t(language: str, key: str, **fmt) -> str:
    value = strings(language)[key]
    return str(value).format(**fmt) if fmt else str(value)


def language_name(code: str) -> str:
    """``ko`` -> ``Korean``; any other text is taken as a language name already."""
    return LANGUAGE_NAMES.get(code.lower(), code)
