"""One bot process posts from a database at a time; a dead process's lease lapses."""

from __future__ import annotations

import asyncio

from digest.deliver.lease import Lease
from digest.store import Store


def test_second_process_is_refused_until_the_lease_lapses_or_is_released(tmp_path):
    now = [1000.0]
    store = Store(tmp_path / "d.db")
    a = Lease(store, "scheduler", ttl=90, owner="a", clock=lambda: now[0])
    b = Lease(Store(tmp_path / "d.db"), "scheduler", ttl=90, owner="b", clock=lambda: now[0])
    assert a.acquire() and not b.acquire()
    now[0] += 60
    assert a.acquire()  # renewed by its owner
    now[0] += 60
    assert not b.acquire()  # the renewal moved the expiry
    now[0] += 100  # a stopped renewing (it died): the lease lapses
    assert b.acquire() and b.holder()[0] == "b" and not a.acquire()
    b.release()
    assert a.acquire()


async def test_scheduler_stands_by_while_another_process_holds_the_lease(tmp_path, caplog):
    from bot.core.scheduler import Scheduler
    from digest.config import load_settings
    from digest.service import DigestService

    service = DigestService(load_settings(digest_db=tmp_path / "d.db", digest_scheduler_interval=0.01))
    Lease(service.store, "scheduler", ttl=90, owner="other").acquire()
    scheduler = Scheduler(service, [])
    ticks = []

    async def tick(now=None):
        ticks.append(now)

    scheduler.tick = tick
    stop = asyncio.Event()
    mine = Lease(service.store, "scheduler", ttl=90, owner="me")
    runner = asyncio.create_task(scheduler.run(stop, mine))
    await asyncio.sleep(0.1)
    assert ticks == [] and "scheduler_standby" in caplog.text and "other" in caplog.text
    Lease(service.store, "scheduler", ttl=90, owner="other").release()
    await asyncio.sleep(0.1)
    stop.set()
    await runner
    assert ticks  # took over once the other process let go
