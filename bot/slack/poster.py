"""The scheduler's Slack poster: ``bot.slack.post.post_daily`` (marker: message ``metadata``) and
the "no papers" note (marker: metadata of type ``NOTE_EVENT_TYPE``, a persisted value)."""

from __future__ import annotations

import re
from datetime import date

from bot.core.posting import NOTE_HISTORY, post_note
from digest.deliver.ledger import PostLedger, PostRecord
from digest.models import Digest
from digest.store.chat_state import ChatState

NOTE_EVENT_TYPE = "daily_digest_note"
PING_EVENT_TYPE = "daily_digest_ping"  # marker of a follow ping's message: {day, part}
PING_LIMIT = 3500  # characters per ping message (Slack allows more; a long one is hard to read)
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,20}")


class SlackPoster:
    platform = "slack"

    def __init__(self, client, service):
        self.client = client  # slack_sdk AsyncWebClient (paced by the runner)
        self.service = service
        self.ledger = PostLedger(service.store)
        self.state = ChatState(service.store)

    async def post(self, channel: str, digest: Digest) -> PostRecord:
        from bot.slack.post import post_daily

        return await post_daily(self.client, self.service, self.ledger, self.state, channel,
                                digest.day, digest.language, digest=digest)

    async def note(self, channel: str, day: date, language: str, text: str) -> PostRecord:
        from slack_sdk.errors import SlackApiError

        async def send() -> str:
            resp = await self.client.chat_postMessage(
                channel=channel, text=text,
                metadata={"event_type": NOTE_EVENT_TYPE,
                          "event_payload": {"day": day.isoformat(), "language": language}})
            return resp["ts"]

        def failure(err: Exception) -> str | None:
            return str(err.response.get("error") or "error") if isinstance(err, SlackApiError) else None

        return await post_note(self.ledger, self.platform, channel, day, language,
                               find=lambda: self._find_note(channel, day), send=send, failure=failure)

    async def _find_note(self, channel: str, day: date) -> str:
        resp = await self.client.conversations_history(channel=channel, include_all_metadata=True,
                                                       limit=NOTE_HISTORY)
        for message in resp.get("messages") or []:
            meta = message.get("metadata") or {}
            if meta.get("event_type") == NOTE_EVENT_TYPE and \
                    (meta.get("event_payload") or {}).get("day") == day.isoformat():
                return message["ts"]
        return ""

    async def ping(self, channel: str, day: date, language: str, thread_id: str, matches):
        """The follow ping in the day's thread: ``<@U…>`` mentions, marked with metadata."""
        from bot.core.pings import post_ping
        from bot.slack.mrkdwn import link
        from digest.follows.ping import ping_parts
        from digest.follows.store import PingLedger

        parts = ping_parts(language, day, matches,
                           lambda u: f"<@{u}>" if _USER_ID.fullmatch(u) else None,
                           lambda p: f"• {link(p.link, p.title)}", PING_LIMIT)

        async def find() -> set[int]:
            resp = await self.client.conversations_replies(channel=channel, ts=thread_id,
                                                           include_all_metadata=True, limit=200)
            return {int((m.get("metadata") or {}).get("event_payload", {}).get("part", -1))
                    for m in resp.get("messages") or []
                    if (m.get("metadata") or {}).get("event_type") == PING_EVENT_TYPE
                    and m["metadata"].get("event_payload", {}).get("day") == day.isoformat()}

        async def send(i: int, users: list[str], text: str) -> str:
            resp = await self.client.chat_postMessage(
                channel=channel, thread_ts=thread_id, text=text, unfurl_links=False,
                metadata={"event_type": PING_EVENT_TYPE,
                          "event_payload": {"day": day.isoformat(), "part": i}})
            return resp["ts"]

        return await post_ping(PingLedger(self.service.store), self.platform, channel, day, parts,
                               find=find, send=send)
