"""/digest week over Slack: signed request -> bolt -> the bot -> the week as a private reply."""

from __future__ import annotations

from slack_helpers import all_text, assert_valid


async def test_digest_week_answers_privately_and_names_missing_days(slack, fake, bot, digest):
    sent = await slack.command("week 2024-11-22")
    assert sent.status == 200
    await bot.drain()
    [reply] = fake.responses
    body = reply.body
    assert body["response_type"] == "ephemeral"
    assert_valid(body["blocks"], body["text"])
    text = all_text(body["blocks"]) or body["text"]
    assert f"Week 2024-11-16 – 2024-11-22: {digest.total_papers} papers" in text
    assert "2024-11-16, 2024-11-17, 2024-11-18, 2024-11-19, 2024-11-20, 2024-11-21" in text
    for name, count in digest.counts:
        assert f"{name}: {count} / 0" in text


async def test_digest_week_bad_date_is_explained_in_the_ack(slack, fake, bot):
    sent = await slack.command("week 2024-13-45")
    assert "is not a valid date" in sent.json()["text"]


async def test_digest_week_private_reply_says_how_to_get_the_chart(slack, fake, bot, digest):
    """An ephemeral response cannot carry a file: the reply names the command that writes the chart."""
    await slack.command("week 2024-11-22")
    await bot.drain()
    [reply] = fake.responses
    text = all_text(reply.body["blocks"]) or reply.body["text"]
    assert "digest week --date 2024-11-22 --chart week.png" in text
