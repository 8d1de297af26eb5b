"""The answers' wording, in English and Korean (one table, looked up by language, English fallback)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "empty": "Ask me about the papers of the digest, e.g. “Which of these papers would help "
                 "with long-context inference?”",
        "truncated": "_(Your question was long: I read its first {n} characters.)_",
        "rate_limited": "You have asked {count} questions in the last hour (the limit is {limit}). "
                        "Please ask again in about {minutes} min.",
        "injection": "I only answer questions about the papers in the digest, and my instructions "
                     "can't be changed from the chat. Ask about a paper or a topic instead, "
                     "e.g. “{example}”",
        "no_digest": "There is no digest yet, so I have no papers to answer from. "
                     "Build one first (`digest build`).",
        "no_day": "There is no digest for {day}, so I have no papers to answer from.",
        "off_topic": "I answer questions about the papers of the {day} digest, and I can't connect "
                     "this question to them. Try e.g. “{example}”, or /digest help.",
        "example": "What does ‘{title}’ propose?",
        "not_in_digest": "I don't see {names} among the {n} papers of the {day} digest.",
        "archive_found": "It appears in other digests:",
        "no_match_day": "No paper of the {day} digest matches your question.",
        "archive_matches": "Papers from other digests that do:",
        "closer_elsewhere": "Another digest has a closer match: ‘{title}’ (digest {day}) — {link}. "
                            "Ask with “earlier” to search every stored digest.",
        "archive_none": "Nothing in the archive ({total} stored papers) mentions it either.",
        "archive_offer": "Ask again with “earlier” (e.g. “In earlier digests, …”) to search all "
                         "{total} stored papers.",
        "archive_scope": "_(Searched all {total} stored papers, not only the {day} digest.)_",
        "search_head": "Search result, not an AI answer ({reason}). The papers of the {day} digest "
                       "that best match your question:",
        "search_head_archive": "Search result, not an AI answer ({reason}). The stored papers "
                               "that best match your question:",
        "fallback_head": "Search result, not an AI answer ({reason}). No paper of the {day} digest "
                         "matched the words of your question; these are its most popular papers:",
        "nothing_found": "No stored paper matches the words of your question.",
        "no_key": "no OPENAI_API_KEY is set",
        "llm_failed": "the AI answer is unavailable: {cause}",
        "sources": "Sources:",
        "in_digest": "digest {day}",
    },
    "ko": {
        "empty": "다이제스트의 논문에 대해 질문해 주세요. 예: “이 논문들 중 긴 문맥 추론에 도움이 되는 것은?”",
        "truncated": "_(질문이 길어 앞의 {n}자만 읽었습니다.)_",
        "rate_limited": "최근 1시간 동안 질문을 {count}번 하셨습니다 (한도 {limit}번). "
                        "약 {minutes}분 후에 다시 질문해 주세요.",
        "injection": "저는 다이제스트에 실린 논문에 관한 질문에만 답하며, 대화로 제 지침을 바꿀 수 없습니다. "
                     "논문이나 주제에 대해 질문해 주세요. 예: “{example}”",
        "no_digest": "아직 다이제스트가 없어 답할 논문이 없습니다. 먼저 다이제스트를 만들어 주세요 (`digest build`).",
        "no_day": "{day} 다이제스트가 없어 답할 논문이 없습니다.",
        "off_topic": "저는 {day} 다이제스트의 논문에 관한 질문에 답합니다. 이 질문은 그 논문들과 관련이 "
                     "없어 보입니다. 예: “{example}” 또는 /digest help",
        "example": "‘{title}’ 논문은 무엇을 제안하나요?",
        "not_in_digest": "{day} 다이제스트의 논문 {n}편 중에는 {names}이(가) 없습니다.",
        "archive_found": "다른 다이제스트에 있습니다:",
        "no_match_day": "{day} 다이제스트에는 질문과 맞는 논문이 없습니다.",
        "archive_matches": "다른 다이제스트에서 찾은 논문:",
        "closer_elsewhere": "다른 다이제스트에 더 가까운 논문이 있습니다: ‘{title}’ ({day} 다이제스트) — {link}. "
                            "“이전 다이제스트에서 …”처럼 물어보시면 전체에서 찾아 드립니다.",
        "archive_none": "저장된 논문 {total}편 중에도 언급한 논문이 없습니다.",
        "archive_offer": "“이전 다이제스트에서 …”처럼 물어보시면 저장된 논문 {total}편 전체에서 찾아 드립니다.",
        "archive_scope": "_({day} 다이제스트만이 아니라 저장된 논문 {total}편 전체에서 찾았습니다.)_",
        "search_head": "AI 답변이 아닌 검색 결과입니다 ({reason}). {day} 다이제스트에서 질문과 가장 잘 맞는 논문:",
        "search_head_archive": "AI 답변이 아닌 검색 결과입니다 ({reason}). 저장된 논문 중 질문과 가장 잘 맞는 논문:",
        "fallback_head": "AI 답변이 아닌 검색 결과입니다 ({reason}). 질문의 단어와 맞는 논문이 {day} "
                         "다이제스트에 없어, 가장 인기 있는 논문을 보여 드립니다:",
        "nothing_found": "질문의 단어와 맞는 저장된 논문이 없습니다.",
        "no_key": "OPENAI_API_KEY가 설정되지 않음",
        "llm_failed": "AI 답변을 쓸 수 없음: {cause}",
        "sources": "출처:",
        "in_digest": "{day} 다이제스트",
    },
}


def message(language: str, key: str, **fields: object) -> str:
    table = MESSAGES.get(language, MESSAGES["en"])
    return table.get(key, MESSAGES["en"][key]).format(**fields)
