"""What Slack keeps of ours must keep its meaning across upgrades (issue 15): the metadata event
types a restart looks the daily post up by, the action ids of buttons and menus already posted,
their value format, and the platform key in the database. Pinned to the literal values."""

from __future__ import annotations

from datetime import date

from bot.slack import blocks, post
from digest.models import Digest

DAY = date(2024, 11, 22)


def test_metadata_event_types_and_markers():
    assert post.EVENT_TYPE == "daily_digest"
    assert post.SECTION_EVENT_TYPE == "daily_digest_section"
    digest = Digest(day=DAY, language="ko", summaries=(), counts=())
    assert post.marker(digest) == {"event_type": "daily_digest",
                                   "event_payload": {"day": "2024-11-22", "language": "ko"}}
    assert post.section_marker(digest, "LLM", 2) == {
        "event_type": "daily_digest_section",
        "event_payload": {"day": "2024-11-22", "language": "ko", "category": "LLM", "part": 2}}


def test_action_ids_and_the_value_they_carry():
    assert blocks.SHARE_ACTION == "digest_share"
    assert blocks.OPEN_ACTION == "digest_open"
    # a button posted by an earlier release still opens its day, language and category
    assert blocks.parse_value("2024-11-22|en|Computer Vision") == {"d": "2024-11-22", "l": "en",
                                                                     "c": "Computer Vision"}
    assert blocks.parse_value("2024-11-22|ko|") == {"d": "2024-11-22", "l": "ko", "c": None}


def test_the_platform_key_in_the_database():
    assert post.PLATFORM == "slack"


def test_the_no_papers_note_marker():
    from bot.slack.poster import NOTE_EVENT_TYPE

    assert NOTE_EVENT_TYPE == "daily_digest_note"
