"""The ledger of daily posts per (platform, channel, day): pending -> posted, so no day is
posted twice to a channel, and a crash between the platform's "ok" and our record can be
reconciled on restart (the adapter looks for its marker message before posting again).

The only module that reads or writes the ``posts`` table (and ``week_posts``, the same ledger
for weekly posts keyed by the week's last day: ``PostLedger(store, WEEK_POSTS)``); ``is_complete`` says what a record means.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date

from digest.store import Store

PENDING, POSTED, FAILED = "pending", "posted", "failed"
NO_PAPERS = "no papers"  # detail of a day that had nothing to post (nothing was sent)
POSTS, WEEK_POSTS = "posts", "week_posts"  # the daily and the weekly ledger tables
INCOMPLETE_DETAILS = ("thread in progress",)  # Slack: top-level message out, thread not done


@dataclass(frozen=True)
class PostRecord:
    platform: str
    channel: str
    day: date
    language: str
    state: str
    message_id: str = ""
    thread_id: str = ""
    detail: str = ""


def is_complete(record: PostRecord | None) -> bool:
    """Whether a ledger record means "done for that day".

    ``posted`` is done, except where the adapter says the thread is not finished yet (Slack
    records ``posted`` as soon as the top-level message is out, with detail "thread in progress",
    and "failed: ..." when thread replies failed): those are resumed, never posted again.
    """
    if record is None or record.state != POSTED:
        return False
    return not (record.detail in INCOMPLETE_DETAILS or record.detail.startswith("failed"))


def _record(r: dict) -> PostRecord:
    return PostRecord(r["platform"], r["channel"], date.fromisoformat(r["day"]), r["language"],
                      r["state"], r["message_id"] or "", r["thread_id"] or "", r["detail"] or "")


class PostLedger:
    def __init__(self, store: Store, table: str = POSTS):
        if table not in (POSTS, WEEK_POSTS):
            raise ValueError(f"not a post ledger table: {table!r}")
        self.store = store
        self.table = table

    def get(self, platform: str, channel: str, day: date) -> PostRecord | None:
        with self.store.lock:
            rows = self.store.db.execute_returning_dicts(
                f"select * from {self.table} where platform = ? and channel = ? and day = ?",
                [platform, channel, day.isoformat()])
        return _record(rows[0]) if rows else None

    def last(self, platform: str, channel: str) -> PostRecord | None:
        """The channel's record of its latest day."""
        with self.store.lock:
            rows = self.store.db.execute_returning_dicts(
                f"select * from {self.table} where platform = ? and channel = ? order by day desc limit 1",
                [platform, channel])
        return _record(rows[0]) if rows else None

    def since(self, day: date) -> dict[tuple[str, str, str], PostRecord]:
        """Every record of ``day`` or later, by (platform, channel, ISO day)."""
        with self.store.lock:
            rows = self.store.db.execute_returning_dicts(
                f"select * from {self.table} where day >= ?", [day.isoformat()])
        return {(r["platform"], r["channel"], r["day"]): _record(r) for r in rows}

    def _write(self, platform: str, channel: str, day: date, language: str, state: str,
               message_id: str = "", thread_id: str = "", detail: str = "",
               keep_posted: bool = False) -> bool:
        """Upsert the record; with ``keep_posted`` a ``posted`` record is left as it is.

        Returns whether the row was written.
        """
        sql = (f"insert into {self.table} (platform, channel, day, language, state, message_id, thread_id, "
               "detail, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?) "
               "on conflict (platform, channel, day) do update set language = excluded.language, "
               "state = excluded.state, message_id = excluded.message_id, "
               "thread_id = excluded.thread_id, detail = excluded.detail, "
               "updated_at = excluded.updated_at")
        args = [platform, channel, day.isoformat(), language, state, message_id, thread_id, detail,
                time.time()]
        if keep_posted:
            sql += f" where {self.table}.state != ?"
            args.append(POSTED)
        with self.store.transaction() as db:
            return db.execute(sql, args).rowcount == 1

    def mark_pending(self, platform: str, channel: str, day: date, language: str) -> bool:
        """Written BEFORE posting: a crash after this leaves a record to reconcile.

        Never downgrades a ``posted`` record (its message and thread ids would be lost; ``forget``
        first to post again). Returns whether the record is now pending.
        """
        return self._write(platform, channel, day, language, PENDING, keep_posted=True)

    def mark_posted(self, platform: str, channel: str, day: date, language: str,
                    message_id: str, thread_id: str = "", detail: str = "") -> None:
        self._write(platform, channel, day, language, POSTED, message_id, thread_id, detail)

    def mark_failed(self, platform: str, channel: str, day: date, language: str, detail: str) -> None:
        self._write(platform, channel, day, language, FAILED, detail=detail)

    def forget(self, platform: str, channel: str, day: date) -> None:
        """Used by ``--force``: the next post of that day goes out again."""
        with self.store.transaction() as db:
            db.execute(f"delete from {self.table} where platform = ? and channel = ? and day = ?",
                       [platform, channel, day.isoformat()])

    def recent(self, platform: str | None = None, limit: int = 50) -> list[PostRecord]:
        sql = f"select * from {self.table}" + (" where platform = ?" if platform else "") + \
              " order by updated_at desc limit ?"
        args = ([platform] if platform else []) + [limit]
        with self.store.lock:
            rows = self.store.db.execute_returning_dicts(sql, args)
        return [_record(r) for r in rows]
