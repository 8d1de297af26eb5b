"""The ko catalog: every user-facing string and grammar word. Korean (한국어).

Keys and ``{placeholders}`` are the same in every catalog (tests/test_text_catalog.py).
"""

NAMES = ('korean', '한국어', 'ko')  # words that name this language

STRINGS: dict[str, object] = {
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
    # --- filters and search
    "search_help": "저장된 모든 다이제스트 검색: /digest search <검색어>, 예: /digest search 추측 디코딩",
    "search_none": "\"{query}\"와(과) 맞는 저장된 논문이 없습니다.",
    "search_header": "저장된 모든 다이제스트에서 \"{query}\" 검색 결과 ({total}편):",
    "search_line": "{rank}. {title} ({day}, {category}) {url}",
    "search_no_category": "미분류",
    "search_more_hint": "다음 쪽을 보려면 \"more\"(또는 \"더보기\")를 입력하세요.",
    "search_more_button": "더 보기",
    "filter_on": "필터 적용 중: {filters} (논문 {n}편 제외).",
    "filter_only": "{words}만",
    "filter_exclude": "{words} 제외",
    "seen_before": "이전에 소개된 논문",
    "seen_before_line": "{title} ({day} 다이제스트) {url}",
    "chart_title_seen": "{day} 분야별 논문 수 (새 논문 {total}편, 이전 소개 {n}편 제외)",
    "filter_set": "키워드 필터: {filters}. 필터로 제외된 논문은 게시물, 편수, 차트에 들어가지 않습니다.",
    "help_search": "/digest search 추측 디코딩 — 저장된 모든 날의 논문 중 가장 잘 맞는 논문 (한 쪽에 5편)",
    "help_filters": "/digest subscribe 09:00 Asia/Seoul ko --only \"LLM, 에이전트\" --exclude \"의료\" — 키워드 필터를 건 매일 발송",
}
