"""Subscriptions and the schedule rules: which day a post covers, when it is due (time zones either
side of midnight, DST), catch-up after downtime, chat commands with their admin gate, and the CLI."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from digest.cli import main as cli
from digest.models import DigestQuery
from digest.deliver.chat import handle_subscription_command
from digest.deliver.ledger import NO_PAPERS, PostLedger
from digest.deliver.schedule import SubscriptionError
from digest.deliver.status import status_lines
from digest.deliver.subscriptions import Subscriptions
from digest.query.parse import parse_query
from digest.store import Store
from schedule_fixtures import Clock, make_service

UTC = timezone.utc
SEOUL, LA, NY = ZoneInfo("Asia/Seoul"), ZoneInfo("America/Los_Angeles"), ZoneInfo("America/New_York")


def at(tz, *args) -> datetime:
    return datetime(*args, tzinfo=tz)


@pytest.fixture
def clock():
    return Clock(at(UTC, 2024, 11, 1, 0, 0))  # before any slot used below


@pytest.fixture
def subs(clock):
    return Subscriptions(Store(":memory:"), clock=clock, default_language="en")


def due_days(subs, now, complete_before=None):
    return [(d.subscription.channel, d.day) for d in subs.due(now, complete_before)]


# --- CRUD -----------------------------------------------------------------------------------
def test_subscribe_validates_and_update_keeps_the_creation_time(subs, clock):
    first = subs.subscribe("slack", "C1", "9:05", "Asia/Seoul", "ko", ["LLM"])
    assert (first.post_time, first.timezone, first.language, first.categories) == ("09:05", "Asia/Seoul", "ko", ("LLM",))
    clock.advance(days=3)
    second = subs.subscribe("slack", "C1", "18:00", "Europe/London")
    assert second.created_at == first.created_at and second.post_time == "18:00"
    assert second.language == "en"  # not given: the default
    with pytest.raises(SubscriptionError, match="not a time"):
        subs.subscribe("slack", "C2", "25:00", "UTC")
    with pytest.raises(SubscriptionError, match="time zone"):
        subs.subscribe("slack", "C2", "09:00", "Mars/Olympus")
    assert [s.channel for s in subs.all()] == ["C1"]


def test_pause_resume_unsubscribe(subs):
    subs.subscribe("discord", "42", "09:00", "UTC")
    assert subs.pause("discord", "42").paused
    assert subs.due(at(UTC, 2024, 11, 5, 10, 0)) == []
    assert not subs.resume("discord", "42").paused
    assert subs.unsubscribe("discord", "42") and not subs.unsubscribe("discord", "42")
    with pytest.raises(SubscriptionError):
        subs.pause("discord", "42")


# --- which day, and when ---------------------------------------------------------------------
def test_seoul_morning_post_covers_yesterday_and_waits_for_its_slot(subs):
    subs.subscribe("slack", "C1", "09:00", "Asia/Seoul")
    assert due_days(subs, at(SEOUL, 2024, 11, 25, 8, 59)) == []
    assert due_days(subs, at(SEOUL, 2024, 11, 25, 9, 0)) == [("C1", date(2024, 11, 24))]


def test_seoul_just_after_midnight_waits_until_the_day_is_over_in_utc(subs):
    subs.subscribe("slack", "C1", "00:05", "Asia/Seoul")
    local = at(SEOUL, 2024, 11, 25, 0, 5)  # 2024-11-24 15:05 UTC: the 24th is not over yet
    digest_today = local.astimezone(UTC).date()
    assert due_days(subs, local, complete_before=digest_today) == []
    nxt = subs.next_post(subs.get("slack", "C1"), local, complete_before=digest_today)
    assert nxt.waiting_for_day and nxt.day == date(2024, 11, 24)
    later = at(UTC, 2024, 11, 25, 0, 0)  # 09:00 KST: the UTC day is over
    assert due_days(subs, later, complete_before=later.date()) == [("C1", date(2024, 11, 24))]


def test_los_angeles_either_side_of_midnight(subs):
    subs.subscribe("slack", "late", "23:30", "America/Los_Angeles")
    subs.subscribe("slack", "early", "00:30", "America/Los_Angeles")
    before = at(LA, 2024, 11, 24, 23, 45)  # 2024-11-25 07:45 UTC
    assert due_days(subs, before, before.astimezone(UTC).date()) == [("early", date(2024, 11, 23)),
                                                                      ("late", date(2024, 11, 23))]
    ledger = PostLedger(subs.store)
    for ch in ("early", "late"):
        ledger.mark_posted("slack", ch, date(2024, 11, 23), "en", "m1")
    after = at(LA, 2024, 11, 25, 0, 10)  # a new local day: nothing until 00:30
    assert due_days(subs, after, after.astimezone(UTC).date()) == []
    early = at(LA, 2024, 11, 25, 0, 30)
    assert due_days(subs, early, early.astimezone(UTC).date()) == [("early", date(2024, 11, 24))]
    late = at(LA, 2024, 11, 25, 23, 30)
    assert ("late", date(2024, 11, 24)) in due_days(subs, late, late.astimezone(UTC).date())


@pytest.mark.parametrize("local_date,post_time,slot_utc", [
    (date(2024, 3, 9), "09:00", at(UTC, 2024, 3, 9, 14, 0)),    # EST
    (date(2024, 3, 10), "09:00", at(UTC, 2024, 3, 10, 13, 0)),  # EDT from 02:00 that day
    (date(2024, 3, 10), "02:30", at(UTC, 2024, 3, 10, 7, 30)),  # does not exist: 03:30 EDT
    (date(2024, 11, 3), "01:30", at(UTC, 2024, 11, 3, 5, 30)),  # happens twice: the first (EDT)
    (date(2024, 11, 3), "09:00", at(UTC, 2024, 11, 3, 14, 0)),  # EST again
])
def test_post_slot_across_new_york_dst_changes(subs, local_date, post_time, slot_utc):
    sub = subs.subscribe("discord", "1", post_time, "America/New_York")
    assert sub.slot(local_date) == slot_utc


def test_catch_up_once_the_same_day_never_old_days(subs, clock):
    subs.subscribe("slack", "C1", "09:00", "Asia/Seoul")
    # down from before the 24th's slot until 23:00 KST on the 25th: only the 25th's post (day 24)
    late = at(SEOUL, 2024, 11, 25, 23, 0)
    assert due_days(subs, late, late.astimezone(UTC).date()) == [("C1", date(2024, 11, 24))]
    PostLedger(subs.store).mark_posted("slack", "C1", date(2024, 11, 24), "en", "m1")
    assert due_days(subs, late, late.astimezone(UTC).date()) == []
    # down through the whole 26th: on the 27th, day 26 only; day 25 is never posted
    nextday = at(SEOUL, 2024, 11, 27, 10, 0)
    assert due_days(subs, nextday, nextday.astimezone(UTC).date()) == [("C1", date(2024, 11, 26))]


def test_a_new_subscription_starts_with_the_next_slot(subs, clock):
    clock.set(at(SEOUL, 2024, 11, 25, 10, 0))  # subscribed after today's 09:00
    sub = subs.subscribe("slack", "C1", "09:00", "Asia/Seoul")
    assert due_days(subs, at(SEOUL, 2024, 11, 25, 10, 1)) == []
    nxt = subs.next_post(sub, clock())
    assert nxt.at == at(SEOUL, 2024, 11, 26, 9, 0) and nxt.day == date(2024, 11, 25)
    assert due_days(subs, at(SEOUL, 2024, 11, 26, 9, 0)) == [("C1", date(2024, 11, 25))]


def test_pending_and_failed_records_stay_due_posted_and_empty_do_not(subs):
    for ch in ("a", "b", "c", "d", "e"):
        subs.subscribe("slack", ch, "09:00", "UTC")
    ledger, day = PostLedger(subs.store), date(2024, 11, 24)
    ledger.mark_pending("slack", "a", day, "en")
    ledger.mark_failed("slack", "b", day, "en", "ratelimited")
    ledger.mark_posted("slack", "c", day, "en", "1.1", "1.1", "complete")
    ledger.mark_posted("slack", "d", day, "en", "", "", NO_PAPERS)
    ledger.mark_posted("slack", "e", day, "en", "2.2", "2.2", "thread in progress")  # resumed
    due = subs.due(at(UTC, 2024, 11, 25, 9, 0))
    assert [(d.subscription.channel, d.record.state if d.record else None) for d in due] == [
        ("a", "pending"), ("b", "failed"), ("e", "posted")]


# --- chat commands ------------------------------------------------------------------------------
@pytest.fixture
def service(tmp_path):
    return make_service(tmp_path, Clock(at(UTC, 2024, 11, 25, 1, 0)), first=date(2024, 11, 20),
                        last=date(2024, 11, 30), digest_admins="U_OPS")


def command(service, text, user="U1", is_admin=True, platform="slack", channel="C1", language=None):
    query = parse_query(text, service.taxonomy, service.today())
    return handle_subscription_command(query, platform, channel, user, is_admin, service=service,
                                       language=language)


def test_admin_subscribes_and_the_reply_says_when_and_what(service):
    reply = command(service, "subscribe 09:00 Asia/Seoul ko LLM")
    assert "09:00 Asia/Seoul" in reply and "LLM" in reply and "previous day" in reply
    assert "2024-11-26 09:00 KST (2024-11-25)" in reply  # subscribed after today's slot
    sub = Subscriptions(service.store).get("slack", "C1")
    assert (sub.language, sub.categories, sub.created_by) == ("ko", ("LLM",), "U1")


@pytest.mark.parametrize("text", ["subscribe 09:00 UTC", "unsubscribe", "settings", "settings pause"])
def test_non_admins_are_refused_and_nothing_changes(service, text):
    Subscriptions(service.store).subscribe("discord", "C1", "07:00", "UTC")
    reply = command(service, text, is_admin=False, platform="discord")
    assert "Only admins" in reply and "Manage Server" in reply
    sub = Subscriptions(service.store).get("discord", "C1")
    assert sub is not None and sub.post_time == "07:00" and not sub.paused


def test_users_in_digest_admins_are_admins_everywhere(service):
    assert "Subscribed" in command(service, "subscribe 08:00 Europe/London", user="U_OPS", is_admin=False)
    assert "Only admins" in command(service, "unsubscribe", user="U_SOMEONE", is_admin=False)


def test_settings_shows_and_changes_the_subscription(service):
    assert "no daily digest" in command(service, "settings")
    command(service, "subscribe 09:00 UTC en")
    shown = command(service, "settings")
    assert "09:00 UTC" in shown and "all categories" in shown and "Last post: none yet" in shown
    assert "Paused" in command(service, "settings pause")
    assert "PAUSED" in command(service, "settings")
    assert "Resumed" in command(service, "settings resume")
    assert "one-line note" in command(service, "settings empty on")
    assert Subscriptions(service.store).get("slack", "C1").notify_empty
    assert "Usage" in command(service, "settings sideways")
    assert "Unsubscribed" in command(service, "unsubscribe")
    assert Subscriptions(service.store).get("slack", "C1") is None


def test_replies_in_korean_and_parse_errors_pass_through(service):
    assert "구독 완료" in command(service, "subscribe 09:00 Asia/Seoul", language="ko")
    bad = command(service, "subscribe 9am Seoul")
    assert "not a time" in bad
    with pytest.raises(ValueError):
        handle_subscription_command(DigestQuery("digest"), "slack", "C1", "U1", True, service=service)


def test_status_lines_show_last_and_next_post(service):
    subs = Subscriptions(service.store, clock=service.clock)
    subs.subscribe("slack", "C1", "09:00", "Asia/Seoul")
    PostLedger(service.store).mark_posted("slack", "C1", date(2024, 11, 24), "en", "171.1", "171.1",
                                          "complete")
    (line,) = status_lines(subs, at(UTC, 2024, 11, 25, 1, 0), complete_before=date(2024, 11, 25))
    assert "slack:C1" in line and "2024-11-24 posted (message 171.1)" in line
    assert "next: 2024-11-26 09:00 KST (2024-11-25)" in line


# --- command line ---------------------------------------------------------------------------------
def test_cli_subscriptions_and_status(capsys):
    assert cli(["subscriptions", "add", "slack", "C9", "07:30", "asia/seoul", "--category", "llm",
                "--language", "ko", "--notify-empty"]) == 0
    assert cli(["subscriptions", "add", "discord", "123", "18:00", "Europe/Paris"]) == 0
    assert cli(["subscriptions", "pause", "discord", "123"]) == 0
    capsys.readouterr()
    assert cli(["subscriptions", "list"]) == 0
    listed = capsys.readouterr().out
    assert "slack:C9  07:30 Asia/Seoul, ko, LLM" in listed and "notify-empty" in listed
    assert "discord:123  18:00 Europe/Paris" in listed and "(paused)" in listed
    assert cli(["status"]) == 0
    status = capsys.readouterr().out
    assert "Subscriptions (2)" in status and "next: paused" in status and "of 300,000 tokens" in status
    assert cli(["subscriptions", "remove", "discord", "123"]) == 0
    assert cli(["subscriptions", "remove", "discord", "123"]) == 2
    assert "no subscription" in capsys.readouterr().err
    assert cli(["subscriptions", "add", "teams", "X", "07:30", "UTC"]) == 2
