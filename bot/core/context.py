"""The Protocols the shared flows are typed against, so that no module of ``bot.core`` imports
an adapter and no adapter module imports its own app type (no import cycles, type-only included)."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import date
from typing import Protocol

from digest.deliver.ledger import PostRecord
from digest.models import Answer, Digest


class Poster(Protocol):
    """One platform's way to post (``bot.slack.poster``, ``bot.discord.poster``); both calls follow the ledger discipline."""

    platform: str

    async def post(self, channel: str, digest: Digest) -> PostRecord:
        """Post ``digest`` (already filtered to the channel's categories) once; the record."""

    async def note(self, channel: str, day: date, language: str, text: str) -> PostRecord:
        """Post a one-line note for ``day`` once (days without papers)."""

    # Optional (``bot.core.pings`` checks for it): ``async def ping(channel, day, language,
    # thread_id, matches)`` posts the day's follow ping in the digest's thread, once.


class ChatBot(Protocol):
    """What the listeners need of an adapter's bot (``SlackBot``, ``DigestBot``): the engine, the
    chat state and the post ledger. Listeners are typed against this, never against the app
    class, so no adapter module imports its app (no import cycle, type-only included)."""

    service: object  # DigestService
    state: object  # ChatState
    ledger: object  # PostLedger


class ThreadEngine(Protocol):
    """What the thread flow needs of an adapter's bot: the engine and the chat state."""

    service: object  # DigestService: ``latest_day()``, ``answer(...)``
    state: object  # ChatState: claims, thread links, turns


class Replier(Protocol):
    """An adapter's side of answering one question: where, and how to send on its platform."""

    async def where(self) -> tuple[str, str, bool]:
        """``(channel key, thread key, opened)``: ``opened`` when the question starts its thread
        (it is then linked to the day it was answered about)."""

    def busy(self) -> AbstractAsyncContextManager:
        """Shown while the engine works (Discord's typing indicator; nothing on Slack)."""

    def failure_text(self, language: str, error: str) -> str:
        """The reply when the engine failed (in the thread's language)."""

    async def send(self, answer: Answer, language: str) -> int:
        """Send the answer; how many messages went out (0: none, the caller apologises)."""

    async def apologize(self, language: str) -> bool:
        """The short "please ask again" reply, localised; whether it went out."""
