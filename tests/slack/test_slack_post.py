"""The daily post: payloads Slack accepts, chart in the thread, exactly once, failures retried."""

from __future__ import annotations

import logging
import time

import pytest
from slack_helpers import DAY, all_text, assert_valid

from bot.slack import post as post_module
from bot.slack.app import main
from bot.slack.client import make_client
from bot.slack.post import PostError, post_daily
from digest.store.chat_state import ChatState
from digest.deliver.ledger import PostLedger
from digest.present.markdown import chart_filename


@pytest.fixture
def parts(service):
    return make_client(service.settings), PostLedger(service.store), ChatState(service.store)


async def post(service, parts, channel="C1", **kw):
    client, ledger, state = parts
    return await post_daily(client, service, ledger, state, channel, DAY, "en", **kw)


async def test_daily_post_top_message_chart_and_one_reply_per_category(service, parts, fake, digest):
    record = await post(service, parts)
    assert record.state == "posted" and record.detail == "complete"

    [top] = fake.top_level("C1")
    assert top["ts"] == record.message_id
    assert top["metadata"] == {"event_type": "daily_digest",
                               "event_payload": {"day": "2024-11-22", "language": "en"}}
    assert_valid(top["blocks"], top["text"])
    head = all_text(top["blocks"])
    assert "2024-11-22" in head and "*6 new papers* in 4 categories" in head
    assert "Reply in this thread" in head
    for name, count in digest.counts:
        assert name in head

    # the chart: uploaded (bytes intact) into the right channel and thread
    [upload] = fake.files.values()
    assert upload["name"] == chart_filename(DAY) and upload["content"] == digest.chart_png
    assert upload["shares"] == [("C1", top["ts"])]
    done = fake.api_calls("files.completeUploadExternal")[0].body
    assert done["channel_id"] == "C1" and done["thread_ts"] == top["ts"]

    # one reply per category, in order, with the full synthesis and the sources as links
    replies = [m for m in fake.replies("C1", top["ts"]) if m.get("via") == "chat.postMessage"]
    assert [m["metadata"]["event_payload"]["category"] for m in replies] == [s.category for s in digest.summaries]
    for summary, reply in zip(digest.summaries, replies):
        assert_valid(reply["blocks"], reply["text"])
        text = all_text(reply["blocks"])
        assert f"{summary.emoji} {summary.category}" in text
        for paper in summary.papers:
            assert f"<{paper.link}|" in text
        assert "**" not in text  # Markdown bold converted to mrkdwn
    # escaped: a paper title cannot ping the channel
    everything = "\n".join(all_text(m["blocks"]) for m in replies)
    assert "<!channel>" not in everything and "&lt;!channel&gt;" in everything

    # questions in the thread will be answered from this day
    assert ChatState(service.store).thread_digest("slack", "C1", top["ts"]) == (DAY, "en")


async def test_a_day_is_posted_once_unless_forced(service, parts, fake, digest):
    first = await post(service, parts)
    again = await post(service, parts)
    assert again == first
    assert len(fake.top_level("C1")) == 1
    forced = await post(service, parts, force=True)
    assert forced.message_id != first.message_id
    assert len(fake.top_level("C1")) == 2


async def test_pending_record_is_reconciled_from_the_marker(service, parts, fake, digest):
    """A crash after Slack's ok but before our write: the marker is found, nothing is re-posted."""
    _, ledger, _ = parts
    ledger.mark_pending("slack", "C1", DAY, "en")
    ts = fake.add_message("C1", "digest", user="UBOT", metadata={
        "event_type": "daily_digest", "event_payload": {"day": "2024-11-22", "language": "en"}})
    fake.add_message("C1", "chatter")
    record = await post(service, parts)
    assert record.message_id == ts and record.detail == "complete"
    assert len(fake.top_level("C1")) == 2  # the marked message and the chatter: no second digest
    history = fake.api_calls("conversations.history")[0].body
    assert history["include_all_metadata"] in ("true", "1", True)
    assert len(fake.replies("C1", ts)) == 1 + len(digest.summaries)  # chart + categories


async def test_an_unfinished_thread_is_completed_without_duplicates(service, parts, fake, digest, caplog,
                                                                    monkeypatch):
    fake.fail("chat.postMessage", "internal_error", times=1)  # the top message: retried once, ok
    # the chart upload is fine; the first category fails twice -> given up, the rest posted
    original = post_module.blocks.category_messages
    fail_for = digest.summaries[0].category

    def flaky(summary, d):
        if summary.category == fail_for:
            fake.fail("chat.postMessage", "service_unavailable", times=2)
        return original(summary, d)

    monkeypatch.setattr(post_module.blocks, "category_messages", flaky)
    with caplog.at_level(logging.WARNING, logger="bot.slack.post"):
        record = await post(service, parts)
    monkeypatch.setattr(post_module.blocks, "category_messages", original)
    assert record.state == "posted" and f"{fail_for} (service_unavailable)" in record.detail
    assert "internal_error" in caplog.text and "service_unavailable" in caplog.text
    [top] = fake.top_level("C1")
    assert len(fake.replies("C1", top["ts"])) == len(digest.summaries)  # chart + all but one

    record = await post(service, parts)  # the next run posts only what is missing
    assert record.detail == "complete"
    categories = [m["metadata"]["event_payload"]["category"]
                  for m in fake.replies("C1", top["ts"]) if m.get("metadata")]
    assert sorted(categories) == sorted(s.category for s in digest.summaries)
    assert len(fake.top_level("C1")) == 1 and len(fake.files) == 1


async def test_a_post_that_fails_twice_is_recorded_and_raised(service, parts, fake, digest, caplog):
    fake.fail("chat.postMessage", "channel_not_found", times=2)
    with caplog.at_level(logging.WARNING, logger="bot.slack.post"), pytest.raises(PostError) as err:
        await post(service, parts)
    assert err.value.code == "channel_not_found"
    assert len(fake.api_calls("chat.postMessage")) == 2  # retried once
    record = parts[1].get("slack", "C1", DAY)
    assert record.state == "failed" and record.detail == "channel_not_found"
    assert caplog.text.count("channel_not_found") >= 2
    record = await post(service, parts)  # a later run posts it (after checking for a marker)
    assert record.detail == "complete" and len(fake.top_level("C1")) == 1


async def test_rate_limited_then_success(service, parts, fake, digest):
    fake.fail("chat.postMessage", "ratelimited", status=429, headers={"Retry-After": "1"})
    start = time.monotonic()
    record = await post(service, parts)
    assert record.detail == "complete"
    assert time.monotonic() - start >= 1.0  # waited Retry-After
    calls = fake.api_calls("chat.postMessage")
    assert len(calls) == 1 + 1 + len(digest.summaries)  # the 429, then every post once
    assert len(fake.top_level("C1")) == 1


async def test_not_in_channel_joins_then_posts(service, parts, fake, digest):
    fake.not_member.add("C5")
    record = await post(service, parts, channel="C5")
    assert record.detail == "complete"
    assert fake.api_calls("conversations.join")[0].body["channel"] == "C5"
    assert len(fake.top_level("C5")) == 1


def test_post_now_command_line(fake, capsys):
    assert main(["--post-now", "C7", "--date", "2024-11-22"]) == 0
    assert "Posted the digest of 2024-11-22 to C7" in capsys.readouterr().out
    assert main(["--post-now", "C7", "--date", "2024-11-22"]) == 0
    assert "already posted" in capsys.readouterr().out
    assert len(fake.top_level("C7")) == 1
    assert main(["--post-now", "C7", "--date", "2024-11-22", "--force"]) == 0
    assert len(fake.top_level("C7")) == 2
    assert main(["--post-now", "#general"]) == 2
    assert "channel ID" in capsys.readouterr().err


async def test_korean_digest_speaks_korean(service, parts, fake):
    service.build(DAY, language="ko")
    client, ledger, state = parts
    await post_daily(client, service, ledger, state, "C1", DAY, "ko")
    [top] = fake.top_level("C1")
    text = all_text(top["blocks"])
    assert "새 논문 *6편*" in text and "이 스레드에 질문" in text
    assert_valid(top["blocks"], top["text"])


# --------------------------------------------------------------------------- review fixes


@pytest.mark.parametrize("error, status", [("internal_error", 200), ("fatal_error", 200),
                                           ("request_timeout", 200), ("service_unavailable", 503)])
async def test_an_error_after_slack_stored_the_post_does_not_post_it_twice(service, parts, fake,
                                                                          digest, error, status):
    """Slack stored the top message, then answered an error: the marker is found, no repost."""
    fake.fail_after_store("chat.postMessage", error, status=status)
    record = await post(service, parts)
    [top] = fake.top_level("C1")
    assert record.message_id == top["ts"] and record.detail == "complete"
    assert fake.api_calls("conversations.history")  # looked for the marker before retrying
    assert len(fake.replies("C1", top["ts"])) == 1 + len(digest.summaries)


async def test_a_dropped_connection_after_the_post_is_not_resent_by_the_sdk(service, parts, fake, digest):
    """The SDK's own connection-error retry would re-send blindly; ours checks the marker."""
    fake.fail_after_store("chat.postMessage", drop=True)
    record = await post(service, parts)
    assert len(fake.top_level("C1")) == 1 and record.detail == "complete"
    assert [type(h).__name__ for h in parts[0].retry_handlers] == ["AsyncRateLimitErrorRetryHandler"]


async def test_an_ambiguous_error_that_cannot_be_checked_is_not_retried_blindly(service, parts, fake, digest):
    fake.fail_after_store("chat.postMessage", "internal_error")
    fake.fail("conversations.history", "missing_scope")
    with pytest.raises(PostError) as err:
        await post(service, parts)
    assert "internal_error" in err.value.code and "missing_scope" in err.value.code
    assert len(fake.top_level("C1")) == 1 and len(fake.api_calls("chat.postMessage")) == 1
    assert parts[1].get("slack", "C1", DAY).state == "failed"


async def test_a_pending_record_whose_history_cannot_be_read_is_not_posted_again(service, parts, fake,
                                                                                digest):
    _, ledger, _ = parts
    ledger.mark_pending("slack", "C1", DAY, "en")
    fake.fail("conversations.history", "missing_scope")
    with pytest.raises(PostError) as err:
        await post(service, parts)
    assert err.value.code == "missing_scope"
    assert fake.api_calls("chat.postMessage") == []
    record = ledger.get("slack", "C1", DAY)
    assert record.state == "failed" and record.detail == "missing_scope"


@pytest.mark.parametrize("detail", ["note", "no papers"])
async def test_post_after_a_no_papers_note_posts_a_new_digest(service, parts, fake, digest, detail):
    _, ledger, _ = parts
    note = fake.add_message("C1", "No new papers today.", user="UBOT")
    ledger.mark_posted("slack", "C1", DAY, "en", note, note, detail)
    record = await post(service, parts)
    assert record.detail == "complete" and record.message_id != note
    assert fake.replies("C1", note) == []  # nothing went into the note's thread
    tops = [m for m in fake.top_level("C1") if m.get("metadata")]
    assert [m["ts"] for m in tops] == [record.message_id]
    assert len(fake.replies("C1", record.message_id)) == 1 + len(digest.summaries)


def test_post_now_defaults_to_yesterday(fake, capsys, monkeypatch):
    from datetime import date

    from bot.slack.app import _parser
    from digest.service import DigestService

    monkeypatch.setattr(DigestService, "today", lambda self: date(2024, 11, 23))
    assert main(["--post-now", "C7"]) == 0
    assert "Posted the digest of 2024-11-22 to C7" in capsys.readouterr().out
    assert "yesterday" in " ".join(_parser().format_help().split())
