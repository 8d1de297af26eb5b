"""SQLite persistence (sqlite-utils): WAL, transactions, and every query the engine needs.

One ``Store`` wraps one connection shared by threads under a lock; writes that belong together
(a day's papers, its digest and summaries) happen in one transaction so that a crash leaves
either the old day or the new one, never half of each.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from digest.errors import ConfigError, StorageError
from digest.models import CategorySummary, Classification, Digest, Paper
from digest.store import migrations
from digest.store.failures import BUSY_TIMEOUT, storage_error, writable
from digest.store.sqlite import sqlite_utils


def _encode(values: Iterable[str]) -> str:
    return json.dumps(list(values), ensure_ascii=False)


def _paper_row(p: Paper, now: float) -> dict:
    return {
        "arxiv_id": p.arxiv_id, "title": p.title, "abstract": p.abstract,
        "authors": _encode(p.authors), "url": p.url,
        "published": p.published.isoformat() if p.published else None,
        "categories": _encode(p.categories), "source": p.source,
        "popularity": p.popularity, "updated_at": now,
    }


def paper_from_row(row: dict) -> Paper:
    return Paper(
        arxiv_id=row["arxiv_id"], title=row["title"], abstract=row["abstract"] or "",
        authors=tuple(json.loads(row["authors"] or "[]")), url=row["url"] or "",
        published=date.fromisoformat(row["published"]) if row["published"] else None,
        categories=tuple(json.loads(row["categories"] or "[]")), source=row["source"] or "",
        popularity=row.get("day_popularity", row["popularity"]) or 0,
    )


class Store:
    """The bot's database. ``Store(":memory:")`` works for tests.

    A file this process cannot write is opened read-only: reads work, and every write
    (``transaction()``) raises one ``StorageError`` line saying the file is read-only.
    """

    def __init__(self, path: Path | str):
        self.path = str(path)
        self.readonly = not writable(self.path)
        if self.path != ":memory:" and not self.readonly:
            try:
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise ConfigError(f"cannot create the database folder for {self.path}: {err.strerror}") from None
        try:
            conn = self._connect()
        except sqlite3.Error as err:
            raise ConfigError(f"cannot open database {self.path}: {err}") from None
        self.lock = threading.RLock()
        self.db = sqlite_utils.Database(conn)
        try:
            if self.path != ":memory:" and not self.readonly:
                self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.migrate()
        except StorageError:
            conn.close()
            raise
        except sqlite3.DatabaseError as err:
            conn.close()
            mapped = storage_error(err, self.path)
            if mapped is not None and getattr(err, "sqlite_errorname", "") != "SQLITE_NOTADB":
                raise mapped from None
            raise ConfigError(f"{self.path} is not a usable SQLite database: {err}") from None

    def _connect(self) -> sqlite3.Connection:
        if not self.readonly:
            return sqlite3.connect(self.path, check_same_thread=False, timeout=BUSY_TIMEOUT)
        uri = Path(self.path).resolve().as_uri()
        conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, check_same_thread=False,
                               timeout=BUSY_TIMEOUT)
        try:
            conn.execute("select count(*) from sqlite_master").fetchone()
            return conn
        except sqlite3.OperationalError:
            # a WAL database whose folder is read-only too: no -shm can be made, so read the
            # file as it is (``immutable``); a cleanly closed database has nothing in its WAL
            conn.close()
            return sqlite3.connect(f"{uri}?immutable=1", uri=True, check_same_thread=False)

    # --- infrastructure ---------------------------------------------------------------
    def migrate(self) -> list[str]:
        """Apply the migrations not yet applied, in order; returns their names.

        A database that is up to date is only read (a busy writer elsewhere does not hold up
        opening it); otherwise they run under the write lock (``BEGIN IMMEDIATE``), so two
        processes opening a new database at once apply each migration once. A database of a
        release that tracked migrations in ``_migrations`` is bridged first (``migrations.bridge``).
        """
        with self.lock:
            if not migrations.pending(self.db) and not (self.writable and migrations.needs_bridge(self.db)):
                return []
            if self.readonly:
                raise StorageError(f"{self.path} is read-only and needs an upgrade: run one "
                                   "command with write access to it first")
            with self.transaction() as db:
                return migrations.apply(db)

    @property
    def writable(self) -> bool:
        return not self.readonly

    @contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """One atomic unit: everything inside commits together or rolls back together.

        The write lock is taken up front (``BEGIN IMMEDIATE``) and waited for up to
        BUSY_TIMEOUT: a transaction that read first and wrote later would otherwise fail at
        once with "database is locked" when another process wrote in between (WAL snapshots).
        A nested call is a savepoint inside the open transaction. A full disk, a corrupt file
        or a read-only one ends as one ``StorageError`` line; the transaction is rolled back.
        """
        with self.lock:
            if self.readonly:
                raise StorageError(f"{self.path} is read-only: reading works (show, ask, status), "
                                   "saving needs write access to the file")
            conn = self.db.conn
            if conn.in_transaction:
                with self.db.atomic():
                    yield self.db
                return
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.DatabaseError as err:
                raise (storage_error(err, self.path) or err) from None
            try:
                yield self.db
                conn.execute("COMMIT")
            except sqlite3.DatabaseError as err:
                self._rollback()
                raise (storage_error(err, self.path) or err) from None
            except BaseException:
                self._rollback()
                raise

    def _rollback(self) -> None:
        if self.db.conn.in_transaction:
            try:
                self.db.conn.execute("ROLLBACK")
            except sqlite3.Error:  # an I/O error may already have ended it
                pass

    def close(self) -> None:
        with self.lock:
            self.db.conn.close()

    # --- papers -----------------------------------------------------------------------
    def upsert_papers(self, papers: Iterable[Paper]) -> int:
        now = time.time()
        rows = [_paper_row(p, now) for p in papers]
        with self.transaction() as db:
            db["papers"].upsert_all(rows, pk="arxiv_id")
        return len(rows)

    def get_papers(self, ids: Iterable[str]) -> dict[str, Paper]:
        ids = list(dict.fromkeys(ids))
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        with self.lock:
            rows = self.db.execute_returning_dicts(
                f"select * from papers where arxiv_id in ({marks})", ids)
        return {r["arxiv_id"]: paper_from_row(r) for r in rows}

    def save_day(self, day: date, papers: list[Paper], labels: dict[str, Classification],
                 digest: Digest | None = None, provisional: bool = False) -> None:
        """Record which papers (and categories) make up ``day``, replacing an earlier run.

        With ``digest``, the day's papers and its digest are written in one transaction: a crash
        leaves the previous build whole, never new papers beside an old digest.
        """
        now = time.time()
        rows = [{
            "day": day.isoformat(), "arxiv_id": p.arxiv_id, "source": p.source,
            "popularity": p.popularity, "category": labels[p.arxiv_id].category,
            "confidence": labels[p.arxiv_id].confidence, "method": labels[p.arxiv_id].method,
        } for p in papers]
        with self.transaction() as db:
            db["papers"].upsert_all([_paper_row(p, now) for p in papers], pk="arxiv_id")
            db.execute("delete from day_papers where day = ?", [day.isoformat()])
            db["day_papers"].insert_all(rows)
            # digests of the day in other languages were written from the old papers: drop them,
            # they are composed again from the new ones when asked for
            keep = digest.language if digest is not None else ""
            db.execute("delete from summaries where day = ? and language != ?", [day.isoformat(), keep])
            db.execute("delete from digests where day = ? and language != ?", [day.isoformat(), keep])
            db["day_builds"].upsert({"day": day.isoformat(), "built_at": now,
                                     "provisional": int(provisional), "pruned_at": None}, pk="day")
            if digest is not None:
                self._write_digest(db, digest)

    def day_is_provisional(self, day: date) -> bool:
        """True when ``day`` was built while it was still running (its sources were not final)."""
        with self.lock:
            row = self.db.execute("select provisional from day_builds where day = ?",
                                  [day.isoformat()]).fetchone()
        return bool(row and row[0])

    def day_papers(self, day: date) -> list[tuple[Paper, Classification]]:
        with self.lock:
            rows = self.db.execute_returning_dicts(
                "select p.*, d.popularity as day_popularity, d.category, d.confidence, d.method "
                "from day_papers d join papers p using (arxiv_id) where d.day = ? "
                "order by d.popularity desc, d.confidence desc, p.arxiv_id", [day.isoformat()])
        return [(paper_from_row(r), Classification(r["arxiv_id"], r["category"], r["confidence"],
                                                   r["method"])) for r in rows]

    # --- digests ----------------------------------------------------------------------
    def save_digest(self, digest: Digest) -> None:
        with self.transaction() as db:
            self._write_digest(db, digest)

    @staticmethod
    def _write_digest(db: sqlite_utils.Database, digest: Digest) -> None:
        key = digest.day.isoformat()
        db.execute("delete from summaries where day = ? and language = ?", [key, digest.language])
        db["digests"].upsert({
            "day": key, "language": digest.language, "counts": json.dumps(digest.counts),
            "notes": _encode(digest.notes), "chart_png": digest.chart_png,
            "created_at": time.time(),
            "seen_before": json.dumps([[p.arxiv_id, p.title, p.url, d.isoformat()]
                                       for p, d in digest.seen_before], ensure_ascii=False),
        }, pk=("day", "language"))
        db["summaries"].insert_all([{
            "day": key, "language": digest.language, "category": s.category, "position": i,
            "emoji": s.emoji, "text": s.text, "model": s.model, "note": s.note,
            "paper_ids": _encode(p.arxiv_id for p in s.papers),
        } for i, s in enumerate(digest.summaries)])

    def load_digest(self, day: date, language: str) -> Digest | None:
        key = day.isoformat()
        with self.lock:
            head = self.db.execute_returning_dicts(
                "select * from digests where day = ? and language = ?", [key, language])
            if not head:
                return None
            rows = self.db.execute_returning_dicts(
                "select * from summaries where day = ? and language = ? order by position",
                [key, language])
        papers = self.get_papers(pid for r in rows for pid in json.loads(r["paper_ids"]))
        summaries = tuple(CategorySummary(
            category=r["category"], emoji=r["emoji"], text=r["text"], model=r["model"],
            language=language, note=r["note"] or "",
            papers=tuple(papers[i] for i in json.loads(r["paper_ids"]) if i in papers),
        ) for r in rows)
        h = head[0]
        return Digest(day=day, language=language, summaries=summaries,
                      counts=tuple((c, n) for c, n in json.loads(h["counts"])),
                      chart_png=h["chart_png"] or b"", notes=tuple(json.loads(h["notes"] or "[]")),
                      created_at=h["created_at"] or 0.0, seen_before=_seen_before(h.get("seen_before")))

    def first_seen(self, day: date, ids: Iterable[str]) -> dict[str, date]:
        """For each of ``ids`` listed on a day before ``day``, the first such day. The day's own
        earlier builds do not count; after retention (DIGEST_KEEP_DAYS) only the papers a pruned
        day's summaries cite are still listed for it (``prune_days`` keeps their rows)."""
        ids = list(dict.fromkeys(ids))
        out: dict[str, date] = {}
        with self.lock:
            for start in range(0, len(ids), 500):
                part = ids[start:start + 500]
                marks = ",".join("?" * len(part))
                for aid, first in self.db.execute(
                        f"select arxiv_id, min(day) from day_papers where day < ? and arxiv_id in ({marks}) "  # noqa: S608
                        "group by arxiv_id", [day.isoformat(), *part]):
                    out[aid] = date.fromisoformat(first)
        return out

    def digest_days(self, language: str | None = None, limit: int = 30) -> list[date]:
        """Days with a stored digest, newest first."""
        sql = "select distinct day from digests"
        args: list = []
        if language:
            sql += " where language = ?"
            args.append(language)
        sql += " order by day desc limit ?"
        args.append(limit)
        with self.lock:
            return [date.fromisoformat(r[0]) for r in self.db.execute(sql, args).fetchall()]

    # --- housekeeping -------------------------------------------------------------------
    def prune(self, now: float | None = None, keep_days: int = 30) -> dict[str, int]:
        """Drop bookkeeping nobody reads any more: handled event ids, rate-limit stamps and
        stored feed bodies older than ``keep_days`` (papers, digests, turns and posts stay)."""
        cutoff = (now or time.time()) - keep_days * 86400
        removed = {}
        with self.transaction() as db:
            for table, column in (("handled_events", "handled_at"), ("qa_requests", "ts"),
                                  ("feed_state", "checked_at")):
                removed[table] = db.execute(f"delete from {table} where {column} < ?",  # noqa: S608
                                            [cutoff]).rowcount
        return removed

    def prune_days(self, before: date, now: float | None = None) -> dict[str, int]:
        """Retention (DIGEST_KEEP_DAYS): drop the papers, and so their search-index rows, of the
        days before ``before``, keeping each day's digest whole (text, chart, and the papers
        its summaries cite) and every post record. A paper also listed on a kept day stays.
        One transaction per day, so a big first prune never holds the database for long."""
        now = now or time.time()
        with self.lock:
            days = [r[0] for r in self.db.execute(
                "select distinct d.day from day_papers d left join day_builds b on b.day = d.day "
                "where d.day < ? and b.pruned_at is null order by d.day", [before.isoformat()])]
            if not days:
                return {"days": 0, "papers": 0}
            cited = {i for (ids,) in self.db.execute("select paper_ids from summaries")
                     for i in json.loads(ids or "[]")}
        removed = 0
        for day in days:
            with self.transaction() as db:
                ids = [r[0] for r in db.execute("select arxiv_id from day_papers where day = ?", [day])]
                gone: list[str] = []
                for chunk in range(0, len(ids), 500):
                    part = ids[chunk:chunk + 500]
                    marks = ",".join("?" * len(part))
                    kept = {r[0] for r in db.execute(
                        f"select arxiv_id from day_papers where day >= ? and arxiv_id in ({marks})",  # noqa: S608
                        [before.isoformat(), *part])}
                    gone += [i for i in part if i not in kept and i not in cited]
                for chunk in range(0, len(gone), 500):
                    part = gone[chunk:chunk + 500]
                    marks = ",".join("?" * len(part))
                    db.execute(f"delete from papers where arxiv_id in ({marks})", part)  # noqa: S608
                    db.execute(f"delete from day_papers where day = ? and arxiv_id in ({marks})",  # noqa: S608
                               [day, *part])
                db.execute("insert into day_builds (day, built_at, provisional, pruned_at) "
                           "values (?, ?, 0, ?) on conflict(day) do update set pruned_at = excluded.pruned_at",
                           [day, now, now])
                removed += len(gone)
        return {"days": len(days), "papers": removed}

    def day_is_pruned(self, day: date) -> bool:
        """True when the papers of ``day`` were pruned (only those its digest cites are left)."""
        with self.lock:
            row = self.db.execute("select pruned_at from day_builds where day = ?",
                                  [day.isoformat()]).fetchone()
        return bool(row and row[0])

    # --- feed state (conditional GET) ---------------------------------------------------
    def feed_state(self, url: str) -> dict:
        with self.lock:
            rows = self.db.execute_returning_dicts("select * from feed_state where url = ?", [url])
        return rows[0] if rows else {}

    def save_feed_state(self, url: str, etag: str | None, modified: str | None,
                        body: bytes = b"") -> None:
        """Keep the validators and the body, so a 304 can be answered from the stored copy."""
        with self.transaction() as db:
            db["feed_state"].upsert({"url": url, "etag": etag, "modified": modified,
                                     "body": body, "checked_at": time.time()}, pk="url")


def _seen_before(text: str | None) -> tuple[tuple[Paper, date], ...]:
    try:
        rows = json.loads(text) if text else []
    except ValueError:
        return ()
    return tuple((Paper(arxiv_id=aid, title=title or aid, url=url or ""), date.fromisoformat(day))
                 for aid, title, url, day in rows)
