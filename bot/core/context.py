"""The Protocols the shared flows are typed against, so that no module of ``bot.core`` imports
an adapter and no adapter module imports its own app type (no import cycles, type-only included)."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from digest.deliver.ledger import PostRecord
from digest.models import Digest


class Poster(Protocol):
    """One platform's way to post (``bot.slack.poster``, ``bot.discord.poster``); both calls follow the ledger discipline."""

    platform: str

    async def post(self, channel: str, digest: Digest) -> PostRecord:
        """Post ``digest`` (already filtered to the channel's categories) once; the record."""

    async def note(self, channel: str, day: date, language: str, text: str) -> PostRecord:
        """Post a one-line note for ``day`` once (days without papers)."""
