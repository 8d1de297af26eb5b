"""The whole offline pipeline through DigestService: build, store, read back, bad input."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from digest.config import load_settings
from digest.errors import BadDateError, NoPapersError, SourceError
from digest.models import DigestQuery
from digest.service import DigestService

DAY = date(2024, 11, 22)


@pytest.fixture
def service():
    clock = lambda: datetime(2024, 11, 25, 9, 0, tzinfo=timezone.utc)  # noqa: E731
    return DigestService(load_settings(digest_papers_per_category=1), clock=clock)


@pytest.fixture
def hf(fixtures) -> str:
    return str(fixtures / "engine/hf_day.json")


def test_build_counts_every_paper_and_summarizes_the_most_upvoted(service, hf):
    digest = service.build(DAY, sources=[hf])
    assert digest.total_papers == 6  # the paper without an abstract is counted, not lost
    counts = dict(digest.counts)
    assert counts["Computer Vision"] == 2
    cv = digest.summary_for("Computer Vision")
    assert [p.arxiv_id for p in cv.papers] == ["2411.90003"]  # 30 upvotes beat 3 (K=1)
    assert digest.chart_png.startswith(b"\x89PNG")
    assert [c for c, _ in digest.counts] == [s.category for s in digest.summaries]


def test_rebuilding_a_day_is_idempotent(service, hf):
    first = service.build(DAY, sources=[hf])
    second = service.build(DAY, sources=[hf])
    assert first.counts == second.counts
    assert [s.text for s in first.summaries] == [s.text for s in second.summaries]
    db = service.store.db
    assert db["day_papers"].count == 6 and db["digests"].count == 1
    assert db["summaries"].count == len(first.summaries)


def test_digest_read_back_and_other_language_composed_without_fetching(service, hf, fixtures):
    service.build(DAY, sources=[hf], language="ko")
    assert service.get_digest(DAY, "ko").summary_for("Security") is not None
    english = service.get_digest(DAY, "en")  # composed from stored papers
    assert "Key themes" in english.summaries[0].text
    assert service.get_digest().day == DAY  # latest


def test_weekend_gives_no_new_papers_and_stores_nothing(service, fixtures):
    with pytest.raises(NoPapersError, match="no new papers"):
        service.build(date(2024, 11, 23), sources=[str(fixtures / "engine/arxiv_weekend.xml")], language="en")
    assert service.store.db["digests"].count == 0


def test_future_and_ancient_dates_refused(service, hf):
    with pytest.raises(BadDateError, match="future"):
        service.build(date(2024, 11, 26), sources=[hf])
    with pytest.raises(BadDateError):
        service.parse_day("2024-13-01")
    assert service.parse_day("yesterday") == date(2024, 11, 24)


def test_failed_rebuild_leaves_the_previous_digest_whole(service, hf, monkeypatch):
    service.build(DAY, sources=[hf])
    with pytest.raises(SourceError, match="no source could be read"):
        service.build(DAY, sources=["/no/such/file.json"])

    def crash(*a, **k):
        raise RuntimeError("summarizer died")

    monkeypatch.setattr(service.summarizer, "summarize_all", crash)
    with pytest.raises(RuntimeError):
        service.build(DAY, sources=[hf])
    digest = service.get_digest(DAY)
    assert digest.total_papers == 6 and service.store.db["day_papers"].count == 6


def test_a_failing_source_is_noted_in_the_digest(service, hf):
    digest = service.build(DAY, sources=[hf, "/no/such/file.json"])
    assert any("source failed" in n and "no such file" in n for n in digest.notes)


def test_resolve_category_help_and_missing_days(service, hf):
    service.build(DAY, sources=[hf])
    reply = service.resolve(DigestQuery("category", DAY, "Security"))
    assert reply.digest and reply.category == "Security" and not reply.error
    missing = service.resolve(DigestQuery("category", DAY, "Audio"), language="en")
    assert missing.error and "No Audio papers" in missing.text and "Security" in missing.text
    nothing = service.resolve(DigestQuery("digest", date(2024, 11, 1)), language="en")
    assert nothing.error and "no digest for 2024-11-01" in nothing.text
    # a Korean reader is answered in Korean (these were English-only literals)
    assert "분야의 논문이 없습니다" in service.resolve(DigestQuery("category", DAY, "Audio"), language="ko-KR").text
    assert "2024-11-01 다이제스트가 없습니다" in service.resolve(DigestQuery("digest", date(2024, 11, 1))).text
    assert "/digest" in service.resolve(DigestQuery("help")).text
    assert "Security" in service.resolve(DigestQuery("categories")).text


def test_team_taxonomy_from_settings(tmp_path, hf):
    path = tmp_path / "team.toml"
    path.write_text('[[category]]\nname = "Efficiency"\nemoji = "⚡"\nkeywords = ["kv cache", "inference"]\n'
                    '[[category]]\nname = "Everything else"\nemoji = "📄"\nfallback = true\n')
    service = DigestService(load_settings(digest_taxonomy=path),
                            clock=lambda: datetime(2024, 11, 25, tzinfo=timezone.utc))
    digest = service.build(DAY, sources=[hf])
    assert {c for c, _ in digest.counts} == {"Efficiency", "Everything else"}


def test_concurrent_requests_for_a_missing_day_build_it_once(service, hf, monkeypatch):
    import threading
    import time

    service.settings.digest_sources = hf
    calls = []
    collect = service.loader.collect

    def slow_collect(specs, day, **kw):
        calls.append(day)
        time.sleep(0.2)
        return collect(specs, day, **kw)

    monkeypatch.setattr(service.loader, "collect", slow_collect)
    results = []
    threads = [threading.Thread(target=lambda: results.append(service.get_digest(DAY, build_missing=True)))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len(results) == 4
    assert {r.total_papers for r in results} == {6}


def test_crash_while_writing_leaves_the_previous_build_whole(service, hf, monkeypatch, fixtures):
    from digest.store import Store

    service.build(DAY, sources=[hf])

    def crash(db, digest):
        raise RuntimeError("killed mid-write")

    monkeypatch.setattr(Store, "_write_digest", staticmethod(crash))
    with pytest.raises(RuntimeError):
        service.build(DAY, sources=[str(fixtures / "engine/arxiv_rss.xml")])
    monkeypatch.undo()
    digest = service.get_digest(DAY)
    assert digest.total_papers == 6 and len(digest.summaries) == len(digest.counts)
    assert service.store.db["day_papers"].count == 6


def test_a_day_built_while_running_is_rebuilt_whole_once_it_is_over(tmp_path, fixtures):
    now = [datetime(2024, 11, 22, 10, 0, tzinfo=timezone.utc)]
    source = tmp_path / "day.json"
    entries = (fixtures / "engine/hf_day.json").read_text()
    import json

    source.write_text(json.dumps(json.loads(entries)[:2]))  # the list early in the day
    service = DigestService(load_settings(digest_sources=str(source)), clock=lambda: now[0])
    assert service.get_digest(DAY, build_missing=True).total_papers == 2
    source.write_text(entries)  # the list fills up during the day
    assert service.get_digest(DAY, build_missing=True).total_papers == 2  # still the same day
    now[0] = datetime(2024, 11, 23, 9, 0, tzinfo=timezone.utc)
    assert service.get_digest(DAY, build_missing=True).total_papers == 6  # rebuilt once over
    source.unlink()  # a later request does not fetch again
    assert service.get_digest(DAY, build_missing=True).total_papers == 6


def test_rebuilding_a_day_drops_other_languages_written_from_old_papers(service, hf, fixtures):
    service.build(DAY, sources=[hf], language="en")
    service.build(DAY, sources=[hf, str(fixtures / "engine/arxiv_rss.xml")], language="ko")
    assert service.get_digest(DAY, "en").total_papers == 8  # recomposed from the new papers


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path):
    from digest.errors import ConfigError
    from digest.store import Store

    bad = tmp_path / "x.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ConfigError, match="not a usable SQLite database"):
        Store(bad)


def test_latest_day_is_the_newest_day_shown_in_the_readers_language(service, hf, fixtures, tmp_path):
    """One rule for every caller (issue 15): the newest day, whatever language it was built in,
    shown in the reader's language — never an older day because it exists in that language."""
    earlier = tmp_path / "hf_2024-11-21.json"  # the fixture's papers, listed a day earlier
    earlier.write_text(open(hf).read().replace("2024-11-22", "2024-11-21"))
    service.build(date(2024, 11, 21), sources=[str(earlier)], language="en")
    service.build(DAY, sources=[str(fixtures / "engine/arxiv_rss.xml")], language="ko")
    assert service.latest_day() == DAY
    latest = service.get_digest(language="en")
    assert latest.day == DAY and latest.language == "en" and "Key themes" in latest.summaries[0].text
    assert service.get_digest(language="ko").day == DAY


def test_latest_day_of_a_language_never_built_is_the_newest_of_any(service, fixtures):
    assert service.latest_day() is None
    service.build(DAY, sources=[str(fixtures / "engine/arxiv_rss.xml")], language="ko")
    latest = service.get_digest(language="en", build_missing=True)
    assert latest.day == DAY and latest.language == "en" and "Key themes" in latest.summaries[0].text
