"""The one-process runner (``python -m bot``): shutdown order, no lost exceptions, the logging
that never shows tokens, ``--help``; and the one "no papers" note used by both posters."""

from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime, timezone

import pytest

from bot.core.posting import post_note
from bot.runner import SECRET_LOGGERS, _supervise, configure_logging
from digest.deliver.ledger import PostLedger
from schedule_fixtures import Clock, make_service


async def test_shutdown_waits_for_posts_in_flight_before_closing_the_clients(monkeypatch):
    monkeypatch.setattr("bot.runner.DRAIN_SECONDS", 5)
    stop, closed, seen = asyncio.Event(), asyncio.Event(), []

    async def scheduler():  # a tick in flight when SIGTERM comes: it finishes its post
        await stop.wait()
        await asyncio.sleep(0.05)
        seen.append("closed" if closed.is_set() else "open")

    async def gateway():  # bot.connect(): ends only when the client closes
        await closed.wait()

    async def close():
        closed.set()

    tasks = {"scheduler": asyncio.create_task(scheduler()), "discord": asyncio.create_task(gateway())}
    asyncio.get_running_loop().call_later(0.01, stop.set)
    started = asyncio.get_running_loop().time()
    assert await _supervise(tasks, stop, [close]) == 0
    assert seen == ["open"] and closed.is_set() and all(t.done() for t in tasks.values())
    assert asyncio.get_running_loop().time() - started < 2  # the gateway did not hold up the drain


async def test_exceptions_of_parts_that_end_after_the_stop_are_logged(caplog, monkeypatch):
    monkeypatch.setattr("bot.runner.DRAIN_SECONDS", 5)
    stop = asyncio.Event()

    async def fails_while_draining():
        await stop.wait()
        raise RuntimeError("half-posted thread")

    async def dies():
        await asyncio.sleep(0.01)
        raise ConnectionError("socket mode closed")

    tasks = {"scheduler": asyncio.create_task(fails_while_draining()), "slack": asyncio.create_task(dies())}
    assert await _supervise(tasks, stop) == 1
    text = caplog.text
    assert "event=component_stopped component=slack cause=ConnectionError: socket mode closed" in text
    assert "event=component_failed component=scheduler cause=RuntimeError: half-posted thread" in text
    assert [r.getMessage().split(" cause")[0] for r in caplog.records if r.levelno >= logging.ERROR] == [
        "event=component_stopped component=slack", "event=component_failed component=scheduler"]


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    saved = (root.level, list(root.handlers), {n: logging.getLogger(n).level for n in SECRET_LOGGERS})
    yield
    root.setLevel(saved[0])
    root.handlers[:] = saved[1]
    for name, level in saved[2].items():
        logging.getLogger(name).setLevel(level)


@pytest.mark.usefixtures("restore_logging")
def test_debug_logging_keeps_the_token_leaking_sdk_loggers_at_info():
    configure_logging("DEBUG")
    assert logging.getLogger().level == logging.DEBUG
    assert logging.getLogger("digest.service").isEnabledFor(logging.DEBUG)
    for name in ("slack_sdk.webhook", "slack_sdk.web", "slack_sdk.web.async_base_client", "discord.http",
                 "discord.webhook", "discord.webhook.async_", "discord.gateway"):
        assert not logging.getLogger(name).isEnabledFor(logging.DEBUG), name
        assert logging.getLogger(name).isEnabledFor(logging.INFO), name
    configure_logging("WARNING")
    assert not logging.getLogger("discord.http").isEnabledFor(logging.INFO)


def test_help_lists_the_runner_options_and_the_adapters(capsys):
    from bot.__main__ import main

    for flag in ("--help", "-h", "help"):
        assert main([flag]) == 0
        out = capsys.readouterr().out
        for option in ("--once", "--no-scheduler", "--host", "--port"):
            assert option in out, (flag, option)
        assert "console, slack, discord" in out


# --- the "no papers" note, shared by SlackPoster and DiscordPoster ------------------------------
DAY = date(2024, 11, 23)


def ledger(tmp_path) -> PostLedger:
    service = make_service(tmp_path, Clock(datetime(2024, 11, 24, tzinfo=timezone.utc)))
    return PostLedger(service.store)


async def test_a_note_is_sent_once_and_recorded(tmp_path):
    book, sent = ledger(tmp_path), []

    async def send():
        sent.append(1)
        return "m1"

    async def find():
        raise AssertionError("nothing to reconcile without a record")

    for _ in range(2):
        record = await post_note(book, "slack", "C1", DAY, "en", find=find, send=send, failure=lambda e: None)
        assert (record.state, record.message_id, record.detail) == ("posted", "m1", "note")
    assert sent == [1]


async def test_a_pending_note_is_looked_up_before_resending(tmp_path):
    book = ledger(tmp_path)
    book.mark_pending("discord", "42", DAY, "en")  # a crash after the send?

    async def find():
        return "earlier"

    async def send():
        raise AssertionError("sent twice")

    record = await post_note(book, "discord", "42", DAY, "en", find=find, send=send, failure=lambda e: None)
    assert record.message_id == "earlier" and record.state == "posted"


async def test_a_platform_error_marks_the_note_failed_and_is_raised(tmp_path):
    book = ledger(tmp_path)

    async def send():
        raise LookupError("channel_not_found")

    async def find():
        return ""

    with pytest.raises(LookupError):
        await post_note(book, "slack", "C9", DAY, "en", find=find, send=send,
                        failure=lambda e: str(e) if isinstance(e, LookupError) else None)
    record = book.get("slack", "C9", DAY)
    assert record.state == "failed" and "channel_not_found" in record.detail


# --- health checks and the one-line reconnect logs ------------------------------------------------
async def test_lease_check_held_standby_lost_and_lapsed(tmp_path):
    from bot.health import lease_check
    from digest.deliver.lease import Lease

    service = make_service(tmp_path, Clock(datetime(2024, 11, 24, tzinfo=timezone.utc)))
    now = [1000.0]
    ours = Lease(service.store, "scheduler", ttl=90, owner="us", clock=lambda: now[0])
    theirs = Lease(service.store, "scheduler", ttl=90, owner="them", clock=lambda: now[0])
    standby = lease_check(ours, clock=lambda: now[0])
    assert await standby() == (False, "no process holds the scheduler lease (scheduler not running?)")
    assert theirs.acquire()
    assert await standby() == (True, "standing by: them posts")
    now[0] += 200  # they died: nobody took over
    ok, detail = await standby()
    assert not ok and detail.startswith("lease of them lapsed 110s ago")
    assert ours.acquire()
    assert await standby() == (True, "lease held, expires in 90s")
    now[0] += 120  # our scheduler stopped renewing
    assert (await standby())[1] == "lease held but not renewed for 30s past its expiry"
    assert theirs.acquire()  # and the other process took over
    assert (await standby())[1].startswith("lease lost to them")


def test_reconnect_tracebacks_become_one_line(caplog):
    from bot.logs import quiet_reconnects

    quiet_reconnects()
    caplog.set_level(logging.INFO)
    for attempt in range(3):
        try:
            raise ConnectionRefusedError(111, f"Connect call failed ('127.0.0.1', {attempt})")
        except OSError:
            logging.getLogger("discord.client").exception("Attempting a reconnect in %.2fs", 1.5)
    logging.getLogger("bot.slack.bolt").error("Failed to retrieve WSS URL: The request failed\nThe "
                                              "server responded with: {'ok': False}")
    records = [r for r in caplog.records if r.name in ("discord.client", "bot.slack.bolt")]
    assert len(records) == 3 and all(r.exc_info is None and r.levelname == "WARNING" for r in records)
    assert records[0].getMessage() == ("event=reconnect Attempting a reconnect in 1.50s (cause: "
                                       "ConnectionRefusedError: [Errno 111] Connect call failed "
                                       "('127.0.0.1', 0))")
    assert "Traceback" not in caplog.text


async def test_a_part_that_ignores_the_stop_is_cancelled_within_the_budget(monkeypatch):
    monkeypatch.setattr("bot.runner.DRAIN_SECONDS", 0.2)
    monkeypatch.setattr("bot.runner.CLOSE_SECONDS", 0.2)
    stop = asyncio.Event()

    async def stuck():  # e.g. a connect loop to an unreachable platform
        await asyncio.Event().wait()

    async def slow_close():
        await asyncio.sleep(60)

    tasks = {"slack": asyncio.create_task(stuck())}
    asyncio.get_running_loop().call_later(0.01, stop.set)
    started = asyncio.get_running_loop().time()
    assert await _supervise(tasks, stop, [slow_close]) == 0
    assert asyncio.get_running_loop().time() - started < 1.0 and tasks["slack"].cancelled()
