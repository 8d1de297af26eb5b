"""Category -> five-part synthesis. ExtractiveSummarizer is the offline default.

Interface every summarizer follows::

    summarize_all(groups: list[tuple[Category, list[Paper]]], language: str) -> list[CategorySummary]

one summary per group, in the order given. The LLM summarizer (llm_summarize) falls back to
this module per category when the LLM is unavailable, over budget or fails.
"""

from __future__ import annotations

from typing import Protocol

from digest import textrank
from digest.i18n import strings, t
from digest.models import CategorySummary, Paper
from digest.taxonomy import Category


class Summarizer(Protocol):
    name: str

    def summarize_all(self, groups: list[tuple[Category, list[Paper]]],
                      language: str) -> list[CategorySummary]: ...


MAX_QUOTE = 320


def _quote(sentence: str) -> str:
    """A quoted abstract sentence; an over-long one is cut at a word boundary and marked."""
    if len(sentence) > MAX_QUOTE:
        sentence = sentence[:MAX_QUOTE].rsplit(" ", 1)[0] + " …"
    return f"“{sentence}”"


class ExtractiveSummarizer:
    """The reference's five parts, filled with real abstract sentences and computed keyphrases.

    Nothing is generated: every sentence is quoted from an abstract and attributed to its paper;
    the keyword lists come from phrase counts. Headings follow the report language.
    """

    name = "extractive"
    model = "extractive"

    def summarize(self, category: Category, papers: list[Paper], language: str,
                  note: str = "") -> CategorySummary:
        parts = strings(language)["parts"]
        sentences = {p.arxiv_id: textrank.split_sentences(p.abstract) for p in papers}
        keyphrases = {p.arxiv_id: textrank.paper_keyphrases(p.title, p.abstract) for p in papers}
        shared = textrank.shared_keyphrases([f"{p.title}. {p.abstract}" for p in papers],
                                            titles=[p.title for p in papers])
        shared_words = [phrase for phrase, _ in shared]
        used: set[str] = set()

        themes = [f"   - '{p.title}': {', '.join(keyphrases[p.arxiv_id]) or t(language, 'no_abstract')}"
                  for p in papers]
        trends = [f"   - '{phrase}': {t(language, 'shared_in', k=df, n=len(papers))}"
                  for phrase, df in shared]
        findings = []
        for p in papers:
            s = textrank.best_sentence(sentences[p.arxiv_id], textrank.FINDING_CUES,
                                       keyphrases[p.arxiv_id] + shared_words)
            if s:
                used.add(s)
            findings.append(f"   - '{p.title}': {_quote(s) if s else t(language, 'no_abstract')}")
        impact = self._cued(papers, sentences, textrank.IMPACT_CUES, shared_words, used)
        outlook = self._cued(papers, sentences, textrank.OUTLOOK_CUES, shared_words, used)

        synthesis = [t(language, "papers_in", n=len(papers),
                       titles="; ".join(f"'{p.title}'" for p in papers))]
        if shared_words:
            synthesis.append(t(language, "threads", keywords=", ".join(shared_words)))
        lines = [
            f"1. **{parts[0]}**", *themes, "",
            f"2. **{parts[1]}**", *(trends or [f"   - {t(language, 'no_abstract')}"]), "",
            f"3. **{parts[2]}**", *findings, "",
            f"4. **{parts[3]}**", *(impact or [f"   - {t(language, 'no_impact')}"]), "",
            f"5. **{parts[4]}**", "   " + " ".join(synthesis),
            *(outlook or [f"   - {t(language, 'no_outlook')}"]), "",
            t(language, "offline_note"),
        ]
        if note:
            lines.append(f"_{note}_")
        return CategorySummary(category=category.name, emoji=category.emoji, papers=tuple(papers),
                               text="\n".join(lines), model=self.model, language=language, note=note)

    @staticmethod
    def _cued(papers, sentences, cues, keyphrases, used: set[str]) -> list[str]:
        """One cue-bearing sentence per paper that has one, not repeating a sentence used above."""
        out = []
        for p in papers:
            s = textrank.best_sentence(sentences[p.arxiv_id], cues, keyphrases, exclude=used,
                                       require_cue=True)
            if s:
                used.add(s)
                out.append(f"   - '{p.title}': {_quote(s)}")
        return out

    def summarize_all(self, groups, language):
        return [self.summarize(cat, papers, language) for cat, papers in groups]
