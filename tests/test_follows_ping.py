"""The follow ping (issue 16): one extra message in each channel's digest thread that names the
followers with matches there, exactly once per (channel, day) through crashes at every step, on
the fake Slack and Discord servers, with the real SDKs. Reuses the daily post's crash harness
(tests/test_exactly_once.py): a "process" is one asyncio.run with fresh objects on one database.
"""

from __future__ import annotations

import random
import re
import zlib
from collections import Counter
import pytest

import test_exactly_once as harness
from digest.follows.match import FollowMatcher
from digest.follows.store import Follows, PingLedger
from digest.store import Store
from schedule_fixtures import Clock
from test_exactly_once import DAY, NOW, Injector, new_db, process, subscribe_channels, world  # noqa: F401

SLACK_FAN, SLACK_QUIET = "U0FAN", "U0QUIET"
DISCORD_FAN, DISCORD_QUIET = "4242", "4343"


def follow_everyone(folder, channels) -> dict[tuple[str, str], dict[str, list[str]]]:
    """In every channel: a fan who follows a word of the day (and one category) and a quiet user
    whose follow matches nothing. Returns, per channel, the expected ping: user -> arXiv ids."""
    store = Store(folder / "digest.db")
    follows = Follows(store)
    from digest.classify.taxonomy import load_taxonomy

    expected = {}
    try:
        for platform, channel in channels:
            fan, quiet = (SLACK_FAN, SLACK_QUIET) if platform == "slack" else (DISCORD_FAN, DISCORD_QUIET)
            follows.add(platform, fan, "diffusion")
            follows.add(platform, fan, "Security")
            follows.add(platform, quiet, "zeolite crystallography")
            for user in (fan, quiet):
                follows.seen_in(platform, user, channel)
            matcher = FollowMatcher(store, load_taxonomy())
            found = matcher.day_matches(DAY, follows.followers(platform, channel))
            expected[(platform, channel)] = {u: [m.paper.arxiv_id for m in ms] for u, ms in found.items()}
    finally:
        store.close()
    return expected


def run(world, folder, clock, injector):  # noqa: F811
    """``process`` with the ping ledger's writes as crash points too."""
    injector = injector or Injector()
    original = PingLedger._write

    def write(self, platform, channel, day, state, *args, **kwargs):
        injector.step(f"pings:before:{state}")
        original(self, platform, channel, day, state, *args, **kwargs)
        injector.step(f"pings:after:{state}")

    PingLedger._write = write
    try:
        return process(world, folder, clock, injector)
    finally:
        PingLedger._write = original


def pings_on_the_wire(world, platform: str, channel: str) -> list[dict]:
    if platform == "slack":
        top = world["slack"].top_level(channel)
        assert len(top) == 1
        return [m for m in world["slack"].replies(channel, top[0]["ts"])
                if (m.get("metadata") or {}).get("event_type") == "daily_digest_ping"]
    head = world["discord"].bot_messages(channel)[0]
    return [m for m in world["discord"].messages[head["id"]] if m["content"].startswith("🔔")]


def assert_pinged_once(world, folder, channels, expected) -> None:
    for platform, channel in channels:
        want = expected[(platform, channel)]
        sent = pings_on_the_wire(world, platform, channel)
        assert len(sent) == (1 if want else 0), f"{platform}:{channel}: {len(sent)} pings"
        if not want:
            continue
        text = sent[0].get("text") or sent[0].get("content")
        assert DAY.isoformat() in text.splitlines()[0]
        mentioned = re.findall(r"<@(\w+)>", text)
        assert mentioned == sorted(want), (mentioned, want)  # the quiet user is never named
        for ids in want.values():
            for aid in ids[:5]:
                assert aid in text
    store = Store(folder / "digest.db")
    try:
        for platform, channel in channels:
            assert PingLedger(store).get(platform, channel, DAY).state == "posted"
    finally:
        store.close()


def setup(world, tag):  # noqa: F811
    folder = new_db(world, tag)
    channels = subscribe_channels(world, folder, random.Random(7), tag)
    return folder, channels, follow_everyone(folder, channels)


def test_the_ping_names_followers_with_matches_and_limits_discord_mentions_to_them(world):  # noqa: F811
    folder, channels, expected = setup(world, "pingwire")
    assert any(expected.values()), "the fixture day must match a follow somewhere"
    assert run(world, folder, Clock(NOW), None) == "ok"
    assert_pinged_once(world, folder, channels, expected)
    for platform, channel in channels:
        if platform != "discord" or not expected[(platform, channel)]:
            continue
        head = world["discord"].bot_messages(channel)[0]
        bodies = [c[3] for c in world["discord"].posts_to(f"/channels/{head['id']}/messages")
                  if str(c[3].get("content", "")).startswith("🔔")]
        assert len(bodies) == 1
        allowed = bodies[0]["allowed_mentions"]
        assert sorted(map(str, allowed["users"])) == [DISCORD_FAN] and allowed["parse"] == []
        assert DISCORD_QUIET not in bodies[0]["content"]


@pytest.mark.parametrize("label,nth", [
    ("pings:after:pending", 1),   # Discord: pending written, nothing sent
    ("pings:before:posted", 1),   # Discord: the ping is out, not recorded
    ("pings:after:pending", 3),   # Slack: pending written, nothing sent
    ("pings:before:posted", 3),   # Slack: the ping is out, not recorded
    ("slack:after:chat.postMessage", 9),  # somewhere in the daily posts, before any ping
])
def test_a_crash_at_each_step_of_the_ping_then_a_restart_pings_once(world, label, nth):  # noqa: F811
    tag = f"p{zlib.crc32(f'{label}{nth}'.encode())}"
    folder, channels, expected = setup(world, tag)
    clock = Clock(NOW)
    injector = Injector(label=label, nth=nth)
    assert run(world, folder, clock, injector) == "crashed", injector.steps[-3:]
    clock.advance(minutes=1)
    assert run(world, folder, clock, None) == "ok"
    clock.advance(minutes=30)
    assert run(world, folder, clock, None) == "ok"  # and nothing more
    harness.assert_exactly_once(world, folder, channels)
    assert_pinged_once(world, folder, channels, expected)


def test_randomized_crashes_never_ping_twice_or_drop_a_ping(world):  # noqa: F811
    rng = random.Random(16)
    probe, channels, expected = setup(world, "pingprobe")
    counter = Injector()
    assert run(world, probe, Clock(NOW), counter) == "ok"
    total = len(counter.steps)
    crashes = Counter()
    for i in range(6):
        folder, channels, expected = setup(world, f"pr{i}")
        clock = Clock(NOW)
        for _ in range(rng.choice((1, 2))):
            # the later steps are where the pings are: crash there more often
            at = rng.randint(total // 2, total) if rng.random() < 0.7 else rng.randint(1, total)
            crashes[run(world, folder, clock, Injector(crash_at=at))] += 1
            clock.advance(minutes=rng.randint(0, 60))
        assert run(world, folder, clock, None) == "ok"
        clock.advance(minutes=5)
        assert run(world, folder, clock, None) == "ok"
        assert_pinged_once(world, folder, channels, expected)
    assert crashes["crashed"] >= 5  # most lives really died mid-way
