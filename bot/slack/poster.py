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

    async def week(self, channel: str, end: date, language: str, text: str, chart: bytes) -> PostRecord:
        """The weekly post (``bot.core.weekly``): the week ending ``end``, once."""
        return await post_week(self, channel, end, language, text, chart)

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


WEEK_EVENT_TYPE = "weekly_digest"  # marker of a weekly post (persisted: never change it)


async def post_week(poster: SlackPoster, channel: str, end: date, language: str, text: str,
                    chart: bytes) -> PostRecord:
    """The week ending ``end`` in ``channel`` once (``week_posts`` ledger): the text as a top-level
    message marked with metadata, then the chart in its thread. The record says ``thread in
    progress`` between the two, so a crash there resumes with the chart, never a second post."""
    import asyncio

    from slack_sdk.errors import SlackApiError

    from digest.deliver.ledger import INCOMPLETE_DETAILS, POSTED, WEEK_POSTS, is_complete

    ledger = PostLedger(poster.service.store, WEEK_POSTS)
    client, platform = poster.client, poster.platform
    filename = f"week_{end.isoformat()}.png"

    async def find() -> str:
        resp = await client.conversations_history(channel=channel, include_all_metadata=True,
                                                  limit=NOTE_HISTORY)
        for message in resp.get("messages") or []:
            meta = message.get("metadata") or {}
            if meta.get("event_type") == WEEK_EVENT_TYPE and \
                    (meta.get("event_payload") or {}).get("end") == end.isoformat():
                return message["ts"]
        return ""

    async def chart_shared(ts: str) -> bool:
        resp = await client.conversations_replies(channel=channel, ts=ts, limit=200)
        return any(f.get("name") == filename for m in resp.get("messages") or []
                   for f in m.get("files") or [])

    record = await asyncio.to_thread(ledger.get, platform, channel, end)
    if is_complete(record):
        return record
    ts = record.message_id if record is not None and record.state == POSTED else ""
    if not ts and record is not None:  # pending or failed: it may have gone out before a crash
        ts = await find()
    if not ts:
        await asyncio.to_thread(ledger.mark_pending, platform, channel, end, language)
        try:
            resp = await client.chat_postMessage(
                channel=channel, text=text, unfurl_links=False,
                metadata={"event_type": WEEK_EVENT_TYPE,
                          "event_payload": {"end": end.isoformat(), "language": language}})
        except SlackApiError as err:
            await asyncio.to_thread(ledger.mark_failed, platform, channel, end, language,
                                    str(err.response.get("error") or "error"))
            raise
        ts = resp["ts"]
    await asyncio.to_thread(ledger.mark_posted, platform, channel, end, language, ts, ts,
                            INCOMPLETE_DETAILS[0])
    if chart and not await chart_shared(ts):
        await client.files_upload_v2(channel=channel, thread_ts=ts, content=chart, filename=filename,
                                     title=filename, alt_txt=text.splitlines()[0].strip("*"))
    await asyncio.to_thread(ledger.mark_posted, platform, channel, end, language, ts, ts, "")
    return await asyncio.to_thread(ledger.get, platform, channel, end)
