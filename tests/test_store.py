"""The SQLite store: migrations once and in order, WAL, upserts, FTS, digests round-trip."""

from __future__ import annotations

from datetime import date

from digest.models import CategorySummary, Classification, Digest, Paper
from digest.store import Store, migrations

DAY = date(2024, 11, 22)


def paper(i: str, title: str = "Title", abstract: str = "Abstract text.", pop: int = 0) -> Paper:
    return Paper(i, title, abstract, authors=("A",), popularity=pop, source="hf")


def test_migrations_apply_once_in_order_and_wal_is_on(tmp_path):
    path = tmp_path / "d.db"
    store = Store(path)
    names = [r["name"] for r in store.db["_sqlite_migrations"].rows_where(order_by="id")]
    assert names == migrations.names()
    assert Store(path).migrate() == []  # reopening applies nothing twice
    assert store.db.execute("pragma journal_mode").fetchone()[0] == "wal"


def test_papers_upserted_by_id_and_searchable(tmp_path):
    store = Store(tmp_path / "d.db")
    store.upsert_papers([paper("1", "Sparse attention kernels"), paper("2", "Robot learning")])
    store.upsert_papers([paper("1", "Sparse attention kernels v2")])
    assert store.db["papers"].count == 2
    hits = list(store.db["papers"].search("kernels"))
    assert [h["title"] for h in hits] == ["Sparse attention kernels v2"]


def test_rerunning_a_day_replaces_it(tmp_path):
    store = Store(tmp_path / "d.db")
    labels = {i: Classification(i, "LLM", 0.9) for i in "123"}
    store.save_day(DAY, [paper("1"), paper("2"), paper("3")], labels)
    store.save_day(DAY, [paper("1"), paper("2")], labels)
    assert sorted(p.arxiv_id for p, _ in store.day_papers(DAY)) == ["1", "2"]


def test_digest_round_trip_keeps_order_papers_and_chart(tmp_path):
    store = Store(tmp_path / "d.db")
    p1, p2 = paper("1", "One"), paper("2", "Two")
    store.upsert_papers([p1, p2])
    digest = Digest(DAY, "en", (
        CategorySummary("Security", "🛡️", (p2,), "sec text", "extractive", "en"),
        CategorySummary("LLM", "🤖", (p1, p2), "llm text", "gpt-4o-mini", "en", note="n"),
    ), counts=(("LLM", 2), ("Security", 1)), chart_png=b"\x89PNG", notes=("offline",))
    store.save_digest(digest)
    store.save_digest(digest)  # idempotent
    back = store.load_digest(DAY, "en")
    assert [s.category for s in back.summaries] == ["Security", "LLM"]
    assert [p.title for p in back.summaries[1].papers] == ["One", "Two"]
    assert back.counts == digest.counts and back.chart_png == b"\x89PNG" and back.notes == ("offline",)
    assert store.load_digest(DAY, "ko") is None
    assert store.digest_days() == [DAY]


def test_pending_never_overwrites_a_posted_record(tmp_path):
    from digest.deliver.ledger import PostLedger

    ledger = PostLedger(Store(tmp_path / "d.db"))
    assert ledger.mark_pending("slack", "C1", DAY, "ko")
    ledger.mark_posted("slack", "C1", DAY, "ko", "111.222", "111.222")
    assert not ledger.mark_pending("slack", "C1", DAY, "ko")
    record = ledger.get("slack", "C1", DAY)
    assert record.state == "posted" and record.message_id == "111.222"
    ledger.forget("slack", "C1", DAY)  # --force
    assert ledger.mark_pending("slack", "C1", DAY, "ko")


def test_prune_drops_old_bookkeeping_but_keeps_recent_and_content(tmp_path):
    import time

    from digest.store.chat_state import ChatState

    store = Store(tmp_path / "d.db")
    state = ChatState(store)
    assert state.claim_event("slack", "Ev-old") and state.claim_event("slack", "Ev-new")
    old = time.time() - 40 * 86400
    store.db.execute("update handled_events set handled_at = ? where event_id = 'Ev-old'", [old])
    store.upsert_papers([paper("1")])
    removed = store.prune()
    assert removed["handled_events"] == 1
    assert not state.claim_event("slack", "Ev-new")  # a recent event is still answered once
    assert store.db["papers"].count == 1
