"""The app's own words (buttons, notes, errors) in English and Korean; other languages get English.

The digest's text itself comes from the engine, in the digest's language. These strings are
mrkdwn: a literal ``<`` ``>`` ``&`` is written ``&lt;`` ``&gt;`` ``&amp;`` (Slack would parse it).
"""

from __future__ import annotations

UI: dict[str, dict[str, str]] = {
    "en": {
        "papers": "{n} papers",
        "paper": "1 paper",
        "overview": "*{total} new papers* in {k} categories",
        "ask": "💬 Reply in this thread to ask about these papers: I answer from this digest.",
        "share": "Share to channel",
        "open": "Read a category in full",
        "hint": "`/digest &lt;category&gt; {day}` shows one category in full.",
        "shared_by": "Shared by <@{user}>",
        "building": "⏳ Building the digest{what}… this can take a minute.",
        "continued": "{label} (continued)",
        "more_categories": "…and {n} more categories",
        "more_papers": "…and {n} more papers (the daily thread lists them all)",
        "cut": "_The synthesis is cut here to fit one message; the daily thread has it in full._",
        "not_grounded": "_No paper of this digest answers this directly: these are the closest matches._",
        "answer_failed": "Sorry, I could not answer that right now: {error}",
        "post_failed": "Sorry, I could not answer that just now — please ask again.",
        "chart": "Papers per category, {day}",
        "failed": "Sorry, something went wrong: {error}",
    },
    "ko": {
        "papers": "논문 {n}편",
        "paper": "논문 1편",
        "overview": "새 논문 *{total}편*, {k}개 분야",
        "ask": "💬 이 스레드에 질문을 남기면 이 다이제스트의 논문을 바탕으로 답합니다.",
        "share": "채널에 공유",
        "open": "분야 전체 요약 보기",
        "hint": "`/digest &lt;분야&gt; {day}` 로 한 분야의 전체 요약을 볼 수 있습니다.",
        "shared_by": "<@{user}> 님이 공유",
        "building": "⏳ 다이제스트{what}를 만드는 중입니다… 1분 정도 걸릴 수 있습니다.",
        "continued": "{label} (계속)",
        "more_categories": "…외 {n}개 분야",
        "more_papers": "…외 논문 {n}편 (데일리 스레드에 모두 있습니다)",
        "cut": "_한 메시지에 맞게 요약을 여기서 줄였습니다. 전체 내용은 데일리 스레드에 있습니다._",
        "not_grounded": "_이 다이제스트에 직접 답하는 논문이 없어, 가장 가까운 논문을 보여 드립니다._",
        "answer_failed": "죄송합니다, 지금은 답할 수 없습니다: {error}",
        "post_failed": "죄송합니다, 지금은 답을 보내지 못했습니다. 다시 질문해 주세요.",
        "chart": "{day} 분야별 논문 수",
        "failed": "죄송합니다, 문제가 생겼습니다: {error}",
    },
}


def papers(language: str | None, n: int) -> str:
    return ui(language, "paper") if n == 1 else ui(language, "papers", n=n)


def ui(language: str | None, key: str, **fields: object) -> str:
    lang = (language or "en").lower().replace("_", "-").split("-")[0]
    table = UI.get(lang, UI["en"])
    return table.get(key, UI["en"][key]).format(**fields)
