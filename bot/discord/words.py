"""The few words of Discord's own payloads (counts, "continued", the thread's name), en and ko."""

from __future__ import annotations

_WORDS = {
    "en": {"papers": "{n} papers", "paper": "1 paper", "overview": "{n} papers in {k} categories",
           "cont": "(continued)", "thread": "Papers of {day} — ask questions here",
           "sources_n": "{label} ({i})", "chart_too_big": "The chart is too large to attach here.",
           "cited": "Sources"},
    "ko": {"papers": "논문 {n}편", "paper": "논문 1편", "overview": "{k}개 분야, 논문 {n}편",
           "cont": "(계속)", "thread": "{day} 논문 — 여기에서 질문하세요",
           "sources_n": "{label} ({i})", "chart_too_big": "차트가 너무 커서 첨부하지 못했습니다.",
           "cited": "출처"},
}


def word(language: str, key: str, **fmt) -> str:
    table = _WORDS.get((language or "en").lower()[:2], _WORDS["en"])
    return table[key].format(**fmt)
