"""The LLM's books in SQLite: the reply cache, the daily token budget and every ``llm_usage`` row.

Kept apart from :mod:`digest.llm.client` (the SDK calls) so that the one place that reads or
writes ``llm_cache`` / ``llm_usage`` is here: an upgrade that changes how keys are made or rows
are written shows up in one file. Cache keys must stay byte-identical across releases (a changed
key re-bills every cached reply): ``tests/test_llm.py`` pins one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from datetime import datetime, timezone

log = logging.getLogger(__name__)


def cache_key_for(*parts: object) -> str:
    """A stable hash of JSON-able parts (tuples count as lists; other objects by ``str``)."""
    blob = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def estimate_tokens(text: str) -> int:
    """Rough token count, on the high side: UTF-8 bytes / 4 (chars / 4 for English text)."""
    return (len(text.encode("utf-8")) + 3) // 4


def utc_day() -> str:
    return datetime.now(timezone.utc).date().isoformat()


def content_of(message: dict) -> str:
    """A chat message's content as text (structured content as JSON), for token estimates."""
    content = message.get("content", "")
    return content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)


def estimate_call(messages: list[dict], max_tokens: int) -> int:
    """Tokens a call may cost at most: its prompt (plus per-message overhead) and ``max_tokens``."""
    return sum(estimate_tokens(content_of(m)) + 4 for m in messages) + max_tokens


class Ledger:
    """Cache, budget and usage rows of one model in one store (thread-safe)."""

    def __init__(self, store, model: str, budget: int):
        self.store = store
        self.model = model
        self.budget = budget
        self._budget_lock = threading.Lock()
        self.reserved = 0
        with store.lock:
            self._record_hits = "cached" in store.db["llm_usage"].columns_dict
        self._warned_readonly = False

    def _read_only(self) -> bool:
        """True on a read-only database (``digest ask`` on a read-only mount): the reply is still
        used, only its cache entry and usage row cannot be kept (said once in the log)."""
        if getattr(self.store, "writable", True):
            return False
        if not self._warned_readonly:
            self._warned_readonly = True
            log.warning("the database is read-only: LLM replies are not cached and their tokens "
                        "are not counted in the daily budget")
        return True

    # --- cache --------------------------------------------------------------------------------
    def full_key(self, cache_key: str | None) -> str | None:
        """The stored key: the caller's key scoped to the model (a new model re-asks)."""
        return None if cache_key is None else cache_key_for("llm", self.model, cache_key)

    def lookup(self, key: str | None) -> str | None:
        if key is None:
            return None
        with self.store.lock:
            row = self.store.db.execute("select response from llm_cache where key = ?",
                                        [key]).fetchone()
        return row[0] if row else None

    def put(self, key: str, kind: str, text: str) -> None:
        if self._read_only():
            return
        with self.store.transaction() as db:
            db["llm_cache"].upsert({"key": key, "kind": kind, "model": self.model,
                                    "response": text, "created_at": time.time()}, pk="key")

    def put_many(self, items: list[tuple[str, str]], kind: str) -> None:
        """Store many ``(cache_key, value)`` pairs (caller's keys) in one transaction."""
        if self._read_only():
            return
        now = time.time()
        rows = [{"key": self.full_key(k), "kind": kind, "model": self.model, "response": v,
                 "created_at": now} for k, v in items]
        with self.store.transaction() as db:
            db["llm_cache"].upsert_all(rows, pk="key")

    # --- usage --------------------------------------------------------------------------------
    def record(self, kind: str, prompt: int, completion: int, error: str | None) -> None:
        """One ``llm_usage`` row for a call (ok, or the one-line cause)."""
        if self._read_only():
            return
        with self.store.transaction() as db:
            db["llm_usage"].insert({"day": utc_day(), "ts": time.time(), "kind": kind,
                                    "model": self.model, "prompt_tokens": prompt,
                                    "completion_tokens": completion, "ok": int(error is None),
                                    "error": error})

    def record_hit(self, kind: str) -> None:
        """A free row for a cache hit, where the store has the ``cached`` column."""
        if not self._record_hits or self._read_only():
            return
        with self.store.transaction() as db:
            db["llm_usage"].insert({"day": utc_day(), "ts": time.time(), "kind": kind,
                                    "model": self.model, "prompt_tokens": 0,
                                    "completion_tokens": 0, "ok": 1, "error": None,
                                    "cached": 1})

    def used_today(self) -> int:
        """Tokens recorded in ``llm_usage`` for the current UTC day."""
        with self.store.lock:
            row = self.store.db.execute(
                "select coalesce(sum(prompt_tokens), 0) + coalesce(sum(completion_tokens), 0) "
                "from llm_usage where day = ?", [utc_day()]).fetchone()
        return int(row[0])

    # --- budget -------------------------------------------------------------------------------
    def budget_left(self) -> int:
        """Tokens still allowed today (UTC), less those reserved by calls in flight."""
        return max(0, self.budget - self.used_today() - self.reserved)

    def reserve(self, estimate: int) -> str | None:
        """Hold ``estimate`` tokens for a call; the refusal's text when it would not fit."""
        with self._budget_lock:
            used = self.used_today()
            if used + self.reserved + estimate > self.budget:
                return (f"daily LLM token budget reached: {used:,} of {self.budget:,} tokens used "
                        f"today (UTC), {self.reserved:,} in flight, this call needs about "
                        f"{estimate:,}")
            self.reserved += estimate
        return None

    def release(self, estimate: int) -> None:
        with self._budget_lock:
            self.reserved -= estimate


def usage_rows_since(store, since: str) -> list[dict]:
    """``llm_usage`` summed per (day, kind) from ``since`` (a UTC day), newest day first.

    Keys: day, kind, calls (requests sent), failed, cached (cache hits, where the store records
    them), prompt_tokens, completion_tokens. For the reports in :mod:`digest.llm.usage`."""
    with store.lock:
        has_cached = "cached" in store.db["llm_usage"].columns_dict
        cached = "coalesce(cached, 0)" if has_cached else "0"
        return store.db.execute_returning_dicts(
            f"select day, kind, "
            f"sum(case when {cached} = 0 then 1 else 0 end) as calls, "
            f"sum(case when {cached} = 0 and ok = 0 then 1 else 0 end) as failed, "
            f"sum({cached}) as cached, "
            f"coalesce(sum(prompt_tokens), 0) as prompt_tokens, "
            f"coalesce(sum(completion_tokens), 0) as completion_tokens "
            f"from llm_usage where day >= ? group by day, kind order by day desc, kind", [since])


def calls_and_tokens(store, day: str | None = None) -> tuple[int, int]:
    """(requests sent, tokens used) in ``llm_usage``: on one UTC ``day``, or ever. Cache hits are
    not requests (and cost no tokens). For status lines and the scheduler's per-run figures, so
    that they need no SQL of their own."""
    with store.lock:
        has_cached = "cached" in store.db["llm_usage"].columns_dict
        calls = "sum(case when coalesce(cached, 0) = 0 then 1 else 0 end)" if has_cached else "count(*)"
        where, args = ("where day = ?", [day]) if day is not None else ("", [])
        row = store.db.execute(
            f"select coalesce({calls}, 0), coalesce(sum(prompt_tokens), 0) + "
            f"coalesce(sum(completion_tokens), 0) from llm_usage {where}", args).fetchone()
    return int(row[0]), int(row[1])
