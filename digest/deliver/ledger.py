"""The ledger of daily posts per (platform, channel, day): pending -> posted, so no day is
posted twice to a channel, and a crash between the platform's "ok" and our record can be
reconciled on restart (the adapter looks for its marker message before posting again).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date

from digest.store import Store

PENDING, POSTED, FAILED = "pending", "posted", "failed"


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


class PostLedger:
    def __init__(self, store: Store):
        self.store = store

    def get(self, platform: str, channel: str, day: date) -> PostRecord | None:
        with self.store.lock:
            rows = self.store.db.execute_returning_dicts(
                "select * from posts where platform = ? and channel = ? and day = ?",
                [platform, channel, day.isoformat()])
        if not rows:
            return None
        r = rows[0]
        return PostRecord(r["platform"], r["channel"], date.fromisoformat(r["day"]), r["language"],
                          r["state"], r["message_id"] or "", r["thread_id"] or "", r["detail"] or "")

    def _write(self, platform: str, channel: str, day: date, language: str, state: str,
               message_id: str = "", thread_id: str = "", detail: str = "",
               keep_posted: bool = False) -> bool:
        """Upsert the record; with ``keep_posted`` a ``posted`` record is left as it is.

        Returns whether the row was written.
        """
        sql = ("insert into posts (platform, channel, day, language, state, message_id, thread_id, "
               "detail, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?) "
               "on conflict (platform, channel, day) do update set language = excluded.language, "
               "state = excluded.state, message_id = excluded.message_id, "
               "thread_id = excluded.thread_id, detail = excluded.detail, "
               "updated_at = excluded.updated_at")
        args = [platform, channel, day.isoformat(), language, state, message_id, thread_id, detail,
                time.time()]
        if keep_posted:
            sql += " where posts.state != ?"
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
            db.execute("delete from posts where platform = ? and channel = ? and day = ?",
                       [platform, channel, day.isoformat()])

    def recent(self, platform: str | None = None, limit: int = 50) -> list[PostRecord]:
        sql = "select * from posts" + (" where platform = ?" if platform else "") + \
              " order by updated_at desc limit ?"
        args = ([platform] if platform else []) + [limit]
        with self.store.lock:
            rows = self.store.db.execute_returning_dicts(sql, args)
        return [PostRecord(r["platform"], r["channel"], date.fromisoformat(r["day"]), r["language"],
                           r["state"], r["message_id"] or "", r["thread_id"] or "", r["detail"] or "")
                for r in rows]
