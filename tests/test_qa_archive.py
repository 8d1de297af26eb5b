"""A thread question about one day reads that day, not the archive: the work SQLite does for it
(counted in virtual-machine steps, which do not depend on the machine's speed) stays the same
with one day stored or three weeks of days; the right paper still comes first either way.
(Days under SMALL_DAY papers also count word frequencies over the newest stored papers: bounded
work, but not flat until the archive holds ARCHIVE_SAMPLE papers.)"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from digest.ask.service import QAService
from test_retention import service_at

DAY = date(2024, 11, 20)
QUESTION = "Which of these papers would help with long-context inference?"


def sqlite_steps(store, ask) -> tuple[int, object]:
    """SQLite VM steps (in tens) spent while ``ask()`` runs, and its result."""
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    store.db.conn.set_progress_handler(count, 10)
    try:
        result = ask()
    finally:
        store.db.conn.set_progress_handler(None, 0)
    return steps[0], result


def asked(service) -> tuple[int, list[str]]:
    # one index segment in both databases (FTS5 merges its segments as it grows; a few small
    # builds leave several): what is compared is the papers read, not the segments opened
    service.store.db.execute("insert into papers_fts(papers_fts) values('optimize')")
    qa = QAService(service.store, service.taxonomy, service.settings)
    qa.answer(QUESTION, day=DAY, language="en")  # the first question of a thread reads the day once
    steps, answer = sqlite_steps(service.store, lambda: qa.answer(QUESTION, day=DAY, language="en"))
    return steps, [p.arxiv_id for p in answer.cited]


def test_a_day_scoped_question_does_not_read_the_other_days(tmp_path):
    # days of 240 papers (the fixture's 8, 30 times over): a day big enough for its own statistics
    _, one = service_at(tmp_path / "one", datetime(2024, 11, 30, tzinfo=timezone.utc), copies=30,
                        digest_keep_days=0)
    one.build(DAY)
    alone, first_alone = asked(one)

    _, many = service_at(tmp_path / "many", datetime(2024, 11, 30, tzinfo=timezone.utc), copies=30,
                        digest_keep_days=0)
    day = date(2024, 11, 11)
    while day <= date(2024, 11, 29):  # 15 weekdays, the asked day in the middle
        if day.weekday() < 5:
            many.build(day)
        day += timedelta(days=1)
    among, first_among = asked(many)

    assert many.store.db["papers"].count == 15 * one.store.db["papers"].count
    assert first_alone[0] == first_among[0] == "2411.20000"  # RingCache, that day's copy
    assert among <= 1.5 * alone, (alone, among)  # not ~15x: the other days are not read


def test_an_earlier_question_still_searches_every_day(tmp_path):
    _, service = service_at(tmp_path, datetime(2024, 11, 30, tzinfo=timezone.utc), digest_keep_days=0)
    for day in (date(2024, 11, 18), DAY):
        service.build(day)
    qa = QAService(service.store, service.taxonomy, service.settings)
    answer = qa.answer("In earlier digests, which paper shards key-value caches?", day=DAY, language="en")
    assert {p.arxiv_id for p in answer.cited} >= {"2411.18000", "2411.20000"}  # both days' copies
    assert "Searched all 16 stored papers" in answer.text


def test_question_words_are_pruned_before_the_search(tmp_path):
    _, service = service_at(tmp_path, datetime(2024, 11, 30, tzinfo=timezone.utc))
    qa = QAService(service.store, service.taxonomy, service.settings)
    units = qa.retriever.units(qa.terms("Which models model the modeling of caches, cache and caching?"))
    assert units == [("models",), ("caches",)]  # one per Porter stem (model, cach), no stop words
