"""HTTP mode refuses junk with the right status and one short log line (issue 11 rows 7 and 8).

Real bolt behind the real aiohttp server, requests over 127.0.0.1 from aiohttp's client. Before the
guard, every case here was a 500 with a traceback in the log, and a refused 900 KB body was logged
in full.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from urllib.parse import urlencode

import aiohttp
import pytest
from slack_helpers import SECRET, signed_headers

from bot.slack.guard import MAX_BODY

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


async def post(url: str, body: bytes, headers: dict) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session:
        async with session.post(url, data=body, headers=headers) as resp:
            return resp.status, await resp.text()


def signed(body: bytes, content_type: str) -> dict:
    """Headers signed over the raw bytes (what a holder of the signing secret could send)."""
    ts = str(int(time.time()))
    mac = hmac.new(SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={mac}"}


def unsigned(content_type: str) -> dict:
    return {"Content-Type": content_type}



CASES = [
    ("unsigned {bad", b"{bad", lambda b: unsigned(JSON), 401),
    ("unsigned payload={bad", b"payload={bad", lambda b: unsigned(FORM), 401),
    ("unsigned non-UTF-8", b"\xff\xfe{\x00", lambda b: unsigned(JSON), 401),
    ("non-numeric timestamp", b"{}", lambda b: {"Content-Type": JSON, "X-Slack-Request-Timestamp": "abc",
                                               "X-Slack-Signature": "v0=00"}, 401),
    ("stale signature", b"{}", lambda b: signed_headers(b.decode(), JSON, ts=int(time.time()) - 3600), 401),
    ("wrong secret", b"{}", lambda b: signed_headers(b.decode(), JSON, secret="other"), 401),
    ("signed event null", json.dumps({"type": "event_callback", "event_id": "Ev1", "event": None}).encode(),
     lambda b: signed(b, JSON), 400),
    ("signed {bad", b"{bad", lambda b: signed(b, JSON), 400),
    ("signed payload={bad", b"payload={bad", lambda b: signed(b, FORM), 400),
    ("signed non-UTF-8", b"\xff\xfe{\x00", lambda b: signed(b, JSON), 400),
    ("signed JSON list", b"[1, 2]", lambda b: signed(b, JSON), 400),
    ("signed payload list", urlencode({"payload": "[null]"}).encode(), lambda b: signed(b, FORM), 400),
    ("signed action without user", urlencode({"payload": json.dumps(
        {"type": "block_actions", "user": 7, "actions": [None]})}).encode(), lambda b: signed(b, FORM), 400),
]


@pytest.mark.parametrize("name, body, headers, status", CASES, ids=[c[0] for c in CASES])
async def test_junk_gets_its_status_and_one_log_line_without_traceback(slack, caplog, name, body,
                                                                       headers, status):
    caplog.set_level(logging.DEBUG)
    got, text = await post(slack.endpoint, body, headers(body))
    assert got == status, text
    records = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert len(records) == 1, [r.getMessage() for r in records]
    [record] = records
    assert record.exc_info is None and "Traceback" not in caplog.text
    assert str(status) in record.getMessage() or "refused" in record.getMessage()
    assert len(record.getMessage()) < 300


async def test_refused_big_bodies_are_not_logged(slack, caplog):
    """20 unsigned 900 KB bodies: 20 short lines, not 18 MB of log."""
    caplog.set_level(logging.DEBUG)
    body = json.dumps({"type": "event_callback", "event": {"type": "message", "text": "x" * 900_000}}).encode()
    for _ in range(20):
        status, _ = await post(slack.endpoint, body, unsigned(JSON))
        assert status == 401
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 20 and all(len(line) < 300 for line in lines)
    assert len(caplog.text) < 10_000


async def test_bodies_over_one_megabyte_get_413(slack, caplog):
    caplog.set_level(logging.DEBUG)
    body = b"a=" + b"x" * MAX_BODY
    for headers in (unsigned(FORM), signed(body, FORM)):
        status, text = await post(slack.endpoint, body, headers)
        assert status == 413, text
    assert len(caplog.records) == 2 and len(caplog.text) < 1_000


async def test_a_signed_command_still_passes_the_guard(slack, fake, digest):
    sent = await slack.command("help")
    assert sent.status == 200
