"""DIGEST_KEEP_DAYS: the papers (and search-index rows) of old days are pruned after each build,
their digests stay whole, and the daily posts stay exactly-once across the pruning."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from bot.core.scheduler import Scheduler
from digest.cli import main as cli
from digest.deliver.ledger import PostLedger
from digest.ask.service import QAService
from digest.query.parse import parse_query
from digest.present.markdown import render_markdown
from digest.deliver.subscriptions import Subscriptions
from schedule_fixtures import Clock, MemoryPoster, make_service

UTC = timezone.utc
FIXTURE = Path(__file__).parent / "fixtures" / "hf_small.json"


def write_days(folder: Path, first: date, last: date, copies: int = 1) -> None:
    """One Hugging Face list per day, the fixture's papers (``copies`` times) with ids of their
    own each day (weekends: no papers)."""
    folder.mkdir(parents=True, exist_ok=True)
    papers = json.loads(FIXTURE.read_text("utf-8")) * copies
    day = first
    while day <= last:
        items = []
        if day.weekday() < 5:
            for i, item in enumerate(papers):
                paper = dict(item["paper"], id=f"24{day.month:02d}.{day.day:02d}{i:03d}")
                items.append(dict(item, paper=paper))
        (folder / f"hf_{day.isoformat()}.json").write_text(json.dumps(items), "utf-8")
        day += timedelta(days=1)


def service_at(tmp_path, now: datetime, copies: int = 1, **overrides):
    write_days(tmp_path / "sources", date(2024, 11, 11), date(2024, 11, 30), copies)
    clock = Clock(now)
    values = dict(digest_keep_days=3, digest_papers_per_category=1)
    values.update(overrides)
    return clock, make_service(tmp_path, clock, **values)


def fts_is_consistent(store) -> bool:
    store.db.execute("insert into papers_fts(papers_fts) values('integrity-check')")  # raises if not
    return True


def test_a_pruned_day_still_shows_its_digest_and_search_forgets_its_other_papers(tmp_path, monkeypatch):
    clock, service = service_at(tmp_path, datetime(2024, 11, 21, 12, 0, tzinfo=UTC))
    old = date(2024, 11, 20)
    service.build(old)
    before = service.get_digest(old)
    cited = {p.arxiv_id for s in before.summaries for p in s.papers}
    uncited = {p.arxiv_id for p, _ in service.store.day_papers(old)} - cited
    assert cited and uncited  # one paper per category is cited, the others are not
    qa = QAService(service.store, service.taxonomy, service.settings)
    gone_title = service.store.get_papers(uncited)[min(uncited)].title
    assert min(uncited) in [h.paper.arxiv_id for h in qa.search(gone_title, archive=True, k=10)]

    clock.set(datetime(2024, 11, 29, 12, 0, tzinfo=UTC))
    service.build(date(2024, 11, 28))  # 2024-11-20 is now more than 3 days old: pruned

    assert service.store.day_is_pruned(old) and not service.store.day_is_pruned(date(2024, 11, 28))
    after = service.get_digest(old)
    assert render_markdown(after) == render_markdown(before)  # text, counts, sources, chart link
    assert after.chart_png == before.chart_png and after.counts == before.counts
    assert service.store.get_papers(uncited) == {}  # the papers no digest cites are gone
    assert set(service.store.get_papers(cited)) == cited
    assert fts_is_consistent(service.store)
    hits = [h.paper.arxiv_id for h in qa.search(gone_title, archive=True, k=10)]
    assert min(uncited) not in hits and hits  # found on the kept day, not the pruned one
    assert len(service.store.day_papers(date(2024, 11, 28))) == 8  # kept days untouched

    # a thread question about the pruned day is answered from the papers its digest cites
    answer = service.answer("Which paper is about long-context inference?", day=old, language="en")
    assert answer.cited and {p.arxiv_id for p in answer.cited} <= cited

    # and the CLI shows it, from a fresh process' point of view (settings from the environment)
    monkeypatch.setenv("DIGEST_DB", str(service.settings.digest_db))
    monkeypatch.setenv("DIGEST_LANGUAGE", "en")
    assert cli(["show", old.isoformat()]) == 0


def test_a_pruned_day_is_not_composed_again_in_another_language(tmp_path):
    clock, service = service_at(tmp_path, datetime(2024, 11, 21, 12, 0, tzinfo=UTC))
    service.build(date(2024, 11, 20))
    clock.set(datetime(2024, 11, 29, 12, 0, tzinfo=UTC))
    service.build(date(2024, 11, 28))
    reply = service.resolve(parse_query("2024-11-20", service.taxonomy, service.today()), language="ko")
    assert reply.error and "pruned (DIGEST_KEEP_DAYS=3)" in reply.text  # not a digest of 3 papers


async def test_posts_stay_exactly_once_while_old_days_are_pruned(tmp_path):
    clock, service = service_at(tmp_path, datetime(2024, 11, 1, tzinfo=UTC), digest_keep_days=1)
    Subscriptions(service.store, clock=service.clock, taxonomy=service.taxonomy).subscribe(
        "slack", "C1", "09:00", "UTC", "en", ())
    poster = MemoryPoster("slack", service)
    scheduler = Scheduler(service, [poster], clock=clock, interval=60)
    clock.set(datetime(2024, 11, 19, 8, 0, tzinfo=UTC))
    while clock() < datetime(2024, 11, 23, 12, 0, tzinfo=UTC):  # every 30 min for four days
        await scheduler.tick()
        clock.advance(minutes=30)
    days = poster.days("C1")
    assert days == [date(2024, 11, 18), date(2024, 11, 19), date(2024, 11, 20), date(2024, 11, 21),
                    date(2024, 11, 22)]  # each once, none again after its papers were pruned
    for day in days[:3]:
        assert service.store.day_is_pruned(day)
        assert PostLedger(service.store).get("slack", "C1", day).state == "posted"
        assert service.store.load_digest(day, "en") is not None
    # the bot restarts later the same day: nothing old is posted again
    again = Scheduler(service, [poster], clock=clock, interval=60)
    report = await again.tick()
    assert report.due == 0 and poster.days("C1") == days


def test_digest_prune_command_prunes_and_vacuums(tmp_path, monkeypatch, capsys):
    clock, service = service_at(tmp_path, datetime(2024, 11, 21, 12, 0, tzinfo=UTC), digest_keep_days=0)
    digest = service.build(date(2024, 11, 20))
    uncited = 8 - len({p.arxiv_id for s in digest.summaries for p in s.papers})
    service.store.close()
    monkeypatch.setenv("DIGEST_DB", str(service.settings.digest_db))
    assert cli(["prune"]) == 2  # DIGEST_KEEP_DAYS=0 keeps every day: said in one line
    assert "nothing to prune" in capsys.readouterr().err
    assert cli(["prune", "--keep-days", "1", "--vacuum"]) == 0  # today (2026+) - 1 > 2024-11-20
    shown = capsys.readouterr().out
    assert f"pruned {uncited} papers of 1 days older than 1 days" in shown and "VACUUM:" in shown
    monkeypatch.setenv("DIGEST_LANGUAGE", "en")
    assert cli(["show", "2024-11-20"]) == 0 and "RingCache" in capsys.readouterr().out
