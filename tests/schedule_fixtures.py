"""Shared by the scheduling tests and bench/bench_scheduler.py: a controllable clock, offline
per-day sources (weekdays have papers, weekends none), a service on them, an in-memory poster,
and the Slack/Discord fakes that the adapter tests ship (tests/slack, tests/discord)."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from digest.config import load_settings
from digest.models import Digest
from digest.deliver.ledger import PostLedger, PostRecord
from digest.service import DigestService

TESTS = Path(__file__).parent
HF_DAY = TESTS / "fixtures" / "engine" / "hf_day.json"


def import_fakes():
    """``(fake_slack, fake_discord)`` modules from tests/slack and tests/discord."""
    for sub in ("slack", "discord"):
        path = str(TESTS / sub)
        if path not in sys.path:
            sys.path.insert(0, path)
    import fake_discord
    import fake_slack

    return fake_slack, fake_discord


class Clock:
    """A settable UTC clock: ``clock()`` is now; ``set``/``advance`` move it."""

    def __init__(self, now: datetime):
        self.now = now.astimezone(timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> None:
        self.now = now.astimezone(timezone.utc)

    def advance(self, **delta) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def write_sources(folder: Path, first: date, last: date, fixture: Path = HF_DAY) -> str:
    """One Hugging Face list per day: the fixture's papers on weekdays, ``[]`` on weekends, with
    ids of their own each day (a paper of an earlier digest is not summarized again: the same ids
    every day would leave every day after the first without new papers).
    Returns the DIGEST_SOURCES spec (``{date}`` is filled per day)."""
    folder.mkdir(parents=True, exist_ok=True)
    items = json.loads(fixture.read_text("utf-8"))
    day = first
    while day <= last:
        target = folder / f"hf_{day.isoformat()}.json"
        if day.weekday() >= 5:
            target.write_text(json.dumps([]))
        else:
            own = [dict(item, paper=dict(item["paper"], id=f"{day:%y%m}.{day.day:02d}{i:03d}"))
                   for i, item in enumerate(items)]
            target.write_text(json.dumps(own), "utf-8")
        day += timedelta(days=1)
    return f"hf:{folder}/hf_{{date}}.json"


def make_service(tmp: Path, clock: Clock, first: date = date(2024, 1, 1),
                 last: date = date(2024, 12, 31), db: Path | None = None, **overrides) -> DigestService:
    spec = write_sources(tmp / "sources", first, last) if not (tmp / "sources").exists() else \
        f"hf:{tmp / 'sources'}/hf_{{date}}.json"
    values = dict(digest_sources=spec, digest_language="en", digest_papers_per_category=2,
                  digest_db=db or tmp / "digest.db")
    values.update(overrides)
    return DigestService(load_settings(**values), clock=clock)


@dataclass
class MemoryPoster:
    """A Poster that records posts in memory, with the ledger discipline, and can be told to fail."""

    platform: str
    service: object
    posts: list[tuple[str, date, str, tuple[str, ...]]] = field(default_factory=list)
    notes: list[tuple[str, date, str]] = field(default_factory=list)
    fail: set[str] = field(default_factory=set)  # channels whose next posts raise

    def __post_init__(self):
        self.ledger = PostLedger(self.service.store)

    async def post(self, channel: str, digest: Digest) -> PostRecord:
        self.ledger.mark_pending(self.platform, channel, digest.day, digest.language)
        if channel in self.fail:
            self.ledger.mark_failed(self.platform, channel, digest.day, digest.language, "HTTP 500")
            raise RuntimeError("HTTP 500 from the platform")
        self.posts.append((channel, digest.day, digest.language,
                           tuple(s.category for s in digest.summaries)))
        mid = f"m{len(self.posts)}"
        self.ledger.mark_posted(self.platform, channel, digest.day, digest.language, mid, mid)
        return self.ledger.get(self.platform, channel, digest.day)

    async def note(self, channel: str, day: date, language: str, text: str) -> PostRecord:
        self.notes.append((channel, day, text))
        self.ledger.mark_posted(self.platform, channel, day, language, f"n{len(self.notes)}", "", "note")
        return self.ledger.get(self.platform, channel, day)

    def days(self, channel: str) -> list[date]:
        return [d for c, d, _, _ in self.posts if c == channel]
