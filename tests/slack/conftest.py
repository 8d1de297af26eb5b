"""Slack tests: a fake Web API on 127.0.0.1, a digest built from a fixture file, the bot served
over real HTTP by bolt's aiohttp server, and a simulator that signs what Slack would send."""

from __future__ import annotations

import pytest

from bot.slack import commands as commands_module
from bot.slack import post as post_module
from bot.slack.app import SlackBot
from digest.config import get_settings
from digest.service import DigestService
from fake_slack import APP_TOKEN, BOT_TOKEN, FakeSlack
from slack_helpers import DAY, FIXTURE, NOW, SECRET, SlackSim


@pytest.fixture(autouse=True)
def slack_settings(monkeypatch, isolated_settings):
    monkeypatch.setenv("DIGEST_LANGUAGE", "en")
    monkeypatch.setenv("DIGEST_SOURCES", str(FIXTURE))
    monkeypatch.setattr(post_module, "RETRY_DELAY", 0.01)
    get_settings.cache_clear()


@pytest.fixture
def fake(monkeypatch):
    with FakeSlack() as f:
        monkeypatch.setenv("SLACK_API_URL", f.api_url)
        monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
        monkeypatch.setenv("SLACK_APP_TOKEN", APP_TOKEN)
        monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
        get_settings.cache_clear()
        yield f


@pytest.fixture
def service(fake) -> DigestService:
    return DigestService(clock=lambda: NOW)


@pytest.fixture
def digest(service):
    return service.build(DAY, language="en")


@pytest.fixture
async def bot(service):
    b = SlackBot(service)
    yield b
    await b.drain(10)


@pytest.fixture
async def slack(bot, fake):
    """The bot served on 127.0.0.1 by bolt's aiohttp app; yields a signed-request simulator."""
    runner, port = await bot.serve_http("127.0.0.1", 0)
    yield SlackSim(f"http://127.0.0.1:{port}/slack/events", fake)
    await bot.drain(10)
    await runner.cleanup()


@pytest.fixture
def fast_progress(monkeypatch):
    monkeypatch.setattr(commands_module, "PROGRESS_AFTER", 0.2)
