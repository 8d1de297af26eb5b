"""/digest search on Discord through discord.py's real interaction handling against the fake
REST API: a page only for the caller, the "More" button (a persisted custom id) giving the next
page after a restart of the bot, and the help line for empty input. Real days of ../shared/data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.discord.search import MORE_PREFIX, SearchMore, more_id
from discord_helpers import interaction, make_service, option
from test_discord_commands import callbacks, dispatch, followups

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "hf_daily_papers"
pytestmark = pytest.mark.skipif(not DATA.exists(), reason="../shared/data is absent (real days)")


@pytest.fixture
def service():
    svc = make_service()
    for day in ("2024-11-21", "2024-11-25"):
        svc.build(date.fromisoformat(day), sources=[f"hf:{DATA}/hf_daily_papers_{day}.json"])
    return svc


def test_the_custom_id_is_persisted_as_is():
    assert MORE_PREFIX == "digest:search:"
    assert more_id(1, "video generation") == "digest:search:1:video generation"
    assert more_id(1, "x" * 120) is None
    match = SearchMore.__discord_ui_compiled_template__.fullmatch("digest:search:2:비디오 생성")
    assert match and match["page"] == "2" and match["words"] == "비디오 생성"


async def test_search_pages_and_more_button(bot, fake):
    token = dispatch(bot, interaction([option("query", "search video generation")]))
    await fake.wait_for(lambda: followups(fake, token))
    assert callbacks(fake, token)[0][3]["data"]["flags"] == 64  # only the caller sees it
    first = followups(fake, token)[0][3]
    assert first["flags"] & 64 and first["allowed_mentions"] == {"parse": []}
    text = first["embeds"][0]["description"]
    assert text.startswith("1. [") and "\n5. [" in text and "\n6. " not in text
    assert "https://arxiv.org/abs/" in text and " · 2024-11-" in text
    button = first["components"][0]["components"][0]
    assert button["custom_id"] == "digest:search:1:video generation" and button["label"] == "More"

    shown = fake.interaction_messages[token][-1]
    click = interaction(kind=3, data={"custom_id": button["custom_id"], "component_type": 2}, message=shown)
    token2 = dispatch(bot, click)
    await fake.wait_for(lambda: followups(fake, token2))
    second = followups(fake, token2)[0][3]["embeds"][0]["description"]
    assert second.startswith("6. [")
    links = lambda s: {line.split("](")[1].split(")")[0] for line in s.splitlines()}  # noqa: E731
    assert not links(text) & links(second)


async def test_korean_search_and_the_help_line(bot, fake):
    token = dispatch(bot, interaction([option("query", "검색 양자화")]))
    await fake.wait_for(lambda: followups(fake, token))
    assert "2411.10958" in followups(fake, token)[0][3]["embeds"][0]["description"]  # SageAttention2
    token = dispatch(bot, interaction([option("query", "search")]))
    await fake.wait_for(lambda: followups(fake, token))
    body = followups(fake, token)[0][3]
    assert "/digest search <words>" in body["content"] and not body.get("embeds")
