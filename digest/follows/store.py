"""The follows of (platform, user), the channels where each person uses them, and the ping
ledger: the only module that reads or writes the ``follows``, ``follow_channels`` and
``follow_pings`` tables.

Who is pinged in a channel: a follow belongs to (platform, user); the bot cannot list a channel's
members cheaply, so a person's follows apply in the channels of that platform where they used a
follow command (``/digest follow``, ``following``, ``unfollow``) or asked a question in a digest
thread. Following from one channel and reading another: run ``/digest following`` there once.
"""

from __future__ import annotations

import re
import time
import unicodedata
from dataclasses import dataclass
from datetime import date

from digest.store import Store
from digest.untrusted import clean_text

MAX_FOLLOWS = 20  # per person: a ping names at most 5 papers, more follows add noise
MAX_CHARS = 80  # one follow: a topic, not a paragraph
PENDING, POSTED = "pending", "posted"


def follow_key(text: str) -> str:
    """The normalised form that makes ``Speculative  Decoding`` and ``speculative decoding`` one follow."""
    text = unicodedata.normalize("NFKC", clean_text(text)).casefold()
    return " ".join(re.sub(r"[\"'“”‘’`]", " ", text).split())


@dataclass(frozen=True)
class Follow:
    platform: str
    user: str
    key: str
    text: str


@dataclass(frozen=True)
class PingRecord:
    platform: str
    channel: str
    day: date
    state: str
    message_id: str = ""
    detail: str = ""


class Follows:
    def __init__(self, store: Store):
        self.store = store

    def _rows(self, sql: str, args: list) -> list[dict]:
        with self.store.lock:
            return self.store.db.execute_returning_dicts(sql, args)

    def add(self, platform: str, user: str, text: str) -> tuple[bool, Follow]:
        """Add one follow; ``(added, follow)``: False when the person already follows it."""
        text = " ".join(clean_text(text).split())[:MAX_CHARS]
        key = follow_key(text)
        follow = Follow(platform, user, key, text)
        with self.store.transaction() as db:
            n = db.execute("insert or ignore into follows (platform, user, key, text, created_at) "
                           "values (?, ?, ?, ?, ?)", [platform, user, key, text, time.time()]).rowcount
        return n == 1, follow

    def of(self, platform: str, user: str) -> list[Follow]:
        return [Follow(r["platform"], r["user"], r["key"], r["text"]) for r in self._rows(
            "select * from follows where platform = ? and user = ? order by created_at, key",
            [platform, user])]

    def remove(self, platform: str, user: str, text: str) -> bool:
        with self.store.transaction() as db:
            return db.execute("delete from follows where platform = ? and user = ? and key = ?",
                              [platform, user, follow_key(text)]).rowcount > 0

    def remove_all(self, platform: str, user: str) -> int:
        with self.store.transaction() as db:
            return db.execute("delete from follows where platform = ? and user = ?",
                              [platform, user]).rowcount

    def seen_in(self, platform: str, user: str, channel: str) -> None:
        """The person used a follow command in ``channel``: their follows apply there."""
        with self.store.transaction() as db:
            db.execute("insert into follow_channels (platform, user, channel, seen_at) values (?, ?, ?, ?) "
                       "on conflict do update set seen_at = excluded.seen_at",
                       [platform, user, channel, time.time()])

    def followers(self, platform: str, channel: str) -> dict[str, list[Follow]]:
        """Everyone whose follows apply in the channel (see the module's docstring), with them."""
        rows = self._rows(
            "select * from follows where platform = ? and user in ("
            "select user from follow_channels where platform = ? and channel = ? union "
            "select user from qa_turns where platform = ? and channel = ? and role = 'user') "
            "order by user, created_at, key", [platform, platform, channel, platform, channel])
        out: dict[str, list[Follow]] = {}
        for r in rows:
            out.setdefault(r["user"], []).append(Follow(r["platform"], r["user"], r["key"], r["text"]))
        return out

    def counts(self) -> list[tuple[str, str, int]]:
        """(platform, user, follows) of everyone who follows something (admin view)."""
        return [(r["platform"], r["user"], r["n"]) for r in self._rows(
            "select platform, user, count(*) n from follows group by platform, user "
            "order by platform, user", [])]

    def per_channel(self) -> dict[tuple[str, str], tuple[int, int]]:
        """(platform, channel) -> (followers, follows) whose follows apply there (``digest status``)."""
        rows = self._rows(
            "select c.platform, c.channel, count(distinct f.user) people, count(*) n from "
            "(select platform, user, channel from follow_channels union "
            " select platform, user, channel from qa_turns where role = 'user') c "
            "join follows f on f.platform = c.platform and f.user = c.user "
            "group by c.platform, c.channel", [])
        return {(r["platform"], r["channel"]): (r["people"], r["n"]) for r in rows}


class PingLedger:
    """pending -> posted per (platform, channel, day), as the daily post's ledger."""

    def __init__(self, store: Store):
        self.store = store

    def get(self, platform: str, channel: str, day: date) -> PingRecord | None:
        with self.store.lock:
            rows = self.store.db.execute_returning_dicts(
                "select * from follow_pings where platform = ? and channel = ? and day = ?",
                [platform, channel, day.isoformat()])
        if not rows:
            return None
        r = rows[0]
        return PingRecord(r["platform"], r["channel"], day, r["state"], r["message_id"] or "", r["detail"] or "")

    def posted_since(self, day: date) -> set[tuple[str, str, str]]:
        """(platform, channel, ISO day) of every ping done since ``day`` (one read per tick)."""
        with self.store.lock:
            rows = self.store.db.execute("select platform, channel, day from follow_pings "
                                         "where day >= ? and state = 'posted'", [day.isoformat()]).fetchall()
        return {tuple(r) for r in rows}

    def _write(self, platform: str, channel: str, day: date, state: str, message_id: str = "",
               detail: str = "") -> None:
        sql = ("insert into follow_pings (platform, channel, day, state, message_id, detail, updated_at) "
               "values (?, ?, ?, ?, ?, ?, ?) on conflict do update set state = excluded.state, "
               "message_id = excluded.message_id, detail = excluded.detail, updated_at = excluded.updated_at")
        args = [platform, channel, day.isoformat(), state, message_id, detail, time.time()]
        if state == PENDING:
            sql += " where follow_pings.state != 'posted'"
        with self.store.transaction() as db:
            db.execute(sql, args)

    def mark_pending(self, platform: str, channel: str, day: date) -> None:
        self._write(platform, channel, day, PENDING)

    def mark_posted(self, platform: str, channel: str, day: date, message_id: str, detail: str = "") -> None:
        self._write(platform, channel, day, POSTED, message_id, detail)
