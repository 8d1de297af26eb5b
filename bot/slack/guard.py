"""HTTP mode's front door: what reaches bolt has been read, size-checked, signed and parsed.

bolt's own aiohttp handler reads any body, parses it *before* checking the signature (``{bad``
from anyone is a 500 with a traceback), logs every refused body in full (a 900 KB body is a
900 KB log line) and crashes on signed junk such as ``{"type": "event_callback", "event": null}``.
This handler answers, before bolt sees anything:

* 413 for a body over ``MAX_BODY`` bytes (Slack's payloads are a few KB);
* 401 for a missing, non-numeric or stale timestamp, or a signature that does not match;
* 400 for a correctly signed body that is not what Slack sends (not UTF-8, not JSON/form, an
  event that is not an object) — or that bolt still cannot read;

each with one short log line (status, reason, size, peer) and never the body or a traceback.
bolt still verifies the signature again and routes what passes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.request.internals import parse_body
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # Slack's largest payloads (view submissions) are tens of KB
MAX_SKEW = 5 * 60  # seconds; Slack's own rule for X-Slack-Request-Timestamp


class Refused(Exception):
    """A request answered with ``status`` before bolt; ``reason`` is logged, never the body."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def verify(secret: str, raw: bytes, timestamp: str, signature: str, now: float | None = None) -> None:
    """Raise ``Refused(401)`` unless ``raw`` carries Slack's signature for ``secret``."""
    if not signature:
        raise Refused(401, "unsigned")
    if not secret:
        raise Refused(401, "no SLACK_SIGNING_SECRET to check the signature with")
    if not timestamp.isdigit():
        raise Refused(401, "timestamp not a number")
    if abs((time.time() if now is None else now) - int(timestamp)) > MAX_SKEW:
        raise Refused(401, "stale timestamp")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None:
        ok = SignatureVerifier(secret).is_valid(text, timestamp, signature)
    else:  # slack_sdk decodes as UTF-8 first; the signature is over the bytes all the same
        digest = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + raw, hashlib.sha256)
        ok = hmac.compare_digest(f"v0={digest.hexdigest()}", signature)
    if not ok:
        raise Refused(401, "bad signature")


def parse(raw: bytes, content_type: str | None) -> tuple[str, dict[str, Any]]:
    """The body as text and as bolt will read it; ``Refused(400)`` where it is not Slack's shape."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "body is not UTF-8") from None
    try:
        body = parse_body(text, content_type)
    except ValueError as err:  # json.JSONDecodeError is a ValueError
        raise Refused(400, f"body is not JSON or a form ({type(err).__name__})") from None
    if not isinstance(body, dict):
        raise Refused(400, f"body is a JSON {type(body).__name__}, not an object")
    if body.get("type") == "event_callback" and not isinstance(body.get("event"), dict):
        raise Refused(400, "event_callback without an event object")
    for key in ("event", "team", "user", "channel", "enterprise", "container", "view"):
        if key in body and body[key] is not None and not isinstance(body[key], (dict, str)):
            raise Refused(400, f"{key!r} is a {type(body[key]).__name__}")
    if "actions" in body and not isinstance(body["actions"], list):
        raise Refused(400, "'actions' is not a list")
    return text, body


def handler(app: AsyncApp, secret: str):
    """The aiohttp POST handler that guards ``app`` (see the module docstring)."""

    async def handle(request: web.Request) -> web.Response:
        size = request.content_length
        try:
            if size is not None and size > MAX_BODY:
                raise Refused(413, f"body over {MAX_BODY} bytes")
            try:
                raw = await request.read()
            except web.HTTPRequestEntityTooLarge:
                raise Refused(413, f"body over {MAX_BODY} bytes") from None
            size = len(raw)
            verify(secret, raw, request.headers.get("X-Slack-Request-Timestamp", "").strip(),
                   request.headers.get("X-Slack-Signature", "").strip())
            text, _ = parse(raw, request.content_type)
            bolt_request = AsyncBoltRequest(body=text, query=request.query_string,
                                            headers=request.headers)  # type: ignore[arg-type]
            try:
                response = await app.async_dispatch(bolt_request)
            except Exception as err:  # noqa: BLE001 - bolt could not read a signed body
                raise Refused(400, f"bolt could not read it ({type(err).__name__}: {str(err)[:120]})") \
                    from None
            return await to_aiohttp_response(response)
        except Refused as refused:
            log.warning("Slack HTTP: refused %s %s: %s (%s bytes from %s)", request.method,
                        request.path, refused.reason, "?" if size is None else size, request.remote)
            body = json.dumps({"error": _ERRORS.get(refused.status, "invalid request")})
            return web.Response(status=refused.status, text=body, content_type="application/json")

    return handle


_ERRORS = {401: "invalid request", 400: "bad request", 413: "request body too large"}


def web_app(app: AsyncApp, secret: str, path: str) -> web.Application:
    """An aiohttp application with the guarded POST ``path`` (bodies capped at ``MAX_BODY``)."""
    application = web.Application(client_max_size=MAX_BODY)
    application.router.add_post(path, handler(app, secret))
    return application
