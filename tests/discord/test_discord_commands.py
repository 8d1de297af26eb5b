"""/digest through discord.py's real interaction handling and HTTP client, against the fake REST API."""

from __future__ import annotations

import asyncio

from discord_helpers import interaction, option, store_locked
from fake_discord import APP_ID, CHANNEL_ID, FakeDiscord

MANAGE_GUILD = 1 << 5


def dispatch(bot, payload: dict) -> str:
    """Deliver an INTERACTION_CREATE as the gateway would; returns the interaction token."""
    bot._connection.parse_interaction_create(payload)
    return payload["token"]


def followups(fake: FakeDiscord, token: str) -> list[tuple]:
    return [c for c in fake.calls if c[0] == "POST" and c[1] == f"/webhooks/{APP_ID}/{token}"]


def callbacks(fake: FakeDiscord, token: str) -> list[tuple]:
    return [c for c in fake.calls if c[1].endswith(f"/{token}/callback")]


async def test_digest_is_deferred_then_answered_with_embeds_and_the_chart(bot, fake):
    fake.rate_limit_next = 1  # the defer meets a 429 and is retried
    token = dispatch(bot, interaction([option("query", "2024-11-24")]))
    await fake.wait_for(lambda: any(c[3].get("components") for c in followups(fake, token)))
    cb = callbacks(fake, token)
    assert [c[3]["type"] for c in cb] == [5, 5]  # deferred ("thinking") at once; retried after the 429
    assert cb[0][3]["data"]["flags"] == 64  # ephemeral by default
    sent = followups(fake, token)
    assert sent[0][4] == ["paper_2024-11-24.png"]  # the chart attached to the first message
    embeds = [e for c in sent for e in c[3]["embeds"]]
    titles = [e["title"] for e in embeds]
    assert titles[0].startswith("Daily Artificial Intelligence Insights : Papers — 2024-11-24")
    assert embeds[0]["image"]["url"] == "attachment://paper_2024-11-24.png"
    for expected in ("👁️ Computer Vision", "🤖 LLM", "⚡ Inference acceleration", "🎮 Reinforcement Learning"):
        assert expected in titles
    llm = next(e for e in embeds if e["title"] == "🤖 LLM")
    assert "Key themes" in llm["description"]
    assert "(https://arxiv.org/abs/2411.80002)" in llm["fields"][0]["value"]
    assert all(c[3]["flags"] & 64 for c in sent)  # every part only for the user
    assert fake.rate_limited == 1
    button = sent[-1][3]["components"][0]["components"][0]
    assert button["label"] == "Post to channel" and button["custom_id"].startswith("digest:post:2024-11-24:en:")


async def test_one_category_public(bot, fake):
    token = dispatch(bot, interaction([option("query", "llm yesterday"), option("public", True, type_=5)]))
    await fake.wait_for(lambda: followups(fake, token))
    assert "flags" not in callbacks(fake, token)[0][3].get("data", {})  # visible to the channel
    sent = followups(fake, token)
    titles = [e["title"] for c in sent for e in c[3]["embeds"]]
    assert titles == ["🤖 LLM"]
    assert not sent[0][3].get("flags") and not sent[-1][3].get("components")  # no button when public


async def test_bad_input_gets_the_grammar_message_only_for_the_user(bot, fake):
    token = dispatch(bot, interaction([option("query", "llmm 2024-11-24"), option("public", True, type_=5)]))
    await fake.wait_for(lambda: followups(fake, token))
    assert callbacks(fake, token)[0][3]["data"]["flags"] == 64  # public asked, but a mistake stays private
    body = followups(fake, token)[0][3]
    assert body["content"].startswith('Unknown category "llmm". Did you mean "LLM"?')
    assert not body.get("embeds")


async def test_unknown_day_and_help(bot, fake):
    token = dispatch(bot, interaction([option("query", "2016-02-03")]))
    await fake.wait_for(lambda: followups(fake, token), timeout=10)
    assert "2016-02-03" in followups(fake, token)[0][3]["content"]
    token = dispatch(bot, interaction([option("query", "help")]))
    await fake.wait_for(lambda: followups(fake, token))
    assert "/digest usage" in followups(fake, token)[0][3]["content"]


async def test_post_to_channel_button_posts_publicly(bot, fake):
    token = dispatch(bot, interaction([option("query", "LLM 2024-11-24")]))
    await fake.wait_for(lambda: any(c[3].get("components") for c in followups(fake, token)))
    ephemeral = fake.interaction_messages[token][-1]
    custom_id = ephemeral["components"][0]["components"][0]["custom_id"]
    click = interaction(kind=3, data={"custom_id": custom_id, "component_type": 2}, message=ephemeral)
    token2 = dispatch(bot, click)
    await fake.wait_for(lambda: followups(fake, token2))
    assert callbacks(fake, token2)[0][3]["type"] == 5
    assert "flags" not in callbacks(fake, token2)[0][3].get("data", {})
    public = followups(fake, token2)
    assert [e["title"] for c in public for e in c[3]["embeds"]] == ["🤖 LLM"]
    assert public[0][4] == ["paper_2024-11-24.png"] and not public[0][3].get("flags")


async def test_configuration_needs_manage_server(bot, fake):
    from digest.deliver.subscriptions import Subscriptions

    token = dispatch(bot, interaction([option("query", "subscribe 09:00 Asia/Seoul")], permissions=0))
    await fake.wait_for(lambda: followups(fake, token))
    deferred = callbacks(fake, token)[0][3]
    assert deferred["type"] == 5 and deferred["data"]["flags"] == 64  # only the user sees it
    reply = followups(fake, token)[0][3]
    assert reply["flags"] & 64 and "Manage Server" in reply["content"]
    subs = Subscriptions(bot.service.store)
    assert subs.get("discord", CHANNEL_ID) is None  # nothing changed
    token = dispatch(bot, interaction([option("query", "subscribe 09:00 Asia/Seoul en LLM")],
                                      permissions=MANAGE_GUILD))
    await fake.wait_for(lambda: followups(fake, token))
    assert followups(fake, token)[0][3]["content"].startswith("Subscribed")
    sub = subs.get("discord", CHANNEL_ID)
    assert (sub.post_time, sub.timezone, sub.categories) == ("09:00", "Asia/Seoul", ("LLM",))


async def test_autocomplete_offers_categories_and_recent_dates(bot, fake):
    def ask(text: str) -> list[dict]:
        token = dispatch(bot, interaction(kind=4, data={"id": "1", "name": "digest", "type": 1, "options": [
            option("query", text, focused=True)]}))
        return token

    token = ask("")
    await fake.wait_for(lambda: callbacks(fake, token))
    choices = callbacks(fake, token)[0][3]["data"]["choices"]
    assert len(choices) <= 25
    values = [c["value"] for c in choices]
    assert "2024-11-24" in values and "LLM" in values and "latest" in values
    token = ask("ll")
    await fake.wait_for(lambda: callbacks(fake, token))
    assert [c["name"] for c in callbacks(fake, token)[0][3]["data"]["choices"]][0] == "🤖 LLM"
    token = ask("rl 2024")
    await fake.wait_for(lambda: callbacks(fake, token))
    assert {"name": "🎮 Reinforcement Learning · 2024-11-24", "value": "Reinforcement Learning 2024-11-24"} \
        in callbacks(fake, token)[0][3]["data"]["choices"]


async def test_a_long_digest_is_split_within_discord_limits(bot, fake, service):
    from dataclasses import replace

    d = service.get_digest(None, "en")
    long = tuple(replace(s, text=(s.text + "\n\n") * 12) for s in d.summaries)
    service.store.save_digest(replace(d, summaries=long))
    token = dispatch(bot, interaction([option("query", "2024-11-24")]))
    await fake.wait_for(lambda: any(c[3].get("components") for c in followups(fake, token)), timeout=10)
    sent = followups(fake, token)
    assert len(sent) > 3  # several messages, every one accepted by the limits
    titles = [e.get("title") or "" for c in sent for e in c[3]["embeds"]]
    assert all(f"{s.emoji} {s.category}" in titles for s in long)
    assert any("(continued)" in t for t in titles)
    assert sum(1 for c in sent if c[4]) == 1  # the chart once


async def test_configuration_is_acknowledged_before_the_database_is_touched(bot, fake):
    """A build holding the store's lock must not make /digest settings miss Discord's 3 s."""
    async with store_locked(bot.service.store, 1.0):
        token = dispatch(bot, interaction([option("query", "settings")], permissions=MANAGE_GUILD))
        await fake.wait_for(lambda: callbacks(fake, token), timeout=0.5)  # deferred while locked
        assert callbacks(fake, token)[0][3]["type"] == 5 and not followups(fake, token)
    await fake.wait_for(lambda: followups(fake, token))
    assert followups(fake, token)[0][3]["flags"] & 64
    assert len(callbacks(fake, token)) == 1  # acknowledged once, answered by a follow-up


def autocomplete(bot, text: str) -> str:
    return dispatch(bot, interaction(kind=4, data={"id": "1", "name": "digest", "type": 1, "options": [
        option("query", text, focused=True)]}))


async def test_autocomplete_answers_from_memory_while_the_database_is_busy(bot, fake):
    loop = asyncio.get_running_loop()
    async with store_locked(bot.service.store, 1.5) as held:  # nothing cached, a build holds the lock
        start = loop.time()
        token = autocomplete(bot, "")
        await fake.wait_for(lambda: callbacks(fake, token), timeout=1.0)
        assert loop.time() - start < 1.0
        values = [c["value"] for c in callbacks(fake, token)[0][3]["data"]["choices"]]
        assert "latest" in values and "LLM" in values  # what needs no database
    await held.released()
    await fake.wait_for(lambda: bot.commands._days)  # the refresh that waited for the lock is done
    async with store_locked(bot.service.store, 1.0):
        start = loop.time()
        token = autocomplete(bot, "")
        await fake.wait_for(lambda: callbacks(fake, token), timeout=0.5)
        assert loop.time() - start < 0.5  # the days come from memory
        assert "2024-11-24" in [c["value"] for c in callbacks(fake, token)[0][3]["data"]["choices"]]
