"""The scheduler's Slack poster: ``bot.slack.post.post_daily`` (marker: message ``metadata``) and
the "no papers" note (marker: metadata of type ``NOTE_EVENT_TYPE``, a persisted value)."""

from __future__ import annotations

from datetime import date

from bot.core.posting import NOTE_HISTORY, post_note
from digest.deliver.ledger import PostLedger, PostRecord
from digest.models import Digest
from digest.store.chat_state import ChatState

NOTE_EVENT_TYPE = "daily_digest_note"


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
