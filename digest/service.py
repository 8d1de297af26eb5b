"""DigestService: the one entry point adapters and the CLI use (build, get, resolve, answer).

It owns the pipeline: sources -> classify -> store the day -> select -> summarize -> chart ->
store the digest. Adapters only translate platform events into these calls and render results.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from digest.query import help as grammar_help
from digest.query import parse as grammar
from digest.summarize import select
from digest.classify.keyword import Classifier, KeywordClassifier
from digest.config import Settings, get_settings
from digest.errors import BadDateError, ConfigError, NoPapersError, NotFoundError, SourceError
from digest.text import t
from digest.models import Digest, DigestQuery
from digest.query.parse import EARLIEST_DAY
from digest.store import Store
from digest.parts import UNSET as _UNSET
from digest.parts import Parts
from digest.summarize.extractive import Summarizer
from digest.classify.taxonomy import Taxonomy, load_taxonomy

if TYPE_CHECKING:
    from digest.sources import SourceLoader

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


def _not_found(key: str, **fields: object) -> NotFoundError:
    """A NotFoundError that reads English (the operator's CLI) but remembers its catalog key, so a
    chat reader is told in their language (:func:`_in_language`)."""
    err = NotFoundError(t("en", key, **fields))
    err.text_key, err.text_fields = key, fields
    return err


def _in_language(err: Exception, language: str | None) -> str:
    key = getattr(err, "text_key", None)
    return t(language, key, **err.text_fields) if key else str(err)


@dataclass(frozen=True)
class Reply:
    """What a ``/digest`` request resolves to: a digest (maybe one category of it) or text."""

    text: str = ""
    digest: Digest | None = None
    category: str | None = None
    error: bool = False
    week: object = None  # /digest week: its digest.week.Week (the adapters draw its chart)


class DigestService(Parts):
    def __init__(self, settings: Settings | None = None, store: Store | None = None,
                 taxonomy: Taxonomy | None = None, loader: SourceLoader | None = None,
                 classifier: Classifier | None = None, summarizer: Summarizer | None = None,
                 llm=None, clock: Callable[[], datetime] | None = None):
        self.settings = settings or get_settings()
        self.store = store or Store(self.settings.digest_db)
        self.taxonomy = taxonomy or load_taxonomy(self.settings.digest_taxonomy)
        try:
            self.tz = ZoneInfo(self.settings.digest_timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"DIGEST_TIMEZONE: unknown time zone {self.settings.digest_timezone!r}") from None
        self.clock = clock or (lambda: datetime.now(self.tz))
        self._loader = loader
        # the LLM client, classifier and summarizer are made when first used: reading a stored
        # digest (show, the console, /digest) then never imports the openai SDK
        self._llm = llm if llm is not None else _UNSET
        self.offline_classifier = KeywordClassifier(self.taxonomy)
        if (self.settings.digest_classifier == "llm" and llm is None and classifier is None
                and not self.settings.llm_enabled):
            self._make_classifier("llm")  # a setting that cannot work fails now, with its message
        self._classifier = classifier
        self._summarizer = summarizer
        self._day_locks: dict[date, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    # --- days -----------------------------------------------------------------------------
    def today(self) -> date:
        return self.clock().astimezone(self.tz).date()

    def end_of_day(self, day: date) -> datetime:
        """When ``day`` is over in DIGEST_TIMEZONE: after it, its sources are final."""
        return datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=self.tz)

    def check_day(self, day: date) -> date:
        if day > self.today():
            raise BadDateError(f"{day.isoformat()} is in the future (today is {self.today().isoformat()})")
        if day < EARLIEST_DAY:
            raise BadDateError(f"{day.isoformat()} is too far back (digests start in {EARLIEST_DAY.year})")
        return day

    def parse_day(self, text: str) -> date:
        """``YYYY-MM-DD``, ``today``, ``yesterday`` (the /digest grammar's dates) -> a checked date."""
        day, error = grammar.parse_day(text, self.today())
        if error:
            raise BadDateError(error)
        return day or self.today()

    # --- build ----------------------------------------------------------------------------
    def build(self, day: date | None = None, sources: list[str] | None = None,
              language: str | None = None, progress: Progress | None = None) -> Digest:
        """Fetch, classify and summarize ``day`` (default today); store and return its digest.

        Re-running a day replaces its papers, labels and digest (idempotent); LLM results are
        cached, so a rebuild costs no LLM call.
        """
        day = self.check_day(day or self.today())
        report = progress or (lambda stage: None)
        report("fetching sources")
        specs = sources or self.settings.source_list
        collected = self.loader.collect(specs, day, current=self.today())
        if not collected.papers:
            if collected.errors:
                offline = any("unreachable" in e for e in collected.errors)
                raise SourceError("no source could be read: " + "; ".join(collected.errors)
                                  + (" (offline? pass local files with --source PATH)" if offline else ""))
            raise NoPapersError(t(language or self.settings.digest_language, "no_papers",
                                  day=day.isoformat()))
        report(f"classifying {len(collected.papers)} papers")
        labels = self.classifier.classify(collected.papers)
        missing = [p for p in collected.papers if p.arxiv_id not in labels]
        if missing:  # a classifier must label every paper; never lose one
            labels.update(self.offline_classifier.classify(missing))
        labeled = [(p, labels[p.arxiv_id]) for p in collected.papers]
        notes = [f"source failed: {e}" for e in collected.errors]
        notes += self._classifier_notes(len(labeled))
        digest = self._compose(day, labeled, language, report, notes)
        provisional = self.clock() < self.end_of_day(day)
        self.store.save_day(day, collected.papers, labels, digest, provisional)  # one transaction
        self.store.prune()  # a build a day keeps the bookkeeping tables small
        if self.settings.digest_keep_days > 0:
            self.prune_days()
        self._log_digest(digest)
        return digest

    def _classifier_notes(self, total: int) -> list[str]:
        """What the LLM classifier left to the offline one, and why (failed / over budget)."""
        stats = getattr(self.classifier, "last_stats", None)
        if stats is None:  # a classifier that only counts its fallbacks
            fell_back = getattr(self.classifier, "last_fallbacks", 0)
            stats = {"failed": fell_back} if fell_back else {}
        notes = []
        if stats.get("failed"):
            notes.append(f"{stats['failed']} of {total} papers were classified offline "
                         "(the LLM did not label them)")
        if stats.get("over_budget"):
            notes.append(f"{stats['over_budget']} of {total} papers were classified offline: "
                         "the LLM budget was kept for the category summaries")
        return notes
    def prune_days(self, keep_days: int | None = None) -> dict[str, int]:
        """Retention: drop the papers (and their search-index rows) of days more than
        ``keep_days`` (default DIGEST_KEEP_DAYS) before today; digests and posts stay."""
        keep = self.settings.digest_keep_days if keep_days is None else keep_days
        if keep <= 0:
            return {"days": 0, "papers": 0}
        removed = self.store.prune_days(self.today() - timedelta(days=keep))
        if removed["days"]:
            log.info("event=retention days=%d papers=%d keep_days=%d", removed["days"],
                     removed["papers"], keep)
        return removed

    def compose(self, day: date, language: str | None = None, progress: Progress | None = None,
                extra_notes: list[str] | None = None) -> Digest:
        """Summarize and chart the stored papers of ``day`` in ``language`` (no fetching)."""
        labeled = self.store.day_papers(day)
        if self.store.day_is_pruned(day):
            raise NotFoundError(f"the papers of {day.isoformat()} were pruned "
                                f"(DIGEST_KEEP_DAYS={self.settings.digest_keep_days}): its stored "
                                "digest is kept as it is")
        if not labeled:
            raise NotFoundError(f"no papers stored for {day.isoformat()}: "
                                f"run `digest build --date {day.isoformat()}`")
        digest = self._compose(day, labeled, language, progress, extra_notes)
        self.store.save_digest(digest)
        self._log_digest(digest)
        return digest

    def _compose(self, day: date, labeled, language: str | None, progress: Progress | None,
                 extra_notes: list[str] | None) -> Digest:
        language = language or self.settings.digest_language
        report = progress or (lambda stage: None)
        # no repeats: a paper of an earlier stored digest is listed as "seen before", not summarized
        seen = self.store.first_seen(day, (p.arxiv_id for p, _ in labeled))
        repeats = tuple((p, seen[p.arxiv_id]) for p, _ in labeled if p.arxiv_id in seen)
        labeled = [(p, label) for p, label in labeled if p.arxiv_id not in seen]
        groups = select.group_by_category(labeled, self.taxonomy)
        counts = select.category_counts(groups)
        k = self.settings.digest_papers_per_category
        work = [(self.taxonomy[name], select.top_papers(groups[name], k)) for name, _ in counts]
        report(f"summarizing {len(work)} categories")
        summaries = self.summarizer.summarize_all(work, language)
        report("drawing the chart")
        from digest.present.chart import render_chart  # matplotlib: only a build or compose draws

        chart = render_chart(counts, day, language, seen_before=len(repeats))
        notes = list(extra_notes or [])
        if self.llm is None:
            notes.append(t(language, "offline_note").strip("_"))
        else:  # say which categories the LLM did not write, and why
            reasons: dict[str, list[str]] = {}
            for s in summaries:
                if s.offline and s.note:
                    reasons.setdefault(s.note, []).append(s.category)
            notes += [f"{note}: {', '.join(cats)}" for note, cats in reasons.items()]
        return Digest(day=day, language=language, summaries=tuple(summaries), counts=counts,
                      chart_png=chart, notes=tuple(notes), seen_before=repeats)

    def compose_papers(self, day: date, labeled, language: str, notes: list[str]) -> Digest:
        """A digest of some of ``day``'s papers (a filtered channel's), not stored: the same
        summaries, counts and chart as a day's, over ``labeled`` only."""
        return self._compose(day, labeled, language, None, notes)

    @staticmethod
    def _log_digest(digest: Digest) -> None:
        log.info("digest %s (%s): %d papers, %d categories", digest.day, digest.language,
                 digest.total_papers, len(digest.summaries))

    # --- read -----------------------------------------------------------------------------
    def latest_day(self) -> date | None:
        """The newest day with a stored digest, in any language: the one rule every caller uses
        (both chat adapters, the console, the engine).

        The reader's language decides how the day is *shown*, not which day: ``get_digest`` composes
        the newest day in the reader's language from its stored papers when that language was not
        built yet. Picking the day by language instead would show a Korean reader a weeks-old
        Korean digest while the channel's English digests moved on.
        """
        days = self.store.digest_days(limit=1)
        return days[0] if days else None

    def get_digest(self, day: date | None = None, language: str | None = None,
                   build_missing: bool = False) -> Digest:
        """The stored digest of ``day`` (default: the latest), composing or building if allowed."""
        language = language or self.settings.digest_language
        if day is None:
            day = self.latest_day()  # composed in this language if need be
            if day is None:
                if build_missing:
                    return self.get_digest(self.today(), language, build_missing=True)
                raise _not_found("q_no_digest_yet")
        if build_missing and self._outdated(day):
            with self._day_lock(day):  # built while its day was running: build it whole, once
                if self._outdated(day):
                    try:
                        return self.build(day, language=language)
                    except (SourceError, NoPapersError) as err:
                        log.warning("rebuild of %s failed (%s): keeping the earlier build", day, err)
        digest = self.store.load_digest(day, language)
        if digest is not None and self._llm_can_improve(digest):
            with self._day_lock(day):
                log.info("re-composing %s (%s): offline summaries, the LLM has a new day's budget",
                         day, language)
                return self.compose(day, language)
        if digest is not None:
            return digest
        with self._day_lock(day):  # two requests for a missing day build it once
            digest = self.store.load_digest(day, language)
            if digest is not None:
                return digest
            if self.store.day_is_pruned(day):  # its papers are gone: no digest can be composed
                raise NotFoundError(f"no {language} digest for {day.isoformat()}, and its papers were "
                                    f"pruned (DIGEST_KEEP_DAYS={self.settings.digest_keep_days})")
            if self.store.day_papers(day):
                return self.compose(day, language)
            if build_missing:
                return self.build(day, language=language)
        raise _not_found("q_no_digest_day", day=day.isoformat())

    def _llm_can_improve(self, digest: Digest) -> bool:
        """Offline summaries written on an earlier UTC day (no key then, budget spent, LLM down)
        are re-composed once the LLM is available with a fresh daily budget; at most once a day,
        and cached categories cost nothing."""
        if not any(s.offline for s in digest.summaries):
            return False
        composed = datetime.fromtimestamp(digest.created_at, tz=timezone.utc).date()
        today = self.clock().astimezone(timezone.utc).date()
        if composed >= today or self.store.day_is_pruned(digest.day):  # pruned: kept as it is
            return False
        return self.llm is not None and self.llm.budget_left() > 0

    def _outdated(self, day: date) -> bool:
        """A day built while it was still running, now over: its sources have more papers."""
        return self.store.day_is_provisional(day) and self.clock() >= self.end_of_day(day)

    def _day_lock(self, day: date) -> threading.Lock:
        with self._locks_guard:
            return self._day_locks.setdefault(day, threading.Lock())

    def resolve(self, query: DigestQuery, language: str | None = None,
                build_missing: bool = False) -> Reply:
        """Answer a parsed ``/digest`` request; never raises for a user's mistake."""
        language = language or self.settings.digest_language
        if query.kind == "error":
            return Reply(text=query.message, error=True)
        if query.kind in ("help", "categories"):
            text = (grammar_help.help_text(language, self.taxonomy) if query.kind == "help"
                    else grammar_help.categories_text(self.taxonomy, language))
            return Reply(text=text)
        if query.kind == "week":  # the 7 days ending query.day (digest.week)
            return self.week_reply(query.day, language)
        if query.kind == "search":  # every stored day, a page at a time (digest.ask.search)
            from digest.ask.search import render_page

            return Reply(text=render_page(self.search_archive(" ".join(query.args)), language))
        try:
            digest = self.get_digest(query.day, language, build_missing=build_missing)
        except (NoPapersError, NotFoundError, BadDateError, SourceError) as err:
            return Reply(text=_in_language(err, language), error=True)
        if query.kind == "category":
            if digest.summary_for(query.category) is None:
                names = ", ".join(c for c, _ in digest.counts)
                return Reply(text=t(language, "q_no_category_papers", category=query.category,
                                    day=digest.day.isoformat(), names=names), error=True)
            return Reply(digest=digest, category=query.category)
        return Reply(digest=digest)

    def week_reply(self, end: date | None, language: str | None = None) -> Reply:
        """``/digest week [date]`` as text (numbers first; the trend paragraph with an LLM)."""
        from digest.week import render_week_markdown, week_report

        try:
            week = week_report(self, self.check_day(end) if end else None, language)
        except BadDateError as err:
            return Reply(text=str(err), error=True)
        return Reply(text=render_week_markdown(week), error=week.empty, week=None if week.empty else week)

    def search_archive(self, words: str, page: int = 0):
        """Page ``page`` of the archive search for ``words`` (``digest.ask.search.SearchPage``),
        or None when ``words`` is no search (empty, too long, hostile: show the help line)."""
        from digest.ask.search import ArchiveSearch

        if not hasattr(self, "_search"):
            self._search = ArchiveSearch(self.store, self.taxonomy)
        return self._search.page(words, page)

    # --- follow-up questions --------------------------------------------------------------
    def answer(self, question: str, day: date | None = None, history: list[tuple[str, str]] = (),
               user: str = "", language: str | None = None):
        """Answer a question about the digest of ``day`` (default: latest) -> ``Answer``.

        Delegates to ``digest.ask.service.QAService``: retrieval over that day's papers and summaries,
        the LLM when available, a search result otherwise; rate limits and guardrails apply.
        """
        from digest.ask.service import QAService

        if not hasattr(self, "_qa"):
            self._qa = QAService(self.store, self.taxonomy, self.settings, self.llm)
        if day is None:
            day = self.latest_day()
        return self._qa.answer(question, day=day, history=list(history), user=user,
                               language=language)
