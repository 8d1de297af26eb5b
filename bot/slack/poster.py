"""The scheduler's Slack poster: ``bot.slack.post.post_daily`` (marker: message ``metadata``) and
the "no papers" note (marker: metadata of type ``NOTE_EVENT_TYPE``, a persisted value)."""

from __future__ import annotations

import re
from datetime import date

from bot.core.posting import NOTE_HISTORY, PlatformPoster, post_note
from digest.deliver.ledger import PostLedger, PostRecord
from digest.models import Digest

NOTE_EVENT_TYPE = "daily_digest_note"
PING_EVENT_TYPE = "daily_digest_ping"  # marker of a follow ping's message: {day, part}
PING_LIMIT = 3500  # characters per ping message (Slack allows more; a long one is hard to read)
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,20}")


class SlackPoster(PlatformPoster):
    platform = "slack"  # client: slack_sdk AsyncWebClient (paced by the runner)

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
