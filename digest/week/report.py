"""What a week looks like in numbers: papers per category this week against the week before,
the terms that rose most, the most upvoted papers, the days missing from the store.

Computed from the stored days only (``day_papers``); nothing is fetched. A day without stored
papers is named in ``missing`` (never silently skipped), so "▼ 40%" can be read against it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from digest.lexicon import is_function_word, junk_keyword
from digest.models import Paper
from digest.summarize.keyphrases import shared_keyphrases

DAYS = 7
TOP_TERMS = 8
TOP_PAPERS = 5
CANDIDATE_TERMS = 60  # shared phrases of this week weighed against the week before


@dataclass(frozen=True)
class CategoryChange:
    category: str
    emoji: str
    this_week: int
    last_week: int

    @property
    def change(self) -> int:
        return self.this_week - self.last_week

    @property
    def percent(self) -> float | None:
        """Change in % of last week; None when last week had none (no base to compare)."""
        if self.last_week == 0:
            return None
        return 100.0 * self.change / self.last_week


@dataclass(frozen=True)
class RisingTerm:
    term: str
    this_week: int  # papers of this week using it (title or abstract)
    last_week: int  # papers of the week before using it


@dataclass(frozen=True)
class TopPaper:
    paper: Paper
    category: str
    day: date
    upvotes: int


@dataclass(frozen=True)
class Week:
    """The 7 days ``start``..``end`` against ``previous_start``..``start - 1``."""

    end: date
    language: str
    days: tuple[date, ...]  # this week's days with stored papers
    missing: tuple[date, ...]  # this week's days without stored papers
    previous_days: tuple[date, ...]
    previous_missing: tuple[date, ...]
    categories: tuple[CategoryChange, ...]  # this week's largest first; ones gone to 0 last
    rising: tuple[RisingTerm, ...]
    top_papers: tuple[TopPaper, ...]
    trend: str = ""  # one LLM paragraph, "" offline
    trend_note: str = ""  # why there is no paragraph when an LLM was configured

    @property
    def start(self) -> date:
        return self.end - timedelta(days=DAYS - 1)

    @property
    def previous_start(self) -> date:
        return self.start - timedelta(days=DAYS)

    @property
    def total(self) -> int:
        return sum(c.this_week for c in self.categories)

    @property
    def previous_total(self) -> int:
        return sum(c.last_week for c in self.categories)

    @property
    def empty(self) -> bool:
        return not self.days


def week_days(end: date) -> list[date]:
    return [end - timedelta(days=i) for i in range(DAYS - 1, -1, -1)]


def _load(store, days: list[date]):
    """Stored (day, paper, category) rows of ``days`` and the days that had none."""
    rows, missing = [], []
    for day in days:
        labeled = store.day_papers(day)
        if not labeled:
            missing.append(day)
        rows += [(day, p, c.category) for p, c in labeled]
    return rows, missing


def _text(p: Paper) -> str:
    return f"{p.title} {p.abstract}"


def _uses(term: str, texts: list[str]) -> int:
    """Papers whose title or abstract uses ``term`` (as whole words, any case)."""
    words = [re.escape(w) for w in term.split()]
    pattern = re.compile(r"(?<!\w)" + r"[\s\-]+".join(words) + r"s?(?!\w)", re.IGNORECASE)
    return sum(1 for text in texts if pattern.search(text))


def rising_terms(this: list[Paper], last: list[Paper], k: int = TOP_TERMS) -> list[RisingTerm]:
    """Phrases shared by this week's papers (the offline summary's keyphrase machinery), ranked by
    how many more papers used them than the week before; function words never count."""
    if len(this) < 2:
        return []
    candidates = shared_keyphrases([p.abstract for p in this], k=CANDIDATE_TERMS,
                                   titles=[p.title for p in this])
    now_texts, then_texts = [_text(p) for p in this], [_text(p) for p in last]
    out = []
    for phrase, _ in candidates:
        words = phrase.split()
        if all(is_function_word(w) for w in words) or junk_keyword(phrase):
            continue
        n_now, n_then = _uses(phrase, now_texts), _uses(phrase, then_texts)
        if n_now > n_then and n_now >= 2:
            out.append(RisingTerm(phrase, n_now, n_then))
    out.sort(key=lambda r: (-(r.this_week - r.last_week), -r.this_week, r.term.casefold()))
    kept: list[RisingTerm] = []
    for r in out:  # "large language" and "language models" are one term read twice
        if not any(_overlap(r.term, other.term) for other in kept):
            kept.append(r)
    return kept[:k]


def _overlap(a: str, b: str) -> bool:
    """One phrase inside the other, or one running on into the other (``x y`` + ``y z``)."""
    x, y = a.casefold().split(), b.casefold().split()
    inside = lambda p, q: any(q[i:i + len(p)] == p for i in range(len(q) - len(p) + 1))  # noqa: E731
    return inside(x, y) or inside(y, x) or (len(x) > 1 and len(y) > 1 and (x[-1] == y[0] or y[-1] == x[0]))


def week_numbers(service, end: date | None = None, language: str | None = None) -> Week:
    """The week ending ``end`` (default: yesterday in DIGEST_TIMEZONE) in ``language``.

    ``service`` is a ``DigestService`` (its store, taxonomy and settings are used). The numbers
    only: ``digest.week.week_report`` adds the LLM's trend paragraph (``digest.week.trend``).
    """
    language = language or service.settings.digest_language
    end = end or service.today() - timedelta(days=1)
    this_days, last_days = week_days(end), week_days(end - timedelta(days=DAYS))
    this_rows, missing = _load(service.store, this_days)
    last_rows, last_missing = _load(service.store, last_days)
    now_counts = Counter(c for _, _, c in this_rows)
    then_counts = Counter(c for _, _, c in last_rows)
    names = sorted(set(now_counts) | set(then_counts),
                   key=lambda n: (-now_counts[n], -then_counts[n], n))
    emoji = {}
    for name in names:
        cat = service.taxonomy.get(name)
        emoji[name] = cat.emoji if cat is not None else ""
    categories = tuple(CategoryChange(n, emoji[n], now_counts[n], then_counts[n]) for n in names)
    ranked = sorted(this_rows, key=lambda r: (-r[1].popularity, r[0], r[1].arxiv_id))
    top, seen = [], set()
    for day, paper, cat in ranked:
        if paper.popularity <= 0 or paper.arxiv_id in seen:
            continue
        seen.add(paper.arxiv_id)
        top.append(TopPaper(paper, cat, day, paper.popularity))
        if len(top) == TOP_PAPERS:
            break
    week = Week(
        end=end, language=language,
        days=tuple(d for d in this_days if d not in missing), missing=tuple(missing),
        previous_days=tuple(d for d in last_days if d not in last_missing),
        previous_missing=tuple(last_missing), categories=categories,
        rising=tuple(rising_terms([p for _, p, _ in this_rows], [p for _, p, _ in last_rows])),
        top_papers=tuple(top))
    return week
