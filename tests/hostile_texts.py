"""Texts the renderers must survive (issue 11 rows 4 and 6, issue 13 item 5), shared by the report,
console, Slack and Discord tests: a 1 MB LLM reply, spoofed and scripted links, and the largest
digest that is still normal (14 categories, five parts each, a reply filling ``max_tokens``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from digest.models import CategorySummary, Digest, Paper

DAY = date(2024, 11, 22)
PARTS = ("Key themes", "Shared keywords, trends and patterns", "Key findings per paper",
         "Impact on sectors", "Synthesis and outlook")

PHISH = "[arxiv.org/abs/2411.00001](https://evil.example/phish)"
SCRIPT_LINK = "[](javascript:alert(document.cookie))"
SCRIPT_LINK_LABELLED = "[click me](javascript:alert(1))"
SPOOFS = (PHISH, SCRIPT_LINK, SCRIPT_LINK_LABELLED)
SCRIPT_TAG = "<script>alert(1)</script>"


def papers(n: int, tag: str = "", title: str = "") -> tuple[Paper, ...]:
    return tuple(Paper(f"2411.{90000 + i:05d}", title or f"Paper {tag}{i}: a method for long-context inference "
                       f"with sharded caches", f"Abstract {i}.") for i in range(n))


def five_parts(titles: list[str], chars: int) -> str:
    """An LLM-shaped synthesis (the prompt's layout) of about ``chars`` characters."""
    sentence = ("The results reduce time-to-first-token by 3.1x and peak memory per GPU by 62%, "
                "which bears on serving long documents at a lower cost. ")
    per_part = max(1, chars // 5 // len(sentence))
    out = []
    for k, name in enumerate(PARTS, 1):
        out.append(f"{k}. **{name}**")
        if k == 5:  # the prompt asks for one paragraph under part 5, no bullet
            out.append("   " + (sentence * per_part).strip())
        else:
            for t in titles:
                out.append(f"   - '{t}': " + (sentence * max(1, per_part // len(titles))).strip())
    return "\n".join(out)


def summary(category: str, text: str, n_papers: int = 5, emoji: str = "🤖",
            language: str = "en") -> CategorySummary:
    ps = papers(n_papers, category[:3])
    return CategorySummary(category, emoji, ps, text, "gpt-test", language)


def digest_of(*summaries: CategorySummary, language: str = "en") -> Digest:
    return Digest(DAY, language, tuple(summaries),
                  tuple((s.category, len(s.papers)) for s in summaries))


def huge_text(size: int = 1_000_000) -> str:
    """A reply that ignored ``max_tokens``: the five parts, then the same paragraph to 1 MB."""
    head = five_parts(["A", "B"], 1500)
    filler = ("This paragraph repeats because the model never stopped writing and nobody "
              "capped it at the source. ")
    body = [head]
    while sum(map(len, body)) < size:
        body.append(filler * 8)
    return "\n\n".join(body)[:size]


def normal_digest(language: str = "en", chars: int = 8_000) -> Digest:
    """The largest normal day: 14 categories × 5 parts, each a reply as long as ``max_tokens``
    (2,000 tokens ≈ 8,000 characters of English) lets it be, 5 papers each."""
    sums = []
    for i in range(14):
        s = summary(f"Category {i:02d}", "", 5)
        sums.append(replace(s, text=five_parts([p.title for p in s.papers], chars), language=language))
    return digest_of(*sums, language=language)


def huge_digest(categories: int = 3, language: str = "en") -> Digest:
    return digest_of(*(replace(summary(f"Huge {i}", huge_text()), language=language)
                       for i in range(categories)), language=language)
