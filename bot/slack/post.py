"""The daily post to a Slack channel, exactly once per (channel, day).

Order of writes (see docs/slack.md, "Exactly-once posting"):

1. ledger ``pending`` BEFORE anything is posted;
2. the top-level message, carrying ``metadata`` ``{event_type: "daily_digest",
   event_payload: {day, language}}`` as a marker that ``conversations.history`` can find again;
3. ledger ``posted`` with the message ts, and the thread linked to the day (questions there are
   answered from that digest);
4. in the thread: the chart (``files_upload_v2``), then one reply per category, each marked
   ``daily_digest_section`` ``{day, language, category, part}``;
5. ledger ``posted`` with detail ``complete``.

A run that finds ``pending`` (a crash between Slack's "ok" and our write) looks for the marker
before posting again; one that finds ``posted`` but not ``complete`` posts only the thread
replies that the thread does not hold yet. Every failed call is logged with Slack's error code
and retried once; a post that still fails is recorded ``failed`` and raised, never dropped.

An error may come AFTER Slack stored the message (``internal_error``, ``request_timeout``, an
HTTP 5xx, a dropped connection): every error except the clearly-not-sent codes of ``NOT_SENT`` is
"ambiguous", and the marker is looked for before an ambiguous post is retried. Where the channel's
history cannot be read to check, nothing is posted blindly: the day is recorded ``failed`` with
the error code and ``PostError`` raised, for a human to look at.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import date

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import blocks
from bot.slack.client import error_code
from digest.store.chat_state import ChatState
from digest.errors import DigestError
from digest.models import Digest
from digest.deliver.ledger import FAILED, PENDING, POSTED, PostLedger, PostRecord
from digest.present.markdown import chart_filename

log = logging.getLogger(__name__)

PLATFORM = "slack"
EVENT_TYPE = "daily_digest"
SECTION_EVENT_TYPE = "daily_digest_section"
COMPLETE = "complete"
CHART_KEY = "chart"
RETRY_DELAY = 2.0  # seconds before the one retry of a failed call
HISTORY_SCAN = 400  # messages of the channel searched for a marker
RESUMABLE = "thread in progress"  # detail of a ``posted`` record whose thread is not finished
#: error codes that say Slack did NOT store the message; any other error may come after it did
NOT_SENT = frozenset({
    "not_in_channel", "channel_not_found", "is_archived", "ratelimited", "invalid_auth",
    "not_authed", "missing_scope", "msg_too_long", "invalid_blocks", "no_text",
    "invalid_blocks_format", "msg_blocks_too_long", "token_revoked", "account_inactive",
    "invalid_arguments", "not_allowed_token_type", "restricted_action",
})
NETWORK_ERRORS = (aiohttp.ClientError, asyncio.TimeoutError, OSError)


class PostError(DigestError):
    """A Web API call that failed twice; ``code`` is Slack's error code."""

    def __init__(self, what: str, code: str):
        super().__init__(f"{what} failed: {code}")
        self.what = what
        self.code = code


async def call_with_retry(what: str, call: Callable[[], Awaitable],
                          before_retry: Callable[[str, bool], Awaitable[object]] | None = None):
    """``await call()``; on failure log Slack's error code and retry once.

    ``before_retry(code, ambiguous)`` runs before the retry; a truthy result is returned instead
    of retrying (used to find a message that a failed call may have posted after all). An error is
    ``ambiguous`` (the message may be out) unless its code is in ``NOT_SENT``; ``before_retry`` may
    raise ``PostError`` to give up instead of retrying blindly.
    """
    for attempt in (1, 2):
        try:
            return await call()
        except SlackApiError as err:  # internal_error, http_5xx... may come after the post
            code = error_code(err)
            ambiguous = code not in NOT_SENT
        except NETWORK_ERRORS as err:  # maybe it went through
            code, ambiguous = error_code(err), True
        if attempt == 2:
            log.error("%s failed again (%s): giving up", what, code)
            raise PostError(what, code)
        log.warning("%s failed (%s): retrying once", what, code)
        if before_retry is not None:
            found = await before_retry(code, ambiguous)
            if found:
                log.info("%s: found it posted after all", what)
                return found
        await asyncio.sleep(RETRY_DELAY)


def marker(digest: Digest) -> dict:
    return {"event_type": EVENT_TYPE,
            "event_payload": {"day": digest.day.isoformat(), "language": digest.language}}


def section_marker(digest: Digest, category: str, part: int) -> dict:
    return {"event_type": SECTION_EVENT_TYPE,
            "event_payload": {"day": digest.day.isoformat(), "language": digest.language,
                              "category": category, "part": part}}


def _matches(message: dict, event_type: str, day: date, language: str) -> dict | None:
    meta = message.get("metadata") or {}
    payload = meta.get("event_payload") or {}
    if meta.get("event_type") == event_type and payload.get("day") == day.isoformat() \
            and payload.get("language", language) == language:
        return payload
    return None


async def find_marker(client: AsyncWebClient, channel: str, day: date, language: str) -> str:
    """The ts of this day's top-level digest message in ``channel``, or "" if there is none."""
    cursor, seen = None, 0
    while seen < HISTORY_SCAN:
        resp = await client.conversations_history(channel=channel, include_all_metadata=True,
                                                  limit=200, cursor=cursor)
        messages = resp.get("messages") or []
        for message in messages:
            if _matches(message, EVENT_TYPE, day, language) is not None:
                return message["ts"]
        seen += len(messages)
        cursor = (resp.get("response_metadata") or {}).get("next_cursor")
        if not cursor or not messages:
            break
    return ""


async def thread_markers(client: AsyncWebClient, channel: str, ts: str, digest: Digest) -> set[str]:
    """What the digest thread already holds: ``"chart"`` and ``"<category>#<part>"`` keys."""
    found: set[str] = set()
    filename = chart_filename(digest.day)
    cursor = None
    for _ in range(20):
        resp = await client.conversations_replies(channel=channel, ts=ts, include_all_metadata=True,
                                                  limit=200, cursor=cursor)
        for message in resp.get("messages") or []:
            payload = _matches(message, SECTION_EVENT_TYPE, digest.day, digest.language)
            if payload is not None:
                found.add(f"{payload.get('category')}#{payload.get('part', 0)}")
            if any(f.get("name") == filename for f in message.get("files") or []):
                found.add(CHART_KEY)
        cursor = (resp.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            break
    return found


async def _join_if_needed(client: AsyncWebClient, channel: str, code: str) -> None:
    if code != "not_in_channel":
        return
    try:
        await client.conversations_join(channel=channel)
        log.info("joined %s to post there", channel)
    except SlackApiError as err:
        log.error("cannot join %s (%s): invite the app with /invite", channel, error_code(err))


async def post_top(client: AsyncWebClient, channel: str, digest: Digest, site_url: str | None = None) -> str:
    """Post the top-level message; returns its ts."""
    payload = blocks.daily_post(digest, site_url)

    async def call():
        resp = await client.chat_postMessage(channel=channel, metadata=marker(digest),
                                             unfurl_links=False, unfurl_media=False,
                                             **payload.kwargs())
        return resp["ts"]

    what = f"daily post of {digest.day} to {channel}"

    async def before_retry(code: str, ambiguous: bool):
        await _join_if_needed(client, channel, code)
        if ambiguous:  # it may be out: never post again without checking
            try:
                return await find_marker(client, channel, digest.day, digest.language)
            except (SlackApiError, *NETWORK_ERRORS) as err:
                log.error("%s failed (%s) and %s history cannot be read to check whether it went "
                          "out (%s): not posting again blindly", what, code, channel, error_code(err))
                raise PostError(what, f"{code}; unverified: {error_code(err)}") from err
        return None

    return await call_with_retry(what, call, before_retry)


async def post_thread(client: AsyncWebClient, channel: str, ts: str, digest: Digest,
                      existing: set[str] = frozenset()) -> list[str]:
    """The chart and one reply per category in the thread ``ts``; skips what ``existing`` holds.
    Returns what failed (after its retry), e.g. ``["chart (not_allowed)"]``."""
    failures: list[str] = []

    def recheck(key: str):
        async def before_retry(code: str, ambiguous: bool):
            await _join_if_needed(client, channel, code)
            if ambiguous:
                try:
                    return key in await thread_markers(client, channel, ts, digest)
                except (SlackApiError, *NETWORK_ERRORS):
                    return False
            return False
        return before_retry

    if digest.chart_png and CHART_KEY not in existing:
        try:
            await call_with_retry(
                f"chart of {digest.day} to {channel}",
                lambda: client.files_upload_v2(
                    channel=channel, thread_ts=ts, content=digest.chart_png,
                    filename=chart_filename(digest.day), title=blocks.chart_title(digest),
                    alt_txt=blocks.chart_title(digest)),
                recheck(CHART_KEY))
        except PostError as err:
            failures.append(f"chart ({err.code})")
    failed: set[str] = set()
    for category, part, payload in blocks.thread_messages(digest):
        key = f"{category}#{part}"
        if key in existing or category in failed:
            continue
        try:
            await call_with_retry(
                f"{category} of {digest.day} to {channel}",
                lambda payload=payload, category=category, part=part: client.chat_postMessage(
                    channel=channel, thread_ts=ts,
                    metadata=section_marker(digest, category, part),
                    unfurl_links=False, unfurl_media=False, **payload.kwargs()),
                recheck(key))
        except PostError as err:
            failures.append(f"{category} ({err.code})")
            failed.add(category)  # its later parts would read out of order: the next run
    return failures


def _resumable(record: PostRecord) -> bool:
    """A ``posted`` record whose digest thread is unfinished (or done): its ts is our digest."""
    return record.detail in (RESUMABLE, COMPLETE) or record.detail.startswith("failed")


async def post_daily(client: AsyncWebClient, service, ledger: PostLedger, state: ChatState,
                     channel: str, day: date, language: str | None = None, force: bool = False,
                     *, digest: Digest | None = None) -> PostRecord:
    """Post the digest of ``day`` to ``channel`` once (again with ``force``); see the module doc.

    Builds the digest if it is not stored yet (``NoPapersError`` etc. propagate). Returns the
    ledger record: state ``posted`` (detail ``complete``, or what failed in the thread), or
    raises ``PostError`` after recording ``failed`` when the top-level message cannot be posted.
    """
    language = language or (digest.language if digest else service.settings.digest_language)
    record = await asyncio.to_thread(ledger.get, PLATFORM, channel, day)
    if record is not None and force:
        await asyncio.to_thread(ledger.forget, PLATFORM, channel, day)
        record = None
    if record is not None and record.state == POSTED and record.detail == COMPLETE:
        log.info("digest of %s already posted to %s (ts %s)", day, channel, record.message_id)
        return record
    if digest is None:
        digest = await asyncio.to_thread(service.get_digest, day, language, True)

    if record is not None and record.state == POSTED and not _resumable(record):
        # e.g. a "no papers" note (detail "note" / "no papers"): its message is no digest thread
        log.info("%s of %s in %s is %r, not a digest thread: posting the digest", record.state, day,
                 channel, record.detail)
        await asyncio.to_thread(ledger.forget, PLATFORM, channel, day)
        record = None
    ts = record.message_id if record is not None and record.state == POSTED else ""
    resuming = bool(ts)
    if not ts and record is not None and record.state in (PENDING, FAILED):
        try:
            ts = await find_marker(client, channel, day, digest.language)
        except (SlackApiError, *NETWORK_ERRORS) as err:
            code = error_code(err)
            log.error("cannot read %s history to check whether the %s post of %s went out (%s): "
                      "not posting again blindly; fix the access (or check the channel) and run "
                      "again", channel, record.state, day, code)
            await asyncio.to_thread(ledger.mark_failed, PLATFORM, channel, day, digest.language,
                                    code)
            raise PostError(f"reconciling the daily post of {day} to {channel}", code) from err
        if ts:
            log.info("reconciled the %s post of %s to %s: it went out (ts %s)", record.state, day,
                     channel, ts)
            resuming = True
    if not ts:
        await asyncio.to_thread(ledger.mark_pending, PLATFORM, channel, day, digest.language)
        try:
            ts = await post_top(client, channel, digest, service.settings.digest_site_url)
        except PostError as err:
            await asyncio.to_thread(ledger.mark_failed, PLATFORM, channel, day, digest.language,
                                    err.code)
            raise
    await asyncio.to_thread(ledger.mark_posted, PLATFORM, channel, day, digest.language, ts, ts,
                            RESUMABLE)
    await asyncio.to_thread(state.link_thread, PLATFORM, channel, ts, digest.day, digest.language)

    existing: set[str] = set()
    if resuming:
        try:
            existing = await thread_markers(client, channel, ts, digest)
        except SlackApiError as err:
            log.warning("cannot read the thread %s (%s): posting every section", ts, error_code(err))
    failures = await post_thread(client, channel, ts, digest, existing)
    detail = COMPLETE if not failures else "failed: " + "; ".join(failures)
    if failures:
        log.error("digest of %s in %s: %s (run again to post what is missing)", day, channel, detail)
    else:
        log.info("posted the digest of %s to %s (ts %s)", day, channel, ts)
    await asyncio.to_thread(ledger.mark_posted, PLATFORM, channel, day, digest.language, ts, ts, detail)
    return await asyncio.to_thread(ledger.get, PLATFORM, channel, day)
