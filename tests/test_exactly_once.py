"""Exactly once, across crashes: the scheduler, the adapters' real post functions and the real
SDK clients against fake Slack and Discord servers on 127.0.0.1.

A "process" is one ``asyncio.run`` with fresh objects (Store, service, clients, posters,
scheduler) on the same database file. The crash is a ``BaseException`` raised at an injected
point - before or after any API call (so also between the platform's "ok" and our database
write), before or after any ledger write, between thread replies - that nothing catches; the
event loop then dies with everything in flight, as a killed process would. The next process
must finish the job: one top-level post per channel and day, every thread reply exactly once.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import zlib
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import discord
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.discord import embeds as discord_embeds
from bot.core.pacing import UNLIMITED, pace_discord, pace_slack
from bot.discord.poster import DiscordPoster
from bot.slack.poster import SlackPoster
from bot.core.scheduler import Scheduler
from bot.slack import blocks as slack_blocks
from digest.config import load_settings
from digest.deliver.ledger import PostLedger, is_complete
from digest.service import DigestService
from digest.store import Store
from digest.deliver.subscriptions import Subscriptions, filter_digest
from schedule_fixtures import Clock, import_fakes, write_sources

fake_slack, fake_discord = import_fakes()

UTC = timezone.utc
DAY = date(2024, 11, 25)  # a Monday with papers; posted on the 26th, local time
NOW = datetime(2024, 11, 26, 12, 0, tzinfo=UTC)  # the 26th in Seoul (21:00), LA (04:00) and UTC
ZONES = ("UTC", "Asia/Seoul", "America/Los_Angeles")
RUNS = 50


class Crash(BaseException):
    """The process dies here (a BaseException: no ``except Exception`` in the code stops it)."""


class Injector:
    """Counts steps; raises :class:`Crash` at step ``crash_at`` or at the ``nth`` step whose label
    contains ``label``."""

    def __init__(self, crash_at: int | None = None, label: str | None = None, nth: int = 1):
        self.crash_at, self.label, self.nth = crash_at, label, nth
        self.steps: list[str] = []
        self.armed = False
        self.matched = 0

    def step(self, label: str) -> None:
        if not self.armed:
            return
        self.steps.append(label)
        if self.label is not None and self.label in label:
            self.matched += 1
            if self.matched == self.nth:
                raise Crash(label)
        if self.crash_at is not None and len(self.steps) == self.crash_at:
            raise Crash(label)


def settings(folder: Path, spec: str):
    return load_settings(_env_file=None, digest_db=folder / "digest.db", digest_sources=spec,
                         digest_language="en", digest_papers_per_category=2, openai_api_key=None)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The fakes (served from threads) and a database holding the day's digest in en and ko."""
    root = tmp_path_factory.mktemp("exactly_once")
    spec = write_sources(root / "sources", DAY - timedelta(days=3), DAY + timedelta(days=3))
    template = root / "template"
    service = DigestService(settings(template, spec), clock=lambda: NOW)
    service.build(DAY, language="en")
    service.compose(DAY, language="ko")
    service.store.close()
    old_base = discord.http.Route.BASE
    sfake = fake_slack.FakeSlack().start()
    dfake = fake_discord.FakeDiscord()
    stop_discord = dfake.serve_in_thread()
    discord.http.Route.BASE = dfake.base
    yield {"root": root, "spec": spec, "template": template, "slack": sfake, "discord": dfake}
    discord.http.Route.BASE = old_base
    stop_discord()
    sfake.stop()


def new_db(world, name: str) -> Path:
    folder = world["root"] / name
    shutil.copytree(world["template"], folder)
    return folder


def process(world, folder: Path, clock: Clock, injector: Injector | None) -> str:
    """One life of the bot process: fresh objects, one scheduler tick. Returns "ok" or "crashed".

    Discord drops a message whose nonce it saw "in the past few minutes"; the fake remembers
    them forever, so they are forgotten before each life: only the history search may save us."""
    injector = injector or Injector()
    for messages in list(world["discord"].messages.values()):
        for message in messages:
            message["nonce"] = None

    async def life():
        service = DigestService(settings(folder, world["spec"]), clock=clock)
        slack = AsyncWebClient(token=fake_slack.BOT_TOKEN, base_url=world["slack"].api_url)
        pace_slack(slack, UNLIMITED)
        dclient = discord.Client(intents=discord.Intents.none())
        await dclient.login(fake_discord.TOKEN)
        pace_discord(dclient.http, UNLIMITED)
        slack_call, discord_request = slack.api_call, dclient.http.request

        async def api_call(api_method, **kwargs):
            injector.step(f"slack:before:{api_method}")
            result = await slack_call(api_method, **kwargs)
            injector.step(f"slack:after:{api_method}")
            return result

        async def request(route, **kwargs):
            injector.step(f"discord:before:{route.method} {route.path}")
            result = await discord_request(route, **kwargs)
            injector.step(f"discord:after:{route.method} {route.path}")
            return result

        slack.api_call, dclient.http.request = api_call, request
        scheduler = Scheduler(service, [SlackPoster(slack, service), DiscordPoster(dclient, service)],
                              clock=clock)
        injector.armed = True
        try:
            report = await scheduler.tick()
            assert not report.by_state("failed"), report.outcomes
        except Crash:  # the process dies: everything in flight stops where it is
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in others:
                task.cancel()
            await asyncio.gather(*others, return_exceptions=True)
            raise
        finally:
            injector.armed = False
            await dclient.close()
            service.store.close()

    original = PostLedger._write

    def write(self, platform, channel, day, language, state, *args, **kwargs):
        injector.step(f"ledger:before:{state}")
        original(self, platform, channel, day, language, state, *args, **kwargs)
        injector.step(f"ledger:after:{state}")

    PostLedger._write = write
    try:
        asyncio.run(life())
        return "ok"
    except Crash:
        return "crashed"
    finally:
        PostLedger._write = original


def subscribe_channels(world, folder: Path, rng: random.Random, tag: str) -> list[tuple]:
    """Two Slack and two Discord channels, random zones, post times already passed at NOW,
    random language and sometimes a category filter."""
    store = Store(folder / "digest.db")
    subs = Subscriptions(store, clock=lambda: datetime(2024, 11, 1, tzinfo=UTC))
    channels = []
    for i, platform in enumerate(("slack", "slack", "discord", "discord")):
        if platform == "slack":
            channel = f"C{tag}{i}"
        else:
            channel = world["discord"].next_id()
            world["discord"].channels[channel] = world["discord"]._text_channel(channel)
        zone = rng.choice(ZONES)
        local = NOW.astimezone(ZoneInfo(zone))
        minutes = rng.randint(0, local.hour * 60 + local.minute)
        cats = rng.choice([(), (), ("Computer Vision",), ("Security", "Computer Vision")])
        subs.subscribe(platform, channel, f"{minutes // 60:02d}:{minutes % 60:02d}", zone,
                       rng.choice(("en", "ko")), cats)
        channels.append((platform, channel))
    store.close()
    return channels


def assert_exactly_once(world, folder: Path, channels) -> None:
    store = Store(folder / "digest.db")
    subs, ledger = Subscriptions(store), PostLedger(store)
    try:
        for platform, channel in channels:
            sub = subs.get(platform, channel)
            digest = filter_digest(store.load_digest(DAY, sub.language), sub.categories)
            record = ledger.get(platform, channel, DAY)
            assert is_complete(record), (platform, channel, record)
            if platform == "slack":
                fake = world["slack"]
                top = fake.top_level(channel)
                assert len(top) == 1, f"{channel}: {len(top)} top-level posts"
                assert top[0]["metadata"]["event_payload"]["day"] == DAY.isoformat()
                replies = fake.replies(channel, top[0]["ts"])
                sections = Counter((m["metadata"]["event_payload"]["category"], m["metadata"]["event_payload"]["part"])
                                   for m in replies if (m.get("metadata") or {}).get("event_type")
                                   == "daily_digest_section")  # not the follow ping
                expected = Counter((s.category, part) for s in digest.summaries
                                   for part in range(len(slack_blocks.category_messages(s, digest))))
                assert sections == expected, f"{channel}: thread {sections} != {expected}"
                assert sum(1 for m in replies if m.get("files")) == 1, f"{channel}: chart not once"
            else:
                fake = world["discord"]
                heads = fake.bot_messages(channel)
                assert len(heads) == len(discord_embeds.daily_header(digest)) == 1, f"{channel}: {len(heads)}"
                thread = fake.messages[heads[0]["id"]]
                footers = Counter(e["footer"]["text"] for m in thread for e in m["embeds"] if e.get("footer"))
                expected = Counter(p.footer for p in discord_embeds.thread_payloads(digest))
                assert footers == expected, f"{channel}: thread {footers} != {expected}"
                assert record.message_id == heads[0]["id"]
    finally:
        store.close()


# --- named crash points -------------------------------------------------------------------------
@pytest.mark.parametrize("label,nth", [
    ("ledger:after:pending", 1),                         # before the post, pending recorded
    ("slack:after:chat.postMessage", 1),                 # Slack said ok, nothing recorded yet
    ("slack:after:chat.postMessage", 3),                 # between thread replies
    ("slack:after:files.completeUploadExternal", 1),     # chart shared, not recorded
    ("discord:after:POST /channels/{channel_id}/messages", 1),  # Discord said ok, not recorded
    ("discord:after:POST /channels/{channel_id}/messages/{message_id}/threads", 1),
    ("discord:after:POST /channels/{channel_id}/messages", 3),  # between thread replies
    ("ledger:before:posted", 2),                         # everything sent, the final write lost
])
def test_a_crash_at_each_step_then_a_restart_posts_exactly_once(world, label, nth):
    tag = f"n{zlib.crc32(f'{label}{nth}'.encode())}"
    folder = new_db(world, tag)
    channels = subscribe_channels(world, folder, random.Random(7), tag)
    clock = Clock(NOW)
    injector = Injector(label=label, nth=nth)
    assert process(world, folder, clock, injector) == "crashed", injector.steps[-3:]
    clock.advance(minutes=1)
    assert process(world, folder, clock, None) == "ok"
    clock.advance(minutes=30)
    assert process(world, folder, clock, None) == "ok"  # and nothing more
    assert_exactly_once(world, folder, channels)


# --- randomized --------------------------------------------------------------------------------
def test_randomized_crashes_and_restarts_post_once_per_channel_and_day(world):
    rng = random.Random(20241126)
    probe = new_db(world, "probe")
    probe_channels = subscribe_channels(world, probe, random.Random(1), "probe")
    counter = Injector()
    assert process(world, probe, Clock(NOW), counter) == "ok"
    assert_exactly_once(world, probe, probe_channels)
    total = len(counter.steps)
    assert total > 40  # API calls and ledger writes of four posts
    crashes = Counter()
    for run in range(RUNS):
        tag = f"r{run}"
        folder = new_db(world, tag)
        channels = subscribe_channels(world, folder, rng, tag)
        clock = Clock(NOW + timedelta(minutes=rng.randint(0, 30)))
        for _ in range(rng.choice((1, 1, 2, 3))):  # one or more crashes in a row
            result = process(world, folder, clock, Injector(crash_at=rng.randint(1, total)))
            crashes[result] += 1
            clock.advance(minutes=rng.randint(0, 90))  # restarted soon, or an hour later
        assert process(world, folder, clock, None) == "ok"
        clock.advance(minutes=5)
        assert process(world, folder, clock, None) == "ok"
        assert_exactly_once(world, folder, channels)
    assert crashes["crashed"] >= RUNS * 0.8  # most lives really died mid-way


def test_downtime_catches_up_once_and_never_floods_old_days(world):
    """Down for two days: on restart each channel gets today's post only; the missed days stay
    missed; the following day posts normally."""
    folder = new_db(world, "down")
    store = Store(folder / "digest.db")
    Subscriptions(store, clock=lambda: datetime(2024, 11, 1, tzinfo=UTC)).subscribe(
        "slack", "CDOWN", "09:00", "Asia/Seoul", "en")
    store.close()
    clock = Clock(datetime(2024, 11, 28, 13, 0, tzinfo=UTC))  # 22:00 KST on the 28th; down since the 26th
    assert process(world, folder, clock, None) == "ok"
    top = world["slack"].top_level("CDOWN")
    assert [m["metadata"]["event_payload"]["day"] for m in top] == ["2024-11-27"]
    clock.set(datetime(2024, 11, 29, 0, 0, tzinfo=UTC))  # 09:00 KST on the 29th
    assert process(world, folder, clock, None) == "ok"
    assert [m["metadata"]["event_payload"]["day"] for m in world["slack"].top_level("CDOWN")] == [
        "2024-11-27", "2024-11-28"]
