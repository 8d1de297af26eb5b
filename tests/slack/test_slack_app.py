"""The app as an operator meets it: manifest, command line, settings, subscriptions, logs."""

from __future__ import annotations

import json
import logging
from importlib import resources

import pytest
from fake_slack import APP_TOKEN, BOT_TOKEN
from slack_helpers import DAY, SECRET, all_text

from bot.slack.app import SlackBot, main
from digest.config import get_settings

# the OAuth scope each Web API method the bot calls needs
SCOPES = {
    "chat.postMessage": {"chat:write"},
    "files.getUploadURLExternal": {"files:write"},
    "files.completeUploadExternal": {"files:write"},
    "conversations.history": {"channels:history", "groups:history"},
    "conversations.replies": {"channels:history", "groups:history"},
    "conversations.join": {"channels:join"},
    "users.info": {"users:read"},
    "auth.test": set(),
    "apps.connections.open": set(),  # app-level token, connections:write
}


def manifest() -> dict:
    return json.loads(resources.files("bot.slack").joinpath("manifest.json").read_text("utf-8"))


def test_manifest_declares_what_the_bot_uses():
    m = manifest()
    [cmd] = m["features"]["slash_commands"]
    assert cmd["command"] == "/digest" and cmd["usage_hint"]
    assert m["settings"]["socket_mode_enabled"] is True
    assert m["settings"]["interactivity"]["is_enabled"] is True  # the share button and the menu
    assert {"app_mention", "message.channels", "message.groups"} <= set(m["settings"]["event_subscriptions"]["bot_events"])
    scopes = set(m["oauth_config"]["scopes"]["bot"])
    assert {"commands", "app_mentions:read"} <= scopes
    for needed in SCOPES.values():
        assert needed <= scopes


async def test_every_method_called_in_a_full_flow_is_covered_by_the_manifest(slack, fake, bot, digest):
    await bot.post_daily("C1", DAY)
    await slack.command("subscribe 09:00 Asia/Seoul")
    await bot.drain()
    called = {c.method for c in fake.calls if c.method not in ("upload", "response")}
    assert called <= set(SCOPES), called - set(SCOPES)


@pytest.mark.parametrize("argv, env, message", [
    ([], {}, "SLACK_BOT_TOKEN"),
    ([], {"SLACK_BOT_TOKEN": BOT_TOKEN}, "SLACK_APP_TOKEN"),
    (["--http"], {"SLACK_BOT_TOKEN": BOT_TOKEN}, "SLACK_SIGNING_SECRET"),
    (["--date", "2024-11-22"], {"SLACK_BOT_TOKEN": BOT_TOKEN}, "go with --post-now"),
    (["--post-now", "C1", "--date", "2024-02-30"], {"SLACK_BOT_TOKEN": BOT_TOKEN}, "is not a valid date"),
])
def test_command_line_explains_what_is_missing(argv, env, message, monkeypatch, capsys):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    get_settings.cache_clear()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert BOT_TOKEN not in err


async def test_subscription_needs_a_workspace_admin(slack, fake, bot):
    await slack.command("subscribe 09:00 Asia/Seoul", user="U42")
    await bot.drain()
    refused = fake.responses[-1].body
    assert refused["response_type"] == "ephemeral"
    assert "admin" in refused["text"].lower()
    fake.admins.add("UADMIN")
    await slack.command("subscribe 09:00 Asia/Seoul", user="UADMIN")
    await bot.drain()
    assert "09:00" in fake.responses[-1].body["text"]
    await slack.command("settings", user="UADMIN")
    await bot.drain()
    assert "Asia/Seoul" in all_text(fake.responses[-1].body["blocks"])


async def test_custom_subscription_handler(fake, service):
    seen = []

    def handler(query, channel, user, language):
        seen.append((query.kind, channel, user, language))
        return "ok, subscribed"

    bot = SlackBot(service, subscriptions=handler)
    from slack_helpers import SlackSim

    runner, port = await bot.serve_http("127.0.0.1", 0)
    try:
        await SlackSim(f"http://127.0.0.1:{port}/slack/events", fake).command("unsubscribe")
        await bot.drain()
    finally:
        await runner.cleanup()
    assert seen == [("unsubscribe", "C1", "U42", "en")]
    assert fake.responses[-1].body["text"] == "ok, subscribed"


async def test_secrets_never_reach_the_logs(slack, fake, bot, digest, caplog):
    with caplog.at_level(logging.DEBUG):
        await bot.post_daily("C1", DAY)
        await slack.command("LLM 2024-11-22")
        await slack.command("LLM", secret="wrong")
        await bot.drain()
    assert caplog.records
    for secret in (BOT_TOKEN, APP_TOKEN, SECRET):
        assert secret not in caplog.text
