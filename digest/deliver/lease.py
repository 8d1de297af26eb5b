"""A named lease in the database: at most one live process holds it, a dead one's lapses.

Used so that only one bot process posts from a database at a time (a second replica, or
``python -m bot --once`` beside a running bot, stands by instead of posting the same day twice).
"""

from __future__ import annotations

import os
import socket
import time
import uuid

from digest.store import Store


def process_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Lease:
    def __init__(self, store: Store, name: str, ttl: float, owner: str | None = None,
                 clock=time.time):
        self.store = store
        self.name = name
        self.ttl = ttl
        self.owner = owner or process_owner()
        self.clock = clock

    def acquire(self) -> bool:
        """Take or renew the lease; False while another owner holds an unexpired one."""
        now = self.clock()
        with self.store.transaction() as db:
            cur = db.execute(
                "insert into leases (name, owner, expires_at) values (?, ?, ?) "
                "on conflict (name) do update set owner = excluded.owner, "
                "expires_at = excluded.expires_at "
                "where leases.owner = excluded.owner or leases.expires_at < ?",
                [self.name, self.owner, now + self.ttl, now])
            return cur.rowcount == 1

    def holder(self) -> tuple[str, float] | None:
        """``(owner, expires_at)`` of the current lease, if any."""
        with self.store.lock:
            row = self.store.db.execute("select owner, expires_at from leases where name = ?",
                                        [self.name]).fetchone()
        return (row[0], row[1]) if row else None

    def release(self) -> None:
        with self.store.transaction() as db:
            db.execute("delete from leases where name = ? and owner = ?", [self.name, self.owner])
