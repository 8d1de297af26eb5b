"""Fixtures for the Discord adapter: a built digest in a tmp database, the fake REST server with
discord.py's real HTTP client pointed at it, and a logged-in DigestBot (no gateway).
Helpers the tests import live in ``discord_helpers`` (a unique name: ``conftest`` is taken)."""

from __future__ import annotations

import discord
import pytest
import pytest_asyncio

from bot.discord.client import DigestBot
from digest.service import DigestService
from discord_helpers import DAY, make_service
from fake_discord import TOKEN, FakeDiscord


@pytest.fixture
def service() -> DigestService:
    svc = make_service()
    svc.build(DAY)
    return svc


@pytest_asyncio.fixture
async def fake(monkeypatch):
    async with FakeDiscord() as server:
        monkeypatch.setattr(discord.http.Route, "BASE", server.base)
        yield server


@pytest_asyncio.fixture
async def bot(fake, service):
    client = DigestBot(service, message_content=True)
    await client.login(TOKEN)  # GET /users/@me and /oauth2/applications/@me on the fake
    yield client
    await client.close()
