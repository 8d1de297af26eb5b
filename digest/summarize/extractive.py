"""Category -> five-part synthesis. ExtractiveSummarizer is the offline default.

Interface every summarizer follows::

    summarize_all(groups: list[tuple[Category, list[Paper]]], language: str) -> list[CategorySummary]

one summary per group, in the order given. The LLM summarizer (llm_summarize) falls back to
this module per category when the LLM is unavailable, over budget or fails.
"""

from __future__ import annotations

from typing import Protocol

from digest.summarize import keyphrases as textrank
from digest.text import strings, t
from digest.models import CategorySummary, Paper
from digest.classify.taxonomy import Category


class Summarizer(Protocol):
    name: str

    def summarize_all(self, groups: list[tuple[Category, list[Paper]]],
                      language: str) -> list[CategorySummary]: ...


MAX_QUOTE = 320
# An impact/outlook sentence must score at least this (textrank.sentence_score): below it the
# picks on the real days were background ("However, existing methods...") or method steps, and
# the line naming the field says more.
MIN_CUED_SCORE = 1.0


def _quote(sentence: str) -> str:
    """A quoted abstract sentence; an over-long one is cut at a word boundary and marked."""
    if len(sentence) > MAX_QUOTE:
        sentence = sentence[:MAX_QUOTE].rsplit(" ", 1)[0] + " …"
    return f"“{sentence}”"


class ExtractiveSummarizer:
    """The reference's five parts, filled with real abstract sentences and computed keyphrases.

    Every sentence in quotes is quoted from an abstract and attributed to its paper, chosen by
    what the part needs (results and figures for findings, applications for impact, limits and
    future work for outlook); links, availability notes and text addressed to an AI are never
    quoted (digest.lexicon). When no abstract has a sentence for impact or outlook, one plain
    line names the field and the keywords the results bear on, so a reader still learns where
    they matter; the placeholder is left only when there is nothing to go on. Headings and those
    lines follow the report language.
    """

    name = "extractive"
    model = "extractive"

    def summarize(self, category: Category, papers: list[Paper], language: str,
                  note: str = "") -> CategorySummary:
        parts = strings(language)["parts"]
        n = len(papers)
        sentences = {p.arxiv_id: textrank.quotable_sentences(p.abstract) for p in papers}
        keyphrases = {p.arxiv_id: textrank.paper_keyphrases(p.title, p.abstract) for p in papers}
        shared = textrank.shared_keyphrases([p.abstract for p in papers],
                                            titles=[p.title for p in papers]) if n > 1 else []
        shared_words = [phrase for phrase, _ in shared]
        used: set[str] = set()

        themes = [f"   - '{p.title}': {', '.join(keyphrases[p.arxiv_id]) or t(language, 'no_abstract')}"
                  for p in papers]
        trends = self._trends(papers, shared, language)
        findings = []
        for p in papers:
            s = self._finding(sentences[p.arxiv_id], keyphrases[p.arxiv_id] + shared_words, used)
            if s:
                used.add(s)
                findings.append(f"   - '{p.title}': {_quote(s)}")
            else:
                why = ("no_abstract" if not p.abstract.strip() else
                       "finding_repeated" if sentences[p.arxiv_id] else "no_finding")
                findings.append(f"   - '{p.title}': {t(language, why)}")
        impact = self._cued(papers, sentences, textrank.IMPACT_CUES, shared_words, used)
        outlook = self._cued(papers, sentences, textrank.OUTLOOK_CUES, shared_words, used)
        # what the derived impact/outlook line names: only papers with an abstract have results
        topics = shared_words[:3] or [next((w for w in keyphrases[p.arxiv_id] if " " in w),
                                           keyphrases[p.arxiv_id][0])
                                      for p in papers if p.abstract.strip() and keyphrases[p.arxiv_id]][:3]

        titles = "; ".join(f"'{p.title}'" for p in papers)
        synthesis = [t(language, "papers_in_one" if n == 1 else "papers_in", n=n, titles=titles)]
        if shared_words:
            synthesis.append(t(language, "threads", keywords=", ".join(shared_words)))
        lines = [
            f"1. **{parts[0]}**", *themes, "",
            f"2. **{parts[1]}**", *trends, "",
            f"3. **{parts[2]}**", *findings, "",
            f"4. **{parts[3]}**", *(impact or [self._derived(language, "impact", category, topics)]), "",
            f"5. **{parts[4]}**", "   " + " ".join(synthesis),
            *(outlook or [self._derived(language, "outlook", category, topics)]), "",
            t(language, "offline_note"),
        ]
        if note:
            lines.append(f"_{note}_")
        return CategorySummary(category=category.name, emoji=category.emoji, papers=tuple(papers),
                               text="\n".join(lines), model=self.model, language=language, note=note)

    @staticmethod
    def _trends(papers: list[Paper], shared: list[tuple[str, int]], language: str) -> list[str]:
        """Shared keywords with how many papers use them; a one-paper category lists that
        paper's keywords instead (there is nothing to share, and "1 of 1" says nothing)."""
        if len(papers) == 1:
            p = papers[0]
            words = textrank.paper_keyphrases(p.title, p.abstract, k=5)
            if not words:
                return [f"   - {t(language, 'no_abstract' if not p.abstract.strip() else 'no_shared')}"]
            return [f"   - {t(language, 'one_paper_keywords', keywords=', '.join(_kw(w) for w in words))}"]
        if not shared:
            return [f"   - {t(language, 'no_shared')}"]
        return [f"   - '{phrase}': {t(language, 'shared_in', k=df, n=len(papers))}" for phrase, df in shared]

    @staticmethod
    def _finding(sentences: list[str], keyphrases: list[str], used: set[str]) -> str | None:
        """The sentence stating a result (figures first); else the first quotable sentence."""
        s = textrank.best_sentence(sentences, textrank.FINDING_CUES, keyphrases, exclude=used)
        return s or next((x for x in sentences if x not in used), None)

    @staticmethod
    def _cued(papers, sentences, cues, keyphrases, used: set[str]) -> list[str]:
        """One cue-bearing sentence per paper that has one, not repeating a sentence used above."""
        out = []
        for p in papers:
            s = textrank.best_sentence(sentences[p.arxiv_id], cues, keyphrases, exclude=used,
                                       require_cue=True, min_score=MIN_CUED_SCORE)
            if s:
                used.add(s)
                out.append(f"   - '{p.title}': {_quote(s)}")
        return out

    @staticmethod
    def _derived(language: str, part: str, category: Category, topics: list[str]) -> str:
        """The line for an impact or outlook no abstract states: the field and the keywords the
        results bear on; the bare placeholder only when there are no keywords either."""
        if not topics:
            return f"   - {t(language, 'no_' + part)}"
        return f"   - {t(language, part + '_derived', field=category.name, keywords=', '.join(topics))}"

    def summarize_all(self, groups, language):
        return [self.summarize(cat, papers, language) for cat, papers in groups]


def _kw(phrase: str) -> str:
    return f"'{phrase}'"
