"""What Discord keeps of ours must keep its meaning across upgrades (issue 15): the nonces a
resend is deduplicated by, the footers a crashed post is reconciled by, the custom id of the
"Post to channel" buttons already shown, and the platform key. Pinned to the literal values."""

from __future__ import annotations

import re
from datetime import date

from bot.discord import embeds, post
from bot.discord.commands import PostToChannel

DAY = date(2024, 11, 22)


def test_nonces_are_stable():
    assert post.nonce("123", DAY, "head", 0, "") == "b9b48c9352188cb300bc8d7b"
    assert post.nonce("9", DAY, 0, "") == "dfc5d8ba6a234b657ba54174"
    assert len(post.nonce("x" * 100)) <= 25


def test_footers_that_find_a_post_again():
    assert embeds.BRAND == "Daily AI Insights"
    assert embeds.daily_footer(DAY) == "Daily AI Insights · 2024-11-22"
    assert embeds.daily_footer(DAY, 2, 3) == "Daily AI Insights · 2024-11-22 · 2/3"
    assert embeds.category_footer(DAY, "LLM") == "LLM · 2024-11-22"
    assert embeds.category_footer(DAY, "LLM", 1, 2) == "LLM · 2024-11-22 · 1/2"
    assert embeds.MORE_CATEGORY == "…"


async def test_post_button_custom_id():
    assert PostToChannel(DAY, "en", 3).item.custom_id == "digest:post:2024-11-22:en:3"
    assert PostToChannel(DAY, "ko", None).item.custom_id == "digest:post:2024-11-22:ko:-"
    template = PostToChannel.__discord_ui_compiled_template__
    match = template.fullmatch("digest:post:2024-11-22:en:3")
    assert match and match["day"] == "2024-11-22" and match["lang"] == "en" and match["cat"] == "3"
    assert isinstance(template, re.Pattern)


def test_the_platform_key_in_the_database():
    assert post.PLATFORM == "discord"
