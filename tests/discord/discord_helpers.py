"""Test data and gateway payloads for the Discord tests."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
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


class store_locked:
    """``async with store_locked(store, s)``: a build in a worker thread holds ``store.lock`` for
    ``s`` seconds and then lets go by itself; the event loop never waits for it (not on exit
    either). ``await held.released()`` waits, off the loop, until it has let go."""

    def __init__(self, store, seconds: float):
        self.store, self.seconds = store, seconds
        self._acquired = threading.Event()
        self._thread = threading.Thread(target=self._hold, daemon=True)

    def _hold(self):
        with self.store.lock:
            self._acquired.set()
            time.sleep(self.seconds)

    async def __aenter__(self):
        self._thread.start()
        await asyncio.to_thread(self._acquired.wait, 5)
        return self

    async def __aexit__(self, *exc):
        return None

    async def released(self):
        await asyncio.to_thread(self._thread.join, self.seconds + 5)


class LoopWatch:
    """The longest the event loop went without running a 10 ms ticker (a blocked heartbeat)."""

    def __init__(self):
        self.longest = 0.0

    async def _tick(self):
        loop = asyncio.get_running_loop()
        while True:
            start = loop.time()
            await asyncio.sleep(0.01)
            self.longest = max(self.longest, loop.time() - start)

    async def __aenter__(self):
        self._task = asyncio.ensure_future(self._tick())
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *exc):
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass
