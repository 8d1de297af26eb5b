"""/digest end to end: signed requests over HTTP -> bolt -> the bot -> fake Slack."""

from __future__ import annotations

import asyncio
import time

from slack_helpers import DAY, all_text, assert_valid, block_action

from digest.service import DigestService


def buttons(blocks, action_id):
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"] if e["action_id"] == action_id]


async def test_category_answered_privately_with_share_button(slack, fake, bot, digest):
    sent = await slack.command("llm 2024-11-22")
    assert sent.status == 200 and sent.body == ""  # empty ack: nothing shown until the answer
    assert sent.seconds < 1.0
    await bot.drain()
    [reply] = fake.responses
    body = reply.body
    assert body["response_type"] == "ephemeral"
    assert_valid(body["blocks"], body["text"])
    text = all_text(body["blocks"])
    assert "🤖 LLM" in text and "2 papers" in text
    llm = digest.summary_for("LLM")
    for paper in llm.papers:  # sources as links
        assert f"<{paper.link}|" in text
    assert "Key themes" in text  # the synthesis, in mrkdwn
    assert len(buttons(body["blocks"], "digest_share")) == 1


async def test_whole_day_has_counts_menu_and_share(slack, fake, bot, digest):
    sent = await slack.command("2024-11-22")
    assert sent.status == 200
    await bot.drain()
    body = fake.responses[0].body
    assert_valid(body["blocks"], body["text"])
    text = all_text(body["blocks"])
    assert "2024-11-22" in text and "*6 new papers* in 4 categories" in text
    for name, count in digest.counts:
        assert name in text
    [menu] = buttons(body["blocks"], "digest_open")
    assert [o["text"]["text"] for o in menu["options"]] == [f"{s.emoji} {s.category}" for s in digest.summaries]


async def test_unknown_category_gets_a_suggestion_in_the_ack(slack, fake, bot, digest):
    sent = await slack.command("quantom")
    assert sent.status == 200
    ack = sent.json()
    assert ack["response_type"] == "ephemeral"
    assert 'Did you mean "Quantum Computing"?' in ack["text"]
    await bot.drain()
    assert fake.responses == []


async def test_bad_date_is_explained(slack, fake, bot):
    sent = await slack.command("LLM 2024-13-45")
    assert sent.status == 200
    assert "is not a valid date" in sent.json()["text"]
    future = await slack.command("2030-01-01")
    assert "in the future" in future.json()["text"]


async def test_help_and_categories(slack, bot):
    help_text = all_text((await slack.command("help")).json()["blocks"])
    assert "/digest usage" in help_text and "/digest categories" in help_text
    cats = (await slack.command("categories")).json()
    assert "Computer Vision" in cats["text"]
    assert_valid(cats["blocks"], cats["text"])


async def test_bad_signature_and_stale_timestamp_are_refused(slack, fake, bot, digest):
    forged = await slack.command("LLM", secret="not-the-secret")
    assert forged.status == 401
    stale = await slack.command("LLM", ts=int(time.time()) - 10 * 60)
    assert stale.status == 401
    await bot.drain()
    assert fake.responses == [] and fake.posts() == []


async def test_missing_digest_is_built_after_the_ack(slack, fake, bot, service, fast_progress, monkeypatch):
    """Nothing stored: the ack is immediate, a progress note follows, then the digest."""
    real_build = DigestService.build

    def slow_build(self, *args, **kwargs):
        time.sleep(0.6)
        return real_build(self, *args, **kwargs)

    monkeypatch.setattr(DigestService, "build", slow_build)
    sent = await slack.command("security 2024-11-22")
    assert sent.status == 200 and sent.seconds < 0.5
    await bot.drain()
    progress, final = [r.body for r in fake.responses]
    assert "Building the digest" in progress["text"]
    assert "🛡️ Security" in all_text(final["blocks"])


async def test_share_posts_to_the_channel_and_links_the_thread(slack, fake, bot, digest):
    await slack.command("security 2024-11-22")
    await bot.drain()
    [share] = buttons(fake.responses[0].body["blocks"], "digest_share")
    sent = await slack.action(block_action(fake, {"type": "button", "action_id": "digest_share",
                                                  "value": share["value"]}))
    assert sent.status == 200
    await bot.drain()
    [posted] = fake.posts("C1")
    assert_valid(posted["blocks"], posted["text"])
    text = all_text(posted["blocks"])
    assert "🛡️ Security" in text and "Shared by <@U42>" in text
    assert buttons(posted["blocks"], "digest_share") == []  # no buttons in the shared copy
    assert bot.state.thread_digest("slack", "C1", posted["ts"]) == (DAY, "en")
    assert fake.responses[-1].body.get("delete_original") is True  # the private copy goes away


async def test_share_where_the_bot_is_not_a_member_uses_the_response_url(slack, fake, bot, digest):
    fake.not_member.add("C9")
    await slack.command("2024-11-22", channel="C9")
    await bot.drain()
    [share] = buttons(fake.responses[0].body["blocks"], "digest_share")
    await slack.action(block_action(fake, {"type": "button", "action_id": "digest_share",
                                           "value": share["value"]}, channel="C9"))
    await bot.drain()
    assert fake.posts("C9") == []
    in_channel = [r.body for r in fake.responses if r.body.get("response_type") == "in_channel"]
    assert len(in_channel) == 1 and "Shared by <@U42>" in all_text(in_channel[0]["blocks"])


async def test_menu_opens_one_category(slack, fake, bot, digest):
    await slack.command("2024-11-22")
    await bot.drain()
    [menu] = buttons(fake.responses[0].body["blocks"], "digest_open")
    option = next(o for o in menu["options"] if "Computer Vision" in o["text"]["text"])
    await slack.action(block_action(fake, {"type": "static_select", "action_id": "digest_open",
                                           "selected_option": option}))
    await bot.drain()
    body = fake.responses[-1].body
    assert_valid(body["blocks"], body["text"])
    assert "Segment Any Video with Point Prompts" in all_text(body["blocks"])


async def test_many_commands_at_once_build_the_day_once(slack, fake, bot, service, monkeypatch):
    calls = []
    real_build = DigestService.build

    def counting_build(self, *args, **kwargs):
        calls.append(args)
        time.sleep(0.2)
        return real_build(self, *args, **kwargs)

    monkeypatch.setattr(DigestService, "build", counting_build)
    sent = await asyncio.gather(*(slack.command("2024-11-22", key=f"k{i}") for i in range(5)))
    assert all(s.status == 200 for s in sent)
    await bot.drain()
    assert len(calls) == 1
    assert len([r for r in fake.responses if "6 new papers" in all_text(r.body.get("blocks", []))]) == 5


async def test_health_endpoint(slack):
    import aiohttp

    async with aiohttp.ClientSession() as session:
        async with session.get(slack.endpoint.replace("/slack/events", "/healthz")) as resp:
            assert resp.status == 200 and (await resp.json())["status"] == "ok"  # bot.health
