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
               message_id: str = "", thread_id: str = "", detail: str = "") -> None:
        with self.store.transaction() as db:
            db["posts"].upsert({"platform": platform, "channel": channel, "day": day.isoformat(),
                                "language": language, "state": state, "message_id": message_id,
                                "thread_id": thread_id, "detail": detail,
                                "updated_at": time.time()}, pk=("platform", "channel", "day"))

    def mark_pending(self, platform: str, channel: str, day: date, language: str) -> None:
        """Written BEFORE posting: a crash after this leaves a record to reconcile."""
        self._write(platform, channel, day, language, PENDING)

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
