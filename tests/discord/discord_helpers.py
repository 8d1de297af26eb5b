"""Test data and gateway payloads for the Discord tests."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timezone
from pathlib import Path

from digest.config import load_settings
from digest.service import DigestService
from fake_discord import APP_ID, CHANNEL_ID, GUILD_ID, USER_ID, FakeDiscord

HERE = Path(__file__).parent
DAY = date(2024, 11, 24)
HF_SOURCE = HERE / "fixtures" / "hf_{date}.json"  # a file per day, as the HF API has
NOW = datetime(2024, 11, 25, 9, 0, tzinfo=timezone.utc)
_ids = itertools.count(1400000000000000000)


def make_service(**overrides) -> DigestService:
    settings = load_settings(digest_language="en", digest_sources=str(HF_SOURCE), **overrides)
    return DigestService(settings=settings, clock=lambda: NOW)


def next_id() -> str:
    return str(next(_ids))


def member(permissions: int = 0x7FFFFFFF, user_id: str = USER_ID) -> dict:
    return {"user": {"id": user_id, "username": "alice", "discriminator": "0", "avatar": None,
                     "global_name": "Alice"},
            "roles": [], "joined_at": "2024-01-01T00:00:00+00:00", "deaf": False, "mute": False,
            "permissions": str(permissions), "flags": 0}


def interaction(options=(), *, kind: int = 2, name: str = "digest", permissions: int = 0x7FFFFFFF,
                data: dict | None = None, message: dict | None = None) -> dict:
    """An INTERACTION_CREATE payload as the gateway delivers it (2: command, 3: button, 4: autocomplete)."""
    iid = next_id()
    payload = {
        "id": iid, "application_id": APP_ID, "type": kind, "token": f"itok-{iid}", "version": 1,
        "guild_id": GUILD_ID, "channel_id": CHANNEL_ID,
        "channel": {"id": CHANNEL_ID, "type": 0, "guild_id": GUILD_ID, "name": "ai-papers", "position": 0,
                    "permission_overwrites": [], "nsfw": False, "parent_id": None},
        "member": member(permissions), "app_permissions": "2147483647", "locale": "en-US",
        "guild_locale": "en-US", "entitlements": [], "authorizing_integration_owners": {"0": GUILD_ID},
        "context": 0, "attachment_size_limit": 10 * 1024 * 1024,
        "data": data or {"id": "1", "name": name, "type": 1, "options": list(options)},
    }
    if message is not None:
        payload["message"] = message
    return payload


def option(name: str, value, *, type_: int = 3, focused: bool = False) -> dict:
    opt = {"name": name, "type": type_, "value": value}
    if focused:
        opt["focused"] = True
    return opt


def user_message(fake: FakeDiscord, channel_id: str, content: str, *, author_id: str = USER_ID,
                 bot: bool = False, mentions: tuple[dict, ...] = ()) -> dict:
    """A MESSAGE_CREATE payload, also stored in the fake channel (as Discord would)."""
    author = {"id": author_id, "username": "bot2" if bot else "alice", "discriminator": "0",
              "avatar": None, "global_name": None, **({"bot": True} if bot else {})}
    msg = fake.message(channel_id, {"content": content, "mentions": list(mentions)}, author=author)
    return {**msg, "guild_id": GUILD_ID,
            "member": {k: v for k, v in member().items() if k != "user"}}
