"""Follow-up questions about a digest: SQLite FTS5 retrieval, an LLM answer with numbered
citations, and an honest search-result answer when no LLM is available.

``QAService(store, taxonomy, settings, llm).answer(question, day=, history=, user=, language=)``

1. **Guardrails** first, none of which costs an LLM call: an empty question gets a usage hint;
   a very long one is cut (and says so); a per-user rate limit (DIGEST_QA_PER_USER_PER_HOUR,
   0 = none) counts ``qa_requests`` over the last hour; a question that tries to change the
   bot's instructions is declined; an off-topic one is pointed back at the papers; a question
   about a paper that is not in the digest says so and offers the archive.
2. **Retrieval** ranks the papers of that day's digest (``day_papers``) with BM25 over title
   (weighted) and abstract, fused with BM25 over the day's category summaries; it reads only
   that day's part of the FTS5 index, never the whole archive (``Retriever.match_day``). "earlier",
   "last week" (and their Korean forms) widen it to every stored paper, and the answer says so. Korean words
   are mapped to English query terms through a small glossary and the taxonomy's aliases;
   Latin-script names in a Korean question ("Hymba", "SSM") are kept as they are.
3. **Answer**: the LLM (kind ``qa``) sees only the retrieved papers as numbered, quoted data and
   answers in the question's language, citing ``[n]``; invented citations are stripped and the
   cited papers listed with links. Without a key, or when the call fails or the day's token
   budget is spent, the answer is the search result itself — the best-matching papers with
   the sentences that matched — stated as such.

This module is the flow; the parts live beside it: ``guards`` (question checks), ``language``,
``terms`` (query terms, with ``digest.glossary``), ``retrieve`` and ``bm25`` (search),
``limits`` (rate limit), ``answers`` and ``citations`` (the answer's text), ``messages`` (wording).
"""


from __future__ import annotations

import logging
import time
from datetime import date

from digest.ask.answers import SHOWN, append_lines, elsewhere_answer, join_notes, llm_answer, search_answer
from digest.ask.guards import (ARCHIVE, ARXIV_ID, FOLLOWUP, LINK_ID, MAX_QUESTION_CHARS, REFERS_TO_PAPER,
                               clean_question, off_topic)
from digest.ask.language import detect_language
from digest.ask.limits import rate_limited
from digest.text import t
from digest.ask.retrieve import CLOSER_PER_UNIT, CLOSER_WINDOW, Hit, Retrieval, Retriever
from digest.ask.terms import Terms, TermExtractor, coverage, matched, query_stems, stem, stem_set
from digest.llm import prompts
from digest.models import Answer, Paper
from digest.store import Store
from digest.summarize.keyphrases import split_sentences
from digest.untrusted import INJECTION, is_injection

log = logging.getLogger(__name__)

LLM_SOURCES = 6  # papers given to the LLM
FALLBACK_SOURCES = 8  # papers given when nothing matched (general or untranslatable questions)
SUMMARY_SHARE = 0.25  # weight of a category-summary match next to a paper's own match
RRF_K = 3.0


class QAService:
    """Answers follow-up questions about a day's digest (see the module docstring for the flow)."""

    def __init__(self, store: Store, taxonomy, settings, llm=None, clock=time.time):
        self.store = store
        self.taxonomy = taxonomy
        self.settings = settings
        self.llm = llm
        self.clock = clock
        self.extractor = TermExtractor(taxonomy)
        self.retriever = Retriever(store)

    def answer(self, question: str, day: date | None = None, history: list[tuple[str, str]] = (),
               user: str = "", language: str | None = None) -> Answer:
        text, truncated = clean_question(question if isinstance(question, str) else str(question or ""))
        lang = detect_language(text, language or self.settings.digest_language)
        if not text.strip(" …"):
            return Answer(t(lang, "ask_empty"), grounded=False)
        if user:
            limited = rate_limited(self.store, self.settings, self.clock, user, lang)
            if limited is not None:
                return limited
        notes = [t(lang, "ask_truncated", n=MAX_QUESTION_CHARS)] if truncated else []
        if day is None:
            days = self.store.digest_days(limit=1)
            if not days:
                return Answer(t(lang, "ask_no_digest"), grounded=False)
            day = days[0]
        day_count = self.retriever.day_count(day)
        if day_count == 0:
            return Answer(t(lang, "ask_no_day", day=day.isoformat()), grounded=False)
        if is_injection(text):
            return Answer(join_notes(notes, t(lang, "ask_injection", example=self._example(day, lang))),
                          grounded=False)

        terms = self.terms(text)
        archive = bool(ARCHIVE.search(text))
        history = [(r, t) for r, t in (history or []) if isinstance(t, str)]
        retrieval = self._retrieve(text, terms, day, archive, history)

        if not retrieval.hits:
            if archive:
                return Answer(join_notes(notes, t(lang, "ask_nothing_found"),
                                         t(lang, "ask_archive_scope", total=self.retriever.total(),
                                                 day=day.isoformat())),
                              grounded=False)
            if off_topic(text, terms, bool(history)):
                return Answer(join_notes(notes, t(lang, "ask_off_topic", day=day.isoformat(),
                                                        example=self._example(day, lang))),
                              grounded=False)
        missing = None if archive else self._missing_names(text, terms, day, retrieval)
        if missing is not None:
            return self._not_in_digest(missing, day, day_count, lang, notes)
        if not retrieval.hits:
            elsewhere = [h for h in self._retrieve(text, terms, day, True, []).hits if h.sentences]
            if elsewhere:  # nothing that day, but earlier digests have it: offer them
                return elsewhere_answer(elsewhere, day, lang, notes, self.retriever.total())
            retrieval.hits = self._top_of_day(day, FALLBACK_SOURCES)
            retrieval.fallback = True

        after = ([] if archive or retrieval.fallback
                 else self._closer_elsewhere(text, terms, day, retrieval, lang))
        if archive:
            notes.append(t(lang, "ask_archive_scope", total=self.retriever.total(), day=day.isoformat()))
        if self.llm is not None and getattr(self.llm, "enabled", False):
            from digest.llm.client import LLMError

            try:
                return append_lines(llm_answer(self.llm, text, retrieval, day, history, lang, notes), after)
            except LLMError as err:
                log.warning("qa: falling back to search results: %s", err)
                reason = t(lang, "ask_llm_failed", cause=getattr(err, "cause", "error"))
                return append_lines(search_answer(retrieval, day, lang, reason, notes), after)
        return append_lines(search_answer(retrieval, day, lang, t(lang, "ask_no_key"), notes), after)

    def search(self, question: str, day: date | None = None, k: int = SHOWN,
               archive: bool = False) -> list[Hit]:
        """The ``k`` papers that best match ``question`` in ``day``'s digest (or all papers)."""
        text, _ = clean_question(question)
        if day is None and not archive:
            days = self.store.digest_days(limit=1)
            if not days:
                return []
            day = days[0]
        return self._retrieve(text, self.terms(text), day, archive, [], limit=k).hits[:k]

    def _retrieve(self, text: str, terms: Terms, day: date | None, archive: bool,
                  history: list[tuple[str, str]], limit: int = LLM_SOURCES) -> Retrieval:
        prior: list[str] = []
        if history and (FOLLOWUP.search(text) or terms.empty):
            prior = self._previously_cited(history)
            last_user = next((t for r, t in reversed(history) if r == "user"), "")
            if last_user and len(terms.words) + len(terms.hangul) < 3:
                extra = self.terms(clean_question(last_user)[0])
                terms = Terms(terms.words + tuple(w for w in extra.words if w not in terms.words),
                              terms.phrases + extra.phrases, terms.hangul + extra.hangul,
                              terms.names, terms.mapped or extra.mapped, terms.research or extra.research)
        scores: dict[str, float] = {}
        for rank, (aid, _) in enumerate(self.retriever.match_papers(terms, None if archive else day)):
            scores[aid] = scores.get(aid, 0.0) + 1.0 / (RRF_K + rank)
        if day is not None and not archive:
            for rank, ids in enumerate(self.retriever.match_summaries(terms, day)):
                for aid in ids:
                    scores[aid] = scores.get(aid, 0.0) + SUMMARY_SHARE / (RRF_K + rank)
        for i, aid in enumerate(prior):  # a follow-up is first about what was just cited
            scores[aid] = scores.get(aid, 0.0) + 2.0 / (1 + i)
        ranked = sorted(scores, key=lambda a: -scores[a])
        ranked = ranked[: max(limit, len(prior) + 2) if prior else limit]
        papers = self.store.get_papers(ranked)
        labels = self.retriever.labels(ranked, None if archive else day)
        query = query_stems(terms)
        asked = {n for n in terms.names if ARXIV_ID.fullmatch(n)}  # by id: shown even if no word matched
        hits = [Hit(papers[a], scores[a], self._sentences(papers[a], terms)
                    or (tuple(split_sentences(papers[a].abstract)[:1]) if a in asked else ()),
                    *labels.get(a, (day, None)), coverage=coverage(query, papers[a]))
                for a in ranked if a in papers]
        return Retrieval(hits=hits, archive=archive, terms=terms)

    def terms(self, text: str) -> Terms:
        """Query terms of a question (see :class:`digest.ask.terms.TermExtractor`)."""
        return self.extractor.extract(text)

    def _sentences(self, paper: Paper, terms: Terms, k: int = 2) -> tuple[str, ...]:
        """The abstract's sentences that share the most query words, in abstract order."""
        stems = query_stems(terms) or {stem(w) for w in terms.words if len(w) > 2}
        names = {n.lower() for n in terms.names}
        scored = []
        for i, sentence in enumerate(split_sentences(paper.abstract)):
            if INJECTION.search(sentence):
                continue
            score = len(matched(stems, stem_set(sentence))) + sum(2 for n in names if n in sentence.lower())
            if score:
                scored.append((score, i, sentence))
        best = sorted(scored, key=lambda s: (-s[0], s[1]))[:k]
        return tuple(prompts.clip(s, 320) for _, _, s in sorted(best, key=lambda s: s[1]))

    def _previously_cited(self, history: list[tuple[str, str]]) -> list[str]:
        for role, text in reversed(history):
            if role != "user":
                ids = list(dict.fromkeys(LINK_ID.findall(text)))
                if ids:
                    return ids
        return []

    def _top_of_day(self, day: date, k: int) -> list[Hit]:
        labeled = self.store.day_papers(day)[:k]  # by popularity, then confidence
        return [Hit(p, 0.0, tuple(split_sentences(p.abstract)[:1]), day, c.category)
                for p, c in labeled]

    def _missing_names(self, text: str, terms: Terms, day: date, retrieval: Retrieval) -> list[str] | None:
        """Names the question asks about that no paper of ``day`` mentions, when they are its
        point: nothing else matched, an arXiv id, or a paper asked for that nothing matches
        well ("What does the AlphaFold 3 paper say?"); else None."""
        if not terms.names or any(self.retriever.mentions(n, day) for n in terms.names):
            return None
        best = max((h.coverage for h in retrieval.hits), default=0.0)
        if (not retrieval.hits or any(ARXIV_ID.fullmatch(n) for n in terms.names)
                or (REFERS_TO_PAPER.search(text) and best < 0.5)):
            return list(terms.names)
        return None

    def _not_in_digest(self, names: list[str], day: date, count: int, lang: str,
                       notes: list[str]) -> Answer:
        shown = ", ".join(f"“{n}”" for n in names[:3])
        lines = [t(lang, "ask_not_in_digest", names=shown, n=count, day=day.isoformat())]
        found: list[str] = []
        for n in names:
            found += [a for a in self.retriever.mentions(n, None) if a not in found]
        cited: list[Paper] = []
        if found:
            papers = self.store.get_papers(found[:SHOWN])
            labels = self.retriever.labels(list(papers), None)
            lines.append(t(lang, "ask_archive_found"))
            for i, aid in enumerate(papers, 1):
                p = papers[aid]
                when = labels.get(aid, (None, None))[0]
                where = f" ({t(lang, 'ask_in_digest', day=when.isoformat())})" if when else ""
                lines.append(f"[{i}] {p.title}{where} — {p.link}")
                cited.append(p)
        else:
            lines.append(t(lang, "ask_archive_none", total=self.retriever.total()))
        lines.append(t(lang, "ask_archive_offer", total=self.retriever.total()))
        return Answer(join_notes(notes, "\n".join(lines)), cited=tuple(cited), grounded=False)

    def _closer_elsewhere(self, text: str, terms: Terms, day: date, retrieval: Retrieval,
                          lang: str) -> list[str]:
        """A pointer to another digest's paper when it covers the question far better than any
        paper of ``day`` (the answer itself stays about ``day``)."""
        query = query_stems(terms)
        best = max((h.coverage for h in retrieval.hits), default=0.0)
        if len(query) < 2 or best >= 0.5:
            return []
        shown = {h.paper.arxiv_id for h in retrieval.hits}
        for hit in self._strong_elsewhere(terms):
            if hit.paper.arxiv_id not in shown and hit.coverage >= max(0.67, best + 0.34):
                when = hit.day.isoformat() if hit.day else "?"
                return [t(lang, "ask_closer_elsewhere", title=hit.paper.title, day=when,
                                link=hit.paper.link)]
        return []

    def _strong_elsewhere(self, terms: Terms) -> list[Hit]:
        """The best stored papers over the archive (bounded as in ``Retriever.match_archive``, with a
        smaller window), for the "closer elsewhere" pointer."""
        units = self.retriever.units(terms, archive=True)
        best = [aid for aid, _ in self.retriever.match_archive(units, SHOWN, window=CLOSER_WINDOW,
                                                               per_unit=CLOSER_PER_UNIT)]
        papers = self.store.get_papers(best)
        labels = self.retriever.labels(list(papers), None)
        query = query_stems(terms)
        return [Hit(papers[a], 0.0, (), *labels.get(a, (None, None)), coverage=coverage(query, papers[a]))
                for a in best if a in papers]

    def _example(self, day: date, lang: str) -> str:
        top = self.store.day_papers(day)[:1]
        title = prompts.clip(top[0][0].title, 70) if top else "Hymba"
        return t(lang, "ask_example", title=title)
