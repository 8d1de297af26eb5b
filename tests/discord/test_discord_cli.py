"""``python -m bot discord ...`` one-shot modes, run in-process against the fake REST server."""

from __future__ import annotations

import logging

import discord
import pytest

from bot.discord.client import main
from discord_helpers import HF_SOURCE
from fake_discord import APP_ID, CHANNEL_ID, GUILD_ID, TOKEN, FakeDiscord


@pytest.fixture
def server(monkeypatch):
    fake = FakeDiscord()
    stop = fake.serve_in_thread()
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)  # main() repoints it
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setenv("DISCORD_API_URL", fake.base)
    monkeypatch.setenv("DIGEST_SOURCES", str(HF_SOURCE))
    monkeypatch.setenv("DIGEST_LANGUAGE", "en")
    yield fake
    stop()


def test_post_now_posts_once_then_says_so_and_never_logs_the_token(server, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    assert main(["--post-now", CHANNEL_ID, "--date", "2024-11-24"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"posted 2024-11-24 to channel {CHANNEL_ID}: message ")
    assert len(server.bot_messages(CHANNEL_ID)) == 1 and len(server.threads()) == 1
    assert main(["--post-now", CHANNEL_ID, "--date", "2024-11-24"]) == 0
    assert "was already posted" in capsys.readouterr().out
    assert len(server.bot_messages(CHANNEL_ID)) == 1
    assert main(["--post-now", CHANNEL_ID, "--date", "2024-11-24", "--force"]) == 0
    assert len(server.bot_messages(CHANNEL_ID)) == 2
    assert not any(c[1].endswith("/gateway/bot") for c in server.calls)  # REST only
    everything = capsys.readouterr().out + caplog.text
    assert TOKEN not in everything and caplog.text  # logs were written, the token is not in them


def test_post_now_for_a_day_without_papers_posts_nothing(server, capsys):
    assert main(["--post-now", CHANNEL_ID, "--date", "2024-11-23"]) == 1
    assert "nothing posted" in capsys.readouterr().err
    assert not server.bot_messages(CHANNEL_ID)


def test_sync_only_when_the_commands_changed(server, capsys):
    assert main(["--sync"]) == 0
    assert "synced to all servers" in capsys.readouterr().out
    assert main(["--sync"]) == 0
    assert "unchanged" in capsys.readouterr().out
    puts = [c for c in server.calls if c[0] == "PUT"]
    assert [c[1] for c in puts] == [f"/applications/{APP_ID}/commands"]
    assert puts[0][3][0]["name"] == "digest"
    assert [o["name"] for o in puts[0][3][0]["options"]] == ["query", "public"]
    assert main(["--sync", "--guild", GUILD_ID]) == 0
    assert f"/applications/{APP_ID}/guilds/{GUILD_ID}/commands" in [c[1] for c in server.calls if c[0] == "PUT"]


def test_missing_or_refused_token(server, monkeypatch, capsys):
    assert main(["--invite"]) == 0
    assert f"client_id={APP_ID}" in capsys.readouterr().out
    server.token = "another"
    assert main(["--post-now", CHANNEL_ID]) == 2
    assert "refused DISCORD_TOKEN" in capsys.readouterr().err
    monkeypatch.delenv("DISCORD_TOKEN")
    assert main([]) == 2
    assert "DISCORD_TOKEN is not set" in capsys.readouterr().err


def test_post_now_defaults_to_yesterday_a_complete_day(server, capsys, monkeypatch):
    from datetime import date

    from bot.discord.client import _parser
    from digest.service import DigestService

    assert "default: yesterday" in " ".join(_parser().format_help().split())
    monkeypatch.setattr(DigestService, "today", lambda self: date(2024, 11, 25))
    assert main(["--post-now", CHANNEL_ID]) == 0
    assert capsys.readouterr().out.startswith(f"posted 2024-11-24 to channel {CHANNEL_ID}")
    assert len(server.bot_messages(CHANNEL_ID)) == 1
