"""The move to sqlite-utils' ``Migrations``: a database made by release 0.1 (which tracked
applied migrations in its own ``_migrations`` table) opens without re-running or skipping any
migration and keeps every row; a fresh database gets the same schema."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from digest.deliver.ledger import PostLedger
from digest.deliver.subscriptions import Subscriptions
from digest.store import Store, migrations

RELEASE_DB = Path(__file__).parent / "fixtures" / "db_release_0_1.sqlite"
DAY = date(2024, 11, 22)
TRACKING = {"_migrations", "_sqlite_migrations"}


@pytest.fixture
def release_db(tmp_path):
    path = tmp_path / "release.sqlite"
    shutil.copy(RELEASE_DB, path)
    return path


def counts(path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("select name from sqlite_master where type='table'")]
        return {t: conn.execute(f'select count(*) from "{t}"').fetchone()[0]  # noqa: S608
                for t in tables if t not in TRACKING}


def schema(path) -> set[tuple[str, str, str]]:
    with sqlite3.connect(path) as conn:
        return {(t, n, " ".join((sql or "").split())) for t, n, sql in conn.execute(
            "select type, name, sql from sqlite_master where name not like '\\_%' escape '\\' "
            "and name not like 'sqlite_autoindex_%'")}


def test_a_release_database_opens_with_nothing_applied_twice_and_every_row_kept(release_db):
    before = counts(release_db)
    assert before["papers"] == 8 and before["subscriptions"] == 1 and before["posts"] == 1
    store = Store(release_db)
    assert store.migrate() == []
    bridged = [r["name"] for r in store.db["_sqlite_migrations"].rows_where(order_by="id")]
    assert bridged == migrations.names()  # every old name recorded once, none run again
    store.close()
    assert counts(release_db) == before
    store = Store(release_db)  # the old table stays for an older release; reopening is a no-op
    assert store.migrate() == [] and store.db["_sqlite_migrations"].count == len(migrations.names())
    record = PostLedger(store).get("slack", "C123", DAY)
    assert record is not None and record.state == "posted"
    assert Subscriptions(store).get("slack", "C123").timezone == "Asia/Seoul"
    assert store.load_digest(DAY, "en") is not None


def test_a_release_database_missing_a_migration_gets_only_that_one(release_db):
    # a database of an older build that stopped before the last migration: it must run, once
    last = "009_day_papers_by_paper_and_retention"  # (the later ones are kept: only this one is missing)
    with sqlite3.connect(release_db) as conn:
        conn.execute("delete from _migrations where name = ?", [last])
        conn.execute("drop index idx_day_papers_arxiv_id")
        conn.execute("alter table day_builds drop column pruned_at")
    store = Store(release_db)
    assert store.db["_sqlite_migrations"].count == len(migrations.names())
    assert "pruned_at" in store.db["day_builds"].columns_dict
    assert Store(release_db).migrate() == []


def test_a_fresh_database_has_the_schema_of_an_upgraded_one(release_db, tmp_path):
    Store(release_db).close()
    fresh = tmp_path / "fresh.sqlite"
    Store(fresh).close()
    assert schema(fresh) == schema(release_db)


def test_a_read_only_release_database_still_opens_for_reading(release_db, monkeypatch):
    """Not yet bridged and not writable (this process may not write it: the connection is then
    opened ``mode=ro`` for real): nothing is pending, so it opens for reading without a write."""
    with sqlite3.connect(release_db) as conn:  # nothing pending: later migrations recorded as run
        recorded = {r[0] for r in conn.execute("select name from _migrations")}
        for name in (n for n in migrations.names() if n not in recorded):
            conn.execute("insert into _migrations (name, applied_at) values (?, 0)", [name])
    monkeypatch.setattr("digest.store.failures.os.access", lambda path, mode: False)
    store = Store(release_db)
    assert store.readonly and store.load_digest(DAY, "en") is not None
    assert not store.db["_sqlite_migrations"].exists()
