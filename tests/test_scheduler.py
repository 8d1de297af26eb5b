"""The scheduler with a controllable clock: one build per (day, language), fan-out at local times
(days either side of DST changes), empty days, category filters, failures retried, pacing, and
the one-process runner (``python -m bot``) against fake Slack and Discord servers."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.core.pacing import UNLIMITED, Limits, Pacer, RateLimiter
from bot.core.scheduler import Scheduler
from digest.deliver.ledger import NO_PAPERS, PostLedger
from digest.deliver.subscriptions import Subscriptions
from schedule_fixtures import Clock, MemoryPoster, import_fakes, make_service

UTC = timezone.utc
NY = ZoneInfo("America/New_York")


def at(tz, *args) -> datetime:
    return datetime(*args, tzinfo=tz)


def setup(tmp_path, now: datetime, **overrides):
    clock = Clock(at(UTC, 2024, 1, 1, 0, 0))  # subscriptions are made long before `now`
    service = make_service(tmp_path, clock, **overrides)
    posters = [MemoryPoster("slack", service), MemoryPoster("discord", service)]
    scheduler = Scheduler(service, posters, clock=clock, interval=60)
    return clock, service, scheduler, {p.platform: p for p in posters}


async def tick_at(clock, scheduler, when):
    clock.set(when)
    return await scheduler.tick()


def subscribe(service, platform, channel, time, tz, language="en", categories=(), **kw):
    return Subscriptions(service.store, clock=service.clock, taxonomy=service.taxonomy).subscribe(
        platform, channel, time, tz, language, categories, **kw)


async def test_one_build_per_day_and_language_whatever_the_number_of_channels(tmp_path):
    clock, service, scheduler, posters = setup(tmp_path, at(UTC, 2024, 11, 26, 10, 0))
    for i in range(6):
        subscribe(service, "slack" if i % 2 else "discord", f"c{i}", "09:00", "UTC", "ko" if i < 3 else "en")
    clock.set(at(UTC, 2024, 11, 26, 10, 0))
    report = await scheduler.tick()
    assert sorted(report.builds) == [(date(2024, 11, 25), "en", "built"),  # fetched once,
                                     (date(2024, 11, 25), "ko", "composed")]  # then summarized
    assert len(report.by_state("posted")) == 6
    assert sum(len(p.posts) for p in posters.values()) == 6
    again = await scheduler.tick(clock.advance(minutes=5))
    assert again.due == 0 and again.builds == []  # nothing twice


async def test_llm_calls_do_not_grow_with_channels(tmp_path, monkeypatch):
    from openai_stub import TEST_KEY, OpenAIStub

    calls = {}
    with OpenAIStub() as stub:
        for n in (2, 24):
            before = stub.calls
            folder = tmp_path / str(n)
            clock, service, scheduler, _ = setup(folder, at(UTC, 2024, 11, 26, 10, 0),
                                                 openai_api_key=TEST_KEY, openai_base_url=stub.base_url,
                                                 digest_llm_max_retries=0, digest_llm_timeout=5)
            for i in range(n):
                subscribe(service, "slack" if i % 2 else "discord", f"c{i}", "09:00", "UTC",
                          "ko" if i % 3 else "en")
            clock.set(at(UTC, 2024, 11, 26, 10, 0))
            report = await scheduler.tick()
            assert len(report.by_state("posted")) == n
            calls[n] = stub.calls - before
    assert calls[2] > 0 and calls[24] == calls[2]


@pytest.mark.parametrize("start,zone,post_time,expected_utc", [
    # spring forward 2024-03-10: 09:00 is 14:00 UTC before, 13:00 UTC after
    (date(2024, 3, 7), "America/New_York", "09:00",
     {date(2024, 3, 8): (14, 0), date(2024, 3, 9): (14, 0), date(2024, 3, 10): (13, 0), date(2024, 3, 11): (13, 0)}),
    # 02:30 does not exist on 2024-03-10: that day's post goes at 03:30 EDT (07:30 UTC)
    (date(2024, 3, 7), "America/New_York", "02:30",
     {date(2024, 3, 9): (7, 30), date(2024, 3, 10): (7, 30), date(2024, 3, 11): (6, 30)}),
    # fall back 2024-11-03: 01:30 happens twice; one post, at the first
    (date(2024, 10, 31), "America/New_York", "01:30",
     {date(2024, 11, 2): (5, 30), date(2024, 11, 3): (5, 30), date(2024, 11, 4): (6, 30)}),
    (date(2024, 11, 21), "Asia/Seoul", "00:05",  # waits for the UTC day to end: 09:00 KST
     {date(2024, 11, 22): (0, 0), date(2024, 11, 23): (0, 0)}),
    (date(2024, 11, 21), "America/Los_Angeles", "23:50",
     {date(2024, 11, 22): (7, 50), date(2024, 11, 23): (7, 50)}),
])
async def test_a_week_of_ticks_posts_every_local_day_once_at_its_time(tmp_path, start, zone, post_time,
                                                                       expected_utc):
    clock, service, scheduler, posters = setup(tmp_path, at(UTC, 2024, 1, 1))
    subscribe(service, "discord", "d1", post_time, zone, notify_empty=True)
    tz = ZoneInfo(zone)
    clock.set(datetime.combine(start, datetime.min.time(), tz))
    end = clock() + timedelta(days=7)
    seen: dict[date, list[datetime]] = defaultdict(list)  # covered day -> when posted (UTC)
    while clock() < end:
        report = await scheduler.tick()
        for o in report.outcomes:
            assert o.state in ("posted", "note")
            seen[o.day].append(clock())
        clock.advance(minutes=10)
    days = sorted(seen)
    assert all(len(v) == 1 for v in seen.values())  # never twice
    assert days == [days[0] + timedelta(days=i) for i in range(len(days))] and len(days) >= 6  # never skipped
    for local_day, (hh, mm) in expected_utc.items():
        when = seen[local_day - timedelta(days=1)][0]
        assert (when.hour, when.minute) == (hh, mm) and when.astimezone(tz).date() == local_day


async def test_days_without_papers_post_nothing_or_a_one_line_note(tmp_path):
    clock, service, scheduler, posters = setup(tmp_path, at(UTC, 2024, 1, 1))
    subscribe(service, "slack", "quiet", "09:00", "UTC")
    subscribe(service, "slack", "noted", "09:00", "UTC", notify_empty=True)
    subscribe(service, "discord", "noted-ko", "09:00", "UTC", language="ko", notify_empty=True)
    report = await tick_at(clock, scheduler, at(UTC, 2024, 11, 24, 9, 0))  # covers Saturday the 23rd
    assert {(o.channel, o.state) for o in report.outcomes} == {
        ("quiet", "empty"), ("noted", "note"), ("noted-ko", "note")}
    assert posters["slack"].posts == [] and posters["slack"].notes == [
        ("noted", date(2024, 11, 23), "No new AI papers for 2024-11-23: nothing to post today.")]
    assert "새 AI 논문이 없어" in posters["discord"].notes[0][2]
    assert PostLedger(service.store).get("slack", "quiet", date(2024, 11, 23)).detail == NO_PAPERS
    assert (await tick_at(clock, scheduler, at(UTC, 2024, 11, 24, 12, 0))).due == 0  # recorded: never again


async def test_category_filter_posts_only_those_sections(tmp_path):
    clock, service, scheduler, posters = setup(tmp_path, at(UTC, 2024, 1, 1))
    subscribe(service, "slack", "all", "09:00", "UTC")
    subscribe(service, "slack", "cv", "09:00", "UTC", categories=["computer vision"])
    subscribe(service, "slack", "none-today", "09:00", "UTC", categories=["Audio"], notify_empty=True)
    await tick_at(clock, scheduler, at(UTC, 2024, 11, 26, 9, 0))
    by_channel = {c: cats for c, _, _, cats in posters["slack"].posts}
    assert by_channel["cv"] == ("Computer Vision",)
    assert len(by_channel["all"]) > 1 and "Computer Vision" in by_channel["all"]
    assert "none-today" not in by_channel
    assert posters["slack"].notes[0][2] == "No new papers in Audio for 2024-11-25: nothing to post today."


async def test_a_failing_channel_never_stops_the_others_and_is_retried(tmp_path, caplog):
    clock, service, scheduler, posters = setup(tmp_path, at(UTC, 2024, 1, 1))
    for ch in ("a", "b", "c"):
        subscribe(service, "discord", ch, "09:00", "UTC")
    posters["discord"].fail = {"b"}
    caplog.set_level(logging.INFO)
    report = await tick_at(clock, scheduler, at(UTC, 2024, 11, 26, 9, 0))
    assert {(o.channel, o.state) for o in report.outcomes} == {("a", "posted"), ("b", "failed"), ("c", "posted")}
    assert "event=post_failed platform=discord channel=b day=2024-11-25" in caplog.text
    assert "cause='RuntimeError: HTTP 500 from the platform'" in caplog.text
    assert (await tick_at(clock, scheduler, at(UTC, 2024, 11, 26, 9, 0, 30))).due == 0  # backing off (60 s)
    posters["discord"].fail = set()
    report = await tick_at(clock, scheduler, at(UTC, 2024, 11, 26, 9, 1, 0))
    assert [(o.channel, o.state) for o in report.outcomes] == [("b", "posted")]
    assert sorted(posters["discord"].days("b") + posters["discord"].days("a")) == [date(2024, 11, 25)] * 2


async def test_paused_and_platforms_without_an_adapter_are_skipped(tmp_path, caplog):
    clock, service, scheduler, posters = setup(tmp_path, at(UTC, 2024, 1, 1))
    subscribe(service, "slack", "on", "09:00", "UTC")
    subscribe(service, "slack", "off", "09:00", "UTC")
    Subscriptions(service.store).pause("slack", "off")
    subscribe(service, "console", "term", "09:00", "UTC")
    report = await tick_at(clock, scheduler, at(UTC, 2024, 11, 26, 9, 0))
    assert [o.channel for o in report.outcomes] == ["on"]
    assert "event=no_poster platform=console" in caplog.text


async def test_a_day_that_cannot_be_built_is_retried_later(tmp_path, caplog):
    clock, service, scheduler, posters = setup(tmp_path, at(UTC, 2024, 1, 1))
    subscribe(service, "slack", "C1", "09:00", "UTC")
    source = tmp_path / "sources" / "hf_2024-11-25.json"
    saved = source.read_bytes()
    source.unlink()
    report = await tick_at(clock, scheduler, at(UTC, 2024, 11, 26, 9, 0))
    assert report.builds == [(date(2024, 11, 25), "en", "failed")] and report.outcomes == []
    assert "event=digest_failed day=2024-11-25" in caplog.text
    assert (await tick_at(clock, scheduler, at(UTC, 2024, 11, 26, 9, 0, 30))).builds == []  # backing off
    source.write_bytes(saved)
    report = await tick_at(clock, scheduler, at(UTC, 2024, 11, 26, 9, 2))
    assert [o.state for o in report.outcomes] == ["posted"]


async def test_run_loop_ticks_until_stopped(tmp_path):
    clock, service, scheduler, posters = setup(tmp_path, at(UTC, 2024, 1, 1))
    subscribe(service, "slack", "C1", "09:00", "UTC")
    clock.set(at(UTC, 2024, 11, 26, 9, 0))
    scheduler.interval = 0.01
    stop = asyncio.Event()
    task = asyncio.create_task(scheduler.run(stop))
    for _ in range(200):
        if posters["slack"].posts:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(task, 5)
    assert posters["slack"].days("C1") == [date(2024, 11, 25)]


# --- pacing ---------------------------------------------------------------------------------------
async def test_rate_limiter_spaces_calls_after_the_burst():
    now = [0.0]

    async def sleep(s):
        now[0] += s

    bucket = RateLimiter(2.0, burst=3, clock=lambda: now[0], sleep=sleep)
    stamps = []
    for _ in range(7):
        await bucket.acquire()
        stamps.append(now[0])
    assert stamps[:3] == [0, 0, 0] and stamps[3:] == pytest.approx([0.5, 1.0, 1.5, 2.0])


async def test_slack_client_is_paced_per_channel(monkeypatch):
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.core.pacing import pace_slack

    fake_slack, _ = import_fakes()
    with fake_slack.FakeSlack() as fake:
        client = AsyncWebClient(token=fake_slack.BOT_TOKEN, base_url=fake.api_url)
        pace_slack(client, Limits(per_channel=20.0, channel_burst=1, overall=1000, overall_burst=10))
        await asyncio.gather(*(client.chat_postMessage(channel=ch, text=str(i))
                               for i in range(4) for ch in ("C1", "C2")))
        for ch in ("C1", "C2"):
            stamps = [c.at for c in fake.api_calls("chat.postMessage") if c.body["channel"] == ch]
            gaps = [b - a for a, b in zip(stamps, stamps[1:])]
            assert len(stamps) == 4 and min(gaps) >= 0.04  # 20/s: 50 ms apart (timer slack allowed)
        assert client.pacer.sent == 8


async def test_pacer_counts_requests_and_waits():
    pacer = Pacer(Limits(per_channel=1000, channel_burst=1, overall=100, overall_burst=1))
    for _ in range(3):
        await pacer.message("C")
    await pacer.request()
    assert pacer.sent == 4 and pacer.waited > 0


# --- the one-process runner -------------------------------------------------------------------
def test_runner_without_any_token_says_what_to_set(capsys):
    from bot.__main__ import main

    assert main([]) == 2
    err = capsys.readouterr().err
    assert "SLACK_BOT_TOKEN" in err and "DISCORD_TOKEN" in err and "python -m bot console" in err


def test_runner_plan_names_what_starts_and_what_is_missing():
    from bot.runner import plan
    from digest.config import load_settings

    p = plan(load_settings(slack_bot_token="xoxb-1", discord_token=None))
    assert p.slack == "post-only" and not p.discord
    assert any("SLACK_APP_TOKEN" in n for n in p.notes) and any("DISCORD_TOKEN" in n for n in p.notes)
    assert plan(load_settings(slack_bot_token="xoxb-1", slack_app_token="xapp-1")).slack == "socket"


def test_runner_once_posts_due_channels_on_both_platforms(tmp_path, monkeypatch, capsys, caplog):
    """``python -m bot --once`` end to end: settings from the environment, real SDK clients,
    the adapters' post functions, fake Slack and Discord servers on 127.0.0.1."""
    import discord

    from bot.__main__ import main

    fake_slack, fake_discord = import_fakes()
    clock = Clock(at(UTC, 2024, 1, 1))
    service = make_service(tmp_path, clock)  # writes the sources, creates the db
    subscribe(service, "slack", "C1", "09:00", "Asia/Seoul")
    subscribe(service, "discord", fake_discord.CHANNEL_ID, "09:00", "Asia/Seoul", notify_empty=True)
    spec = service.settings.digest_sources
    import digest.service as service_module

    real = service_module.DigestService

    class Clocked(real):  # the process' clock: 2024-11-26 10:00 KST (a Tuesday: day 25 has papers)
        def __init__(self, *a, **kw):
            kw.setdefault("clock", lambda: at(UTC, 2024, 11, 26, 1, 0))
            super().__init__(*a, **kw)

    monkeypatch.setattr(service_module, "DigestService", Clocked)
    monkeypatch.setattr("bot.core.pacing.SLACK_LIMITS", UNLIMITED)  # pacing has its own tests
    monkeypatch.setattr("bot.core.pacing.DISCORD_LIMITS", UNLIMITED)
    dfake = fake_discord.FakeDiscord()
    stop_discord = dfake.serve_in_thread()
    try:
        with fake_slack.FakeSlack() as sfake:
            for name, value in {"SLACK_BOT_TOKEN": fake_slack.BOT_TOKEN, "SLACK_API_URL": sfake.api_url,
                                "DISCORD_TOKEN": fake_discord.TOKEN, "DISCORD_API_URL": dfake.base,
                                "DIGEST_SOURCES": spec, "DIGEST_LANGUAGE": "en",
                                "DIGEST_DB": str(tmp_path / "digest.db")}.items():
                monkeypatch.setenv(name, value)
            caplog.set_level(logging.INFO)
            assert main(["--once"]) == 0
            assert len(sfake.top_level("C1")) == 1
            assert len(sfake.replies("C1", sfake.top_level("C1")[0]["ts"])) >= 2
            assert main(["--once"]) == 0  # a second run: nothing due, nothing posted
            assert len(sfake.top_level("C1")) == 1
    finally:
        stop_discord()
        monkeypatch.setattr(discord.http.Route, "BASE", "https://discord.com/api/v10")
    heads = [m for m in dfake.bot_messages(fake_discord.CHANNEL_ID) if m["type"] == 0]
    assert len(heads) == 1
    err = capsys.readouterr().err
    assert "starting: Slack (REST), Discord (REST), scheduler (one tick)" in err
    assert "due 2: 2 posted" in err and "due 0" in err
    assert "event=post_ok platform=slack channel=C1 day=2024-11-25" in caplog.text
    for secret in (fake_slack.BOT_TOKEN, fake_discord.TOKEN):
        assert secret not in caplog.text and secret not in err


async def test_supervisor_stops_everything_when_one_part_dies(caplog, monkeypatch):
    from bot.runner import _supervise

    monkeypatch.setattr("bot.runner.DRAIN_SECONDS", 0.05)
    stop = asyncio.Event()
    closed = []

    async def serve_until_stopped():
        await stop.wait()

    async def dies():
        await asyncio.sleep(0.01)
        raise ConnectionError("gateway closed")

    async def close():
        closed.append(True)

    tasks = {"slack": asyncio.create_task(serve_until_stopped()), "discord": asyncio.create_task(dies())}
    assert await _supervise(tasks, stop, [close]) == 1
    assert stop.is_set() and closed and all(t.done() for t in tasks.values())
    assert "event=component_stopped component=discord cause=ConnectionError: gateway closed" in caplog.text

    stop2 = asyncio.Event()
    task = asyncio.create_task(asyncio.sleep(3600))
    asyncio.get_running_loop().call_later(0.01, stop2.set)  # SIGTERM
    assert await _supervise({"scheduler": task}, stop2) == 0
    assert task.cancelled()  # did not stop within the drain time: cancelled


def test_billed_totals_leave_out_cache_hits(tmp_path):
    """The scheduler's llm_calls/llm_tokens figures come from digest.llm.usage (no SQL in bot/):
    a cache hit costs nothing and is not counted."""
    from digest.llm.usage import billed_totals
    from digest.store import Store

    store = Store(tmp_path / "u.db")
    assert billed_totals(store) == (0, 0)
    rows = [{"day": "2024-11-22", "ts": 1.0, "kind": "summary", "model": "m", "prompt_tokens": 100,
             "completion_tokens": 20, "ok": 1, "error": None, "cached": cached} for cached in (0, 1, 0)]
    with store.lock:
        store.db["llm_usage"].insert_all(rows)
    assert billed_totals(store) == (2, 240)
