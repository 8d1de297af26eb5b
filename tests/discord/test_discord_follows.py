"""/digest follow on Discord through discord.py's real interaction handling, against the fake API."""

from __future__ import annotations

from discord_helpers import interaction, option
from fake_discord import APP_ID, CHANNEL_ID

from digest.follows.store import Follows


def followups(fake, token):
    return [c for c in fake.calls if c[0] == "POST" and c[1] == f"/webhooks/{APP_ID}/{token}"]


async def test_follow_is_private_and_belongs_to_the_user(bot, fake):
    payload = interaction([option("query", "follow Security"), option("public", True, type_=5)])
    bot._connection.parse_interaction_create(payload)
    await fake.wait_for(lambda: followups(fake, payload["token"]))
    reply = followups(fake, payload["token"])[0][3]
    assert reply["flags"] & 64 and reply["content"].startswith("Following “Security”")
    assert reply["allowed_mentions"]["parse"] == []
    user = next(iter(Follows(bot.service.store).followers("discord", CHANNEL_ID)))
    assert [f.text for f in Follows(bot.service.store).of("discord", user)] == ["Security"]
