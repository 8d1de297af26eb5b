"""The ``/digest help`` and ``/digest categories`` texts (en, ko)."""

from __future__ import annotations

from digest.classify.taxonomy import Taxonomy
from digest.query.words import language_code
from digest.text import t


def _examples(taxonomy: Taxonomy | None) -> tuple[str, str]:
    """A short and a multi-word category to show in examples (defaults fit the shipped taxonomy)."""
    if taxonomy is None:
        return "LLM", "computer vision"
    short = "LLM" if taxonomy.get("LLM") else taxonomy.names[0]
    multi = next((n for n in taxonomy.names if " " in n), taxonomy.names[-1])
    if taxonomy.get("computer vision"):
        multi = "computer vision"
    return short, multi.lower()


def help_text(language: str = "en", taxonomy: Taxonomy | None = None) -> str:
    """The command help, listing every form with an example; in Korean for ``language="ko"``."""
    short, multi = _examples(taxonomy)
    if language_code(language) == "ko":
        lines = [
            "/digest 사용법",
            "• /digest — 최신 다이제스트",
            "• /digest 2024-11-24 — 해당 날짜의 다이제스트 (today/오늘, yesterday/어제도 가능)",
            f"• /digest {short} — 최신 다이제스트의 한 카테고리 (이름 또는 별칭: llm, cv, rl, nlp, 강화학습 …)",
            f"• /digest {multi} 2024-11-24 — 특정 날짜의 카테고리 (순서는 상관없음)",
            "• /digest categories — 카테고리 목록",
            "• /digest subscribe 09:00 Asia/Seoul [ko|en] [카테고리…] — 매일 그 시각에 이 채널로 다이제스트 발송",
            "• /digest unsubscribe — 매일 발송 중지",
            "• /digest settings — 이 채널의 구독 설정 보기",
            "• " + t("ko", "help_filters"),
            "• " + t("ko", "help_search"),
            "• /digest help — 이 도움말",
        ]
        if taxonomy is not None:
            lines.append("카테고리: " + ", ".join(taxonomy.names))
    else:
        lines = [
            "/digest usage",
            "• /digest — the latest digest",
            "• /digest 2024-11-24 — the digest of a day (also: today, yesterday)",
            f"• /digest {short} — one category of the latest digest (names or aliases: llm, cv, rl, nlp, 강화학습 …)",
            f"• /digest {multi} 2024-11-24 — a category on a day, in either order",
            "• /digest categories — the list of categories",
            "• /digest subscribe 09:00 Asia/Seoul [ko|en] [categories…] — post the digest here daily at that time",
            "• /digest unsubscribe — stop the daily digest",
            "• /digest settings — show this channel's subscription",
            "• " + t("en", "help_filters"),
            "• " + t("en", "help_search"),
            "• /digest help — this help",
        ]
        if taxonomy is not None:
            lines.append("Categories: " + ", ".join(taxonomy.names))
    return "\n".join(lines)


HELP_TEXT_EN = help_text("en")
HELP_TEXT_KO = help_text("ko")


def categories_text(taxonomy: Taxonomy, language: str = "en") -> str:
    """One line per category: ``emoji name — description (aliases: ...)``."""
    ko = language_code(language) == "ko"
    head = ("카테고리 (/digest 뒤에 이름이나 별칭을 입력하세요):" if ko
            else "Categories (type a name or an alias after /digest):")
    alias_word = "별칭" if ko else "aliases"
    lines = [head]
    for cat in taxonomy:
        line = cat.label
        if cat.description:
            line += f" — {cat.description}"
        if cat.aliases:
            line += f" ({alias_word}: {', '.join(cat.aliases)})"
        lines.append(line)
    return "\n".join(lines)
