"""Weekly posts exactly once per (channel, week), through crashes at every step, on both fakes:
the real scheduler tick, the real SDK clients (slack_sdk, discord.py) against the fake Slack and
Discord servers, the ``week_posts`` ledger (harness: tests/test_exactly_once.py)."""

from __future__ import annotations

import random
import zlib
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from digest.deliver.ledger import WEEK_POSTS, PostLedger, is_complete
from digest.store import Store
from digest.week.subscriptions import WeekSubscriptions, parse_weekday
from digest.deliver.schedule import SubscriptionError
from schedule_fixtures import Clock
from test_exactly_once import NOW, Injector, new_db, process, world  # noqa: F401 - world is a fixture

UTC = timezone.utc
WEEK_END = date(2024, 11, 25)  # posted on Tuesday the 26th: the week 11-19 .. 11-25
ZONES = ("UTC", "Asia/Seoul", "America/Los_Angeles")


def subscribe_weekly(world, folder, rng: random.Random, tag: str) -> list[tuple[str, str]]:
    store = Store(folder / "digest.db")
    subs = WeekSubscriptions(store, clock=lambda: datetime(2024, 11, 1, tzinfo=UTC))
    channels = []
    for i, platform in enumerate(("slack", "discord")):
        if platform == "slack":
            channel = f"W{tag}{i}"
        else:
            channel = world["discord"].next_id()
            world["discord"].channels[channel] = world["discord"]._text_channel(channel)
        zone = rng.choice(ZONES)
        local = NOW.astimezone(ZoneInfo(zone))
        minutes = rng.randint(0, local.hour * 60 + local.minute)
        subs.subscribe(platform, channel, "tue", f"{minutes // 60:02d}:{minutes % 60:02d}", zone,
                       rng.choice(("en", "ko")))
        channels.append((platform, channel))
    store.close()
    return channels


def assert_week_once(world, folder, channels) -> None:
    store = Store(folder / "digest.db")
    ledger = PostLedger(store, WEEK_POSTS)
    try:
        for platform, channel in channels:
            record = ledger.get(platform, channel, WEEK_END)
            assert is_complete(record), (platform, channel, record)
            if platform == "slack":
                top = world["slack"].top_level(channel)
                weekly = [m for m in top if (m.get("metadata") or {}).get("event_type") == "weekly_digest"]
                assert len(top) == len(weekly) == 1, f"{channel}: {len(top)} posts"
                assert weekly[0]["metadata"]["event_payload"]["end"] == WEEK_END.isoformat()
                assert "2024-11-19" in weekly[0]["text"] and "2024-11-25" in weekly[0]["text"]
                assert record.message_id == weekly[0]["ts"]
                replies = world["slack"].replies(channel, weekly[0]["ts"])
                assert sum(len(m.get("files") or []) for m in replies) == 1, f"{channel}: chart not once"
            else:
                heads = world["discord"].bot_messages(channel)
                assert len(heads) == 1, f"{channel}: {len(heads)} posts"
                assert "2024-11-19" in heads[0]["content"]
                assert len(heads[0].get("attachments") or []) == 1, "the chart, attached once"
                assert record.message_id == heads[0]["id"]
            # nothing about the daily ledger: a weekly post is not the day's post
            assert PostLedger(store).get(platform, channel, WEEK_END) is None
    finally:
        store.close()


@pytest.mark.parametrize("label,nth", [
    ("ledger:after:pending", 1),
    ("slack:after:chat.postMessage", 1),                          # Slack said ok, not recorded
    ("slack:after:files.completeUploadExternal", 1),              # chart shared, not recorded
    ("slack:before:files.getUploadURLExternal", 1),               # text out, chart not yet
    ("discord:after:POST /channels/{channel_id}/messages", 1),     # Discord said ok, not recorded
    ("ledger:before:posted", 1),
    ("ledger:before:posted", 2),
])
def test_weekly_post_crash_then_restart_posts_once(world, label, nth):
    tag = f"w{zlib.crc32(f'{label}{nth}'.encode())}"
    folder = new_db(world, tag)
    channels = subscribe_weekly(world, folder, random.Random(3), tag)
    clock = Clock(NOW)
    injector = Injector(label=label, nth=nth)
    assert process(world, folder, clock, injector) == "crashed", injector.steps[-3:]
    clock.advance(minutes=1)
    assert process(world, folder, clock, None) == "ok"
    clock.advance(minutes=30)
    assert process(world, folder, clock, None) == "ok"  # and nothing more
    assert_week_once(world, folder, channels)


def test_weekly_posts_randomized_crashes(world):
    rng = random.Random(1117)
    probe = new_db(world, "wprobe")
    probe_channels = subscribe_weekly(world, probe, random.Random(1), "wprobe")
    counter = Injector()
    assert process(world, probe, Clock(NOW), counter) == "ok"
    assert_week_once(world, probe, probe_channels)
    total = len(counter.steps)
    assert total >= 8
    for run in range(4):
        tag = f"wr{run}"
        folder = new_db(world, tag)
        channels = subscribe_weekly(world, folder, rng, tag)
        clock = Clock(NOW + timedelta(minutes=rng.randint(0, 30)))
        for _ in range(rng.choice((1, 2))):
            process(world, folder, clock, Injector(crash_at=rng.randint(1, total)))
            clock.advance(minutes=rng.randint(0, 60))
        assert process(world, folder, clock, None) == "ok"
        assert process(world, folder, clock, None) == "ok"
        assert_week_once(world, folder, channels)


def test_weekly_posts_only_on_their_weekday_and_next_week_again(world):
    folder = new_db(world, "wdays")
    store = Store(folder / "digest.db")
    subs = WeekSubscriptions(store, clock=lambda: datetime(2024, 11, 1, tzinfo=UTC))
    subs.subscribe("slack", "WDAYS", "wed", "09:00", "Asia/Seoul", "en")
    assert subs.due(NOW) == []  # Tuesday: not its day
    wednesday = datetime(2024, 11, 27, 1, 0, tzinfo=UTC)  # 10:00 KST on Wednesday
    (d,) = subs.due(wednesday)
    assert d.end == date(2024, 11, 26)
    assert subs.due(datetime(2024, 11, 28, 1, 0, tzinfo=UTC)) == []  # missed Wednesday stays missed
    store.close()


def test_weekday_words_and_bad_ones():
    assert parse_weekday("mon") == 0 and parse_weekday("Sunday") == 6 and parse_weekday("월") == 0
    with pytest.raises(SubscriptionError, match="not a weekday"):
        parse_weekday("someday")


def test_chat_subscribe_weekly_and_unsubscribe(tmp_path):
    from digest.config import load_settings
    from digest.deliver.chat import handle_subscription_command
    from digest.deliver.subscriptions import Subscriptions
    from digest.query.parse import parse_query
    from digest.service import DigestService

    service = DigestService(load_settings(_env_file=None, digest_db=tmp_path / "d.db",
                                          openai_api_key=None, digest_language="en"),
                            clock=lambda: NOW)

    def run(text: str, admin: bool = True) -> str:
        query = parse_query(text, service.taxonomy, service.today())
        return handle_subscription_command(query, "slack", "C9", "U1", admin, service=service, language="en")

    assert "Only admins" in run("subscribe weekly mon 09:00 Asia/Seoul", admin=False)
    assert WeekSubscriptions(service.store).get("slack", "C9") is None
    reply = run("subscribe weekly mon 09:00 asia/seoul ko")
    assert "every mon at 09:00 Asia/Seoul" in reply and "2024-12-02 09:00" in reply
    sub = WeekSubscriptions(service.store).get("slack", "C9")
    assert (sub.weekday, sub.post_time, sub.timezone, sub.language) == (0, "09:00", "Asia/Seoul", "ko")
    assert Subscriptions(service.store).get("slack", "C9") is None  # the daily one is untouched
    assert "not a weekday" in run("subscribe weekly someday 09:00 Asia/Seoul")
    assert "every category" in run("subscribe weekly mon 09:00 Asia/Seoul LLM")
    assert "Unsubscribed" in run("unsubscribe weekly")
    assert WeekSubscriptions(service.store).get("slack", "C9") is None
    assert "no weekly post" in run("unsubscribe weekly")
    service.store.close()


def test_a_failing_weekly_channel_backs_off_and_others_still_post(tmp_path):
    import asyncio

    from bot.core.weekly import WeeklyPosts
    from digest.config import load_settings
    from digest.deliver.ledger import PostRecord
    from digest.service import DigestService

    service = DigestService(load_settings(_env_file=None, digest_db=tmp_path / "d.db",
                                          openai_api_key=None, digest_language="en"),
                            clock=lambda: NOW)

    class Flaky:
        platform = "slack"

        def __init__(self):
            self.calls: list[str] = []

        async def week(self, channel, end, language, text, chart):
            self.calls.append(channel)
            if channel == "CBAD":
                raise RuntimeError("channel_not_found")
            ledger = PostLedger(service.store, WEEK_POSTS)
            ledger.mark_posted("slack", channel, end, language, "1.0")
            return ledger.get("slack", channel, end)

    poster = Flaky()
    subs = WeekSubscriptions(service.store, clock=lambda: datetime(2024, 11, 1, tzinfo=UTC))
    for channel in ("CBAD", "CGOOD"):
        subs.subscribe("slack", channel, "tue", "09:00", "UTC", "en")
    weekly = WeeklyPosts(service, {"slack": poster}, clock=lambda: NOW, interval=30)
    first = asyncio.run(weekly.tick(NOW))
    assert sorted((d.subscription.channel, state) for d, state, _ in first) == [
        ("CBAD", "failed"), ("CGOOD", "posted")]
    asyncio.run(weekly.tick(NOW + timedelta(seconds=10)))  # inside the backoff: not tried again
    assert poster.calls == ["CBAD", "CGOOD"]
    asyncio.run(weekly.tick(NOW + timedelta(seconds=31)))  # after it: retried; CGOOD is done
    assert poster.calls == ["CBAD", "CGOOD", "CBAD"]
    assert isinstance(PostLedger(service.store, WEEK_POSTS).get("slack", "CGOOD", WEEK_END), PostRecord)
    service.store.close()


def test_settings_lists_the_weekly_post_and_pause_resume_stops_and_restarts_it(tmp_path):
    """/digest settings names the channel's weekly post; settings weekly pause keeps it but ``due``
    no longer offers it; resume brings it back (issue 17 finish)."""
    from digest.config import load_settings
    from digest.deliver.chat import handle_subscription_command
    from digest.query.parse import parse_query
    from digest.service import DigestService

    service = DigestService(load_settings(_env_file=None, digest_db=tmp_path / "d.db",
                                          openai_api_key=None, digest_language="en"),
                            clock=lambda: NOW)

    def run(text: str, admin: bool = True) -> str:
        query = parse_query(text, service.taxonomy, service.today())
        return handle_subscription_command(query, "slack", "C7", "U1", admin, service=service, language="en")

    assert "Weekly post: none" in run("settings")
    run("subscribe weekly wed 09:00 Asia/Seoul")
    assert "Weekly post: every wed at 09:00 Asia/Seoul in en." in run("settings")
    subs = WeekSubscriptions(service.store)
    wednesday = datetime(2024, 11, 27, 1, 0, tzinfo=UTC)
    assert len(subs.due(wednesday)) == 1
    assert "Only admins" in run("settings weekly pause", admin=False)
    assert len(subs.due(wednesday)) == 1  # refused: nothing changed
    assert "paused" in run("settings weekly pause")
    assert subs.due(wednesday) == [] and subs.get("slack", "C7").paused
    assert "(paused)" in run("settings")
    assert "Use /digest settings weekly pause" in run("settings weekly sideways")
    assert "resumed" in run("settings weekly resume")
    assert len(subs.due(wednesday)) == 1
    run("unsubscribe weekly")
    assert "no weekly post" in run("settings weekly pause")
    service.store.close()


def test_cli_weekly_pause_resume_and_status_lists_weekly_posts(tmp_path, monkeypatch, capsys):
    from digest.cli import main

    monkeypatch.setenv("DIGEST_DB", str(tmp_path / "d.db"))
    assert main(["weekly", "add", "discord", "123", "mon", "09:00", "Asia/Seoul"]) == 0
    assert main(["weekly", "pause", "discord", "123"]) == 0
    assert "(paused)" in capsys.readouterr().out
    assert WeekSubscriptions(Store(tmp_path / "d.db")).get("discord", "123").paused
    assert main(["status"]) == 0
    assert "discord:123  weekly mon 09:00 Asia/Seoul" in capsys.readouterr().out
    assert main(["weekly", "resume", "discord", "123"]) == 0
    assert "next:" in capsys.readouterr().out
    assert not WeekSubscriptions(Store(tmp_path / "d.db")).get("discord", "123").paused
    assert main(["weekly", "pause", "slack", "nope"]) != 0
