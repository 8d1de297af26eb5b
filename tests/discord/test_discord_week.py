"""/digest week through discord.py's real interaction handling against the fake REST API."""

from __future__ import annotations

from test_discord_commands import dispatch, followups

from discord_helpers import interaction, option


async def test_digest_week_is_answered_with_the_numbers(bot, fake):
    token = dispatch(bot, interaction([option("query", "week 2024-11-24")]))
    await fake.wait_for(lambda: followups(fake, token), timeout=10)
    content = "\n".join(c[3].get("content") or "" for c in followups(fake, token))
    assert "Week 2024-11-18 – 2024-11-24:" in content
    assert "2024-11-18, 2024-11-19" in content  # days not in the store are named
    assert all(len(c[3].get("content") or "") <= 2000 for c in followups(fake, token))


async def test_digest_week_followup_carries_the_week_chart(bot, fake):
    token = dispatch(bot, interaction([option("query", "week 2024-11-24")]))
    await fake.wait_for(lambda: any(c[4] for c in followups(fake, token)), timeout=15)
    assert [f for c in followups(fake, token) for f in c[4]] == ["week-2024-11-24.png"]
    [last] = [c for c in followups(fake, token) if c[4]]
    assert last[3]["attachments"][0]["filename"] == "week-2024-11-24.png"
