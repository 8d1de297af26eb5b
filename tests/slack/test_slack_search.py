"""/digest search on Slack end to end (signed requests -> bolt -> the bot -> fake Slack): a page
only for the caller with linked titles, day and category; the "More" button (persisted action id
and value) gives the next page below it; empty input gets the help line. Real days of ../shared/data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from slack_helpers import all_text, assert_valid, block_action

from bot.slack.search import SEARCH_MORE_ACTION, more_value, parse_more

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "hf_daily_papers"
pytestmark = pytest.mark.skipif(not DATA.exists(), reason="../shared/data is absent (real days)")


def buttons(blocks, action_id):
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"] if e["action_id"] == action_id]


@pytest.fixture
def days(service):
    for day in ("2024-11-21", "2024-11-25"):
        service.build(date.fromisoformat(day), sources=[f"hf:{DATA}/hf_daily_papers_{day}.json"])


def test_the_action_id_and_value_are_persisted_as_is():
    assert SEARCH_MORE_ACTION == "digest_search_more"
    assert more_value(1, "video generation") == "1|video generation"
    assert parse_more("2|비디오 생성") == (2, "비디오 생성") and parse_more("x|y") is None


async def test_search_and_more(slack, fake, bot, days):
    sent = await slack.command("search video generation")
    assert sent.status == 200 and sent.body == ""
    await bot.drain()
    body = fake.responses[0].body
    assert body["response_type"] == "ephemeral"
    assert_valid(body["blocks"], body["text"])
    text = all_text(body["blocks"])
    assert "1. <https://arxiv.org/abs/" in text and "\n5. <" in text and "\n6. " not in text
    assert " · 2024-11-" in text and "Computer Vision" in text
    [more] = buttons(body["blocks"], "digest_search_more")
    assert more["value"] == "1|video generation"

    await slack.action(block_action(fake, {"type": "button", "action_id": "digest_search_more",
                                           "value": more["value"]}))
    await bot.drain()
    page2 = fake.responses[-1].body
    assert page2.get("replace_original") is False  # below the first page, not instead of it
    second = all_text(page2["blocks"])
    assert second.split("\n")[1].startswith("6. <")
    ids = lambda s: {line.split("|")[0] for line in s.splitlines() if "<https" in line}  # noqa: E731
    assert not ids(text) & ids(second)


async def test_korean_search_and_the_help_line(slack, fake, bot, days):
    await slack.command("검색 양자화")
    await bot.drain()
    assert "arxiv.org/abs/2411.10958" in all_text(fake.responses[-1].body["blocks"])  # SageAttention2
    await slack.command("search")
    await bot.drain()
    assert "/digest search &lt;words&gt;" in all_text(fake.responses[-1].body["blocks"])  # mrkdwn-escaped
