"""/digest follow on Slack, end to end: signed request -> bolt -> the bot -> the reply via response_url."""

from __future__ import annotations

from digest.follows.store import Follows


async def test_follow_following_unfollow_over_slack(slack, fake, bot):
    sent = await slack.command("follow speculative decoding, 양자화", user="U42", channel="C7")
    assert sent.status == 200
    await bot.drain()
    reply = fake.responses[-1].body
    assert reply["response_type"] == "ephemeral"
    assert "Following “speculative decoding”" in reply["text"] and "“양자화”" in reply["text"]
    follows = Follows(bot.service.store)
    assert [f.text for f in follows.of("slack", "U42")] == ["speculative decoding", "양자화"]
    assert list(follows.followers("slack", "C7")) == ["U42"]  # pinged where they followed
    await slack.command("unfollow all", user="U42", channel="C7")
    await bot.drain()
    assert "Unfollowed everything (2)." in fake.responses[-1].body["text"]
    assert follows.of("slack", "U42") == []
