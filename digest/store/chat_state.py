"""What chat adapters remember: which digest a thread belongs to, which events were handled,
and the turns of each thread's conversation. Platform-neutral; keyed by (platform, channel, thread).

Everything here comes from chat users or LLM replies, so text is normalised before it is stored
(``clean_text``): a lone surrogate would make SQLite refuse the row and lose the turn, and
control characters would come back out in later prompts and replies.
"""

from __future__ import annotations

import time
from datetime import date

from digest.store import Store
from digest.untrusted import clean_text

TURN_MAX = 20_000  # characters of one stored turn (questions are short; replies are capped)


def _key(value) -> str:
    return clean_text(str(value))


class ChatState:
    def __init__(self, store: Store):
        self.store = store

    def link_thread(self, platform: str, channel: str, thread_id: str, day: date,
                    language: str) -> None:
        """Remember that ``thread_id`` holds the digest of ``day`` (questions there are about it)."""
        with self.store.transaction() as db:
            db["threads"].upsert({"platform": _key(platform), "channel": _key(channel),
                                  "thread_id": _key(thread_id),
                                  "day": day.isoformat(), "language": _key(language),
                                  "created_at": time.time()},
                                 pk=("platform", "channel", "thread_id"))

    def thread_digest(self, platform: str, channel: str, thread_id: str) -> tuple[date, str] | None:
        with self.store.lock:
            rows = self.store.db.execute(
                "select day, language from threads where platform = ? and channel = ? and thread_id = ?",
                [_key(platform), _key(channel), _key(thread_id)]).fetchall()
        return (date.fromisoformat(rows[0][0]), rows[0][1]) if rows else None

    def claim_event(self, platform: str, event_id: str) -> bool:
        """True the first time an event id is seen (handle it), False for a retry or a replay."""
        with self.store.transaction() as db:
            cur = db.execute(
                "insert or ignore into handled_events (platform, event_id, handled_at) values (?, ?, ?)",
                [_key(platform), _key(event_id), time.time()])
            return cur.rowcount == 1

    def release_event(self, platform: str, event_id: str) -> None:
        """Forget a claimed event whose handling failed before anything was posted, so a retry runs."""
        with self.store.transaction() as db:
            db.execute("delete from handled_events where platform = ? and event_id = ?",
                       [_key(platform), _key(event_id)])

    def add_turn(self, platform: str, channel: str, thread_id: str, role: str, text: str,
                 user: str = "") -> None:
        with self.store.transaction() as db:
            db["qa_turns"].insert({"platform": _key(platform), "channel": _key(channel),
                                   "thread_id": _key(thread_id), "user": _key(user),
                                   "role": _key(role), "text": clean_text(text[:TURN_MAX]),
                                   "ts": time.time()})

    def history(self, platform: str, channel: str, thread_id: str, limit: int = 10) -> list[tuple[str, str]]:
        """The thread's last ``limit`` turns, oldest first, as ``(role, text)``."""
        with self.store.lock:
            rows = self.store.db.execute(
                "select role, text from qa_turns where platform = ? and channel = ? and thread_id = ? "
                "order by id desc limit ?", [_key(platform), _key(channel), _key(thread_id),
                                             limit]).fetchall()
        return [(r[0], r[1]) for r in reversed(rows)]
