"""Paper sources: Hugging Face daily papers, arXiv RSS, arXiv API — each from a URL or a file.

A source spec is ``[hf:|arxiv-rss:|arxiv-api:]URL-or-path`` (the prefix forces the format,
otherwise it is detected from the content), or a shortcut: ``hf`` (the Hugging Face list of the
day) or ``arxiv:cs.AI+cs.CL`` (that RSS feed). ``{date}`` in a spec becomes the day.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from digest.config import HF_DAILY_URL
from digest.errors import SourceError
from digest.models import Paper
from digest.sources import arxiv_api, arxiv_rss, hf_daily
from digest.sources.fetch import PoliteFetcher, display_url

log = logging.getLogger(__name__)

PARSERS = {hf_daily.NAME: hf_daily, arxiv_rss.NAME: arxiv_rss, arxiv_api.NAME: arxiv_api}
RSS_URL = "https://rss.arxiv.org/rss/{cats}"


@dataclass(frozen=True)
class SourceSpec:
    location: str  # URL or file path, ``{date}`` already filled in
    forced: str | None = None  # format named by a prefix

    @property
    def is_url(self) -> bool:
        return self.location.startswith(("http://", "https://"))


def resolve(spec: str, day: date) -> SourceSpec:
    spec = spec.strip()
    if spec == "hf":
        return SourceSpec(HF_DAILY_URL.format(date=day.isoformat()), hf_daily.NAME)
    if spec.startswith("arxiv:") and not spec.startswith("arxiv:/"):
        return SourceSpec(RSS_URL.format(cats=spec.split(":", 1)[1]), arxiv_rss.NAME)
    forced = None
    for name in PARSERS:
        if spec.startswith(name + ":"):
            forced, spec = name, spec[len(name) + 1:]
            break
    return SourceSpec(spec.replace("{date}", day.isoformat()), forced)


def detect(body: bytes) -> str:
    """The format of a source body, from its content."""
    for name, module in PARSERS.items():
        if module.looks_like(body):
            return name
    stripped = body.lstrip()
    if not stripped:
        raise SourceError("empty response")
    if stripped[:1] == b"[":  # an empty JSON list is a Hugging Face day with no papers
        return hf_daily.NAME
    raise SourceError("unknown source format (expected Hugging Face JSON, arXiv RSS or arXiv Atom)")


def parse(body: bytes, forced: str | None = None, origin: str = "") -> list[Paper]:
    name = forced or detect(body)
    return PARSERS[name].parse(body, origin or name)


@dataclass
class Collected:
    """What a day's sources gave: merged papers and a one-line error per failed source."""

    papers: list[Paper] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    per_source: dict[str, int] = field(default_factory=dict)


def merge(batches: list[list[Paper]]) -> list[Paper]:
    """Dedupe on the arXiv id across sources: keep the richest record, the highest popularity."""
    merged: dict[str, Paper] = {}
    for batch in batches:
        for p in batch:
            old = merged.get(p.arxiv_id)
            if old is None:
                merged[p.arxiv_id] = p
                continue
            merged[p.arxiv_id] = replace(
                old,
                abstract=old.abstract or p.abstract,
                authors=old.authors or p.authors,
                categories=tuple(dict.fromkeys(old.categories + p.categories)),
                popularity=max(old.popularity, p.popularity),
                published=old.published or p.published,
            )
    return list(merged.values())


def _dated(raw: str) -> bool:
    """Whether a spec names its day: ``{date}`` in it, or the ``hf`` shortcut (a dated API)."""
    return "{date}" in raw or raw.strip() == "hf"


def of_day(papers: list[Paper], day: date, where: str) -> list[Paper]:
    """The papers a file lists for ``day``. A local file whose name does not say its day is
    checked against the days its papers were listed on (Hugging Face list day, arXiv announce
    day): papers of other days are not stored as ``day``'s; a file of only other days is an
    error naming the days it holds. A file that dates nothing is taken as it is."""
    listed = Counter(p.listed for p in papers if p.listed is not None)
    if not listed or day in listed:
        kept = [p for p in papers if p.listed is None or p.listed == day]
        if len(kept) < len(papers):
            log.warning("%s: skipped %d papers listed on other days than %s", where,
                        len(papers) - len(kept), day.isoformat())
        return kept
    days = sorted(listed)
    held = ", ".join(d.isoformat() for d in days[:5]) + (" ..." if len(days) > 5 else "")
    raise SourceError(f"{where} holds the papers of {held}, not of {day.isoformat()}: "
                      f"use --date {days[-1].isoformat()} or the file of {day.isoformat()}")


class SourceLoader:
    """Fetches or reads each spec, parses it, and keeps going when one source fails."""

    def __init__(self, fetcher: PoliteFetcher, feed_state: Callable[[str], dict] | None = None,
                 save_feed_state: Callable[[str, str | None, str | None, bytes], None] | None = None):
        self.fetcher = fetcher
        self.feed_state = feed_state or (lambda url: {})
        self.save_feed_state = save_feed_state or (lambda url, etag, modified, body: None)

    def read(self, spec: SourceSpec) -> bytes:
        if spec.is_url:
            state = self.feed_state(spec.location)
            cached = state.get("body")
            resp = self.fetcher.get(spec.location, state.get("etag") if cached else None,
                                    state.get("modified") if cached else None)
            if resp.status == 304:  # unchanged since the last fetch: the stored copy is current
                log.info("%s not modified, using the stored copy", display_url(spec.location))
                return cached
            self.save_feed_state(spec.location, resp.etag, resp.modified, resp.body)
            return resp.body
        path = Path(spec.location).expanduser()
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise SourceError(f"no such file: {path}") from None
        except OSError as err:
            raise SourceError(f"cannot read {path}: {err.strerror}") from None

    def load(self, spec: SourceSpec) -> list[Paper]:
        body = self.read(spec)
        where = display_url(spec.location)
        try:
            return parse(body, spec.forced, where)
        except SourceError as err:
            raise SourceError(f"{where}: {err}") from None
        except Exception as err:  # noqa: BLE001 - a parser bug on odd input must not sink the build
            log.exception("parsing %s failed", where)
            raise SourceError(f"{where}: malformed content ({type(err).__name__})") from None

    def fill_abstracts(self, papers: list[Paper]) -> list[Paper]:
        """Look up missing abstracts with one arXiv API request (ids of up to 100 papers).

        A failed look-up only logs: the papers stay, title-only, rather than being lost.
        """
        missing = [p.arxiv_id for p in papers if not p.abstract][:100]
        if not missing:
            return papers
        try:
            found = {p.arxiv_id: p for p in self.load(SourceSpec(arxiv_api.id_list_url(missing),
                                                                   arxiv_api.NAME))}
        except SourceError as err:
            log.warning("could not fill %d missing abstracts: %s", len(missing), err)
            return papers
        log.info("filled %d of %d missing abstracts from the arXiv API",
                 sum(1 for i in missing if i in found and found[i].abstract), len(missing))
        return merge([papers, [found[i] for i in missing if i in found]])

    def collect(self, specs: list[str], day: date, current: date | None = None) -> Collected:
        """Papers of ``day`` from every spec. A feed URL without ``{date}`` (arXiv RSS) only
        serves the current announcement, so it is skipped for other days (``current`` = today).
        For a build (``current`` given) a local file without ``{date}`` must list ``day``
        (see ``of_day``); ``digest classify`` passes no ``current`` and takes files as they are.
        """
        out = Collected()
        batches = []
        online = False
        for raw in specs:
            spec = resolve(raw, day)
            if spec.is_url and not _dated(raw) and current is not None and day != current:
                out.errors.append(f"{display_url(spec.location)} serves only the current announcement, "
                                  f"not {day.isoformat()}: skipped")
                continue
            online = online or spec.is_url
            try:
                papers = self.load(spec)
                if current is not None and not spec.is_url and not _dated(raw):
                    papers = of_day(papers, day, display_url(spec.location))
            except SourceError as err:
                log.error("source failed: %s", err)
                out.errors.append(str(err))
                continue
            log.info("source %s: %d papers", display_url(spec.location), len(papers))
            out.per_source[display_url(spec.location)] = len(papers)
            batches.append(papers)
        out.papers = merge(batches)
        if online:  # offline builds (local files) never reach out for abstracts
            out.papers = self.fill_abstracts(out.papers)
        return out
