"""A fake Slack Web API on 127.0.0.1 (ephemeral port), strict where Slack is strict.

It keeps channels, messages (with ``metadata`` and threads) and uploaded files, so that the
real ``slack_sdk`` clients can post, read history back, upload through the two-step
``files_upload_v2`` flow, and get Slack's own errors: ``invalid_blocks`` and
``msg_blocks_too_long`` for payloads over Block Kit limits, ``not_in_channel``, ``invalid_auth``,
scripted failures (``fail``) such as 429 with ``Retry-After``, and failures that come after the
call took effect (``fail_after_store``: an error answer, or a dropped connection). ``/response/...`` is a
``response_url`` sink; ``apps.connections.open`` hands out ``ws_url`` for Socket Mode tests.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

BOT_TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-1-A1-test"
BOT_USER = "UBOT"
BOT_ID = "BBOT"

MAX_BLOCKS = 50
SECTION_TEXT = 3000
HEADER_TEXT = 150
DROP = object()  # _api result: close the connection without answering
BLOCKS_JSON = 13_000  # beyond this Slack answers msg_blocks_too_long (approximately)


@dataclass
class Call:
    method: str  # "chat.postMessage", "upload", "response"...
    path: str
    headers: dict
    body: dict
    at: float = field(default_factory=time.monotonic)


def _truthy(v) -> bool:
    return v in (True, 1) or str(v).lower() in ("true", "1")


def check_blocks(blocks) -> str | None:
    """Slack's error code for a blocks array it would refuse, or None."""
    if not isinstance(blocks, list):
        return "invalid_blocks_format"
    if len(blocks) > MAX_BLOCKS:
        return "invalid_blocks"
    if len(json.dumps(blocks, ensure_ascii=False)) > BLOCKS_JSON:
        return "msg_blocks_too_long"
    for b in blocks:
        kind = b.get("type")
        if kind == "section" and len((b.get("text") or {}).get("text", "")) > SECTION_TEXT:
            return "invalid_blocks"
        if kind == "header" and not 0 < len(b["text"]["text"]) <= HEADER_TEXT:
            return "invalid_blocks"
        if kind == "context" and not 0 < len(b.get("elements", [])) <= 10:
            return "invalid_blocks"
        if kind == "section" and not (b.get("text") or {}).get("text"):
            return "invalid_blocks"
    return None


class FakeSlack:
    def __init__(self):
        self.calls: list[Call] = []
        self.channels: dict[str, list[dict]] = {}
        self.not_member: set[str] = set()  # chat.postMessage -> not_in_channel until joined
        self.files: dict[str, dict] = {}
        self.responses: list[Call] = []
        self.failures: dict[str, list[tuple[int, dict, dict]]] = {}
        self.after_store: dict[str, list] = {}  # answered after the call took effect
        self.ws_url = ""
        self.admins: set[str] = set()  # users.info says is_admin for these
        self.lock = threading.RLock()
        self._ts = 1_700_000_000_000_100
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                self._handle()

            def do_POST(self):
                self._handle()

            def _handle(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                url = urlparse(self.path)
                body: dict = {k: v[0] for k, v in parse_qs(url.query).items()}
                ctype = self.headers.get("Content-Type", "")
                if url.path.startswith("/upload/"):
                    return self._reply(*outer._upload(url.path, raw, dict(self.headers)), text=True)
                text = raw.decode("utf-8", "replace")
                if "json" in ctype and text:
                    body.update(json.loads(text))
                elif text:
                    body.update({k: v[0] for k, v in parse_qs(text).items()})
                if url.path.startswith("/response/"):
                    with outer.lock:
                        call = Call("response", url.path, dict(self.headers), body)
                        outer.calls.append(call)
                        outer.responses.append(call)
                    return self._reply(200, "ok", {}, text=True)
                method = url.path.removeprefix("/api/")
                result = outer._api(method, url.path, dict(self.headers), body)
                if result is DROP:  # the work is done, the answer never comes
                    self.close_connection = True
                    return
                self._reply(*result)

            def _reply(self, status, obj, headers, text=False):
                data = (obj if isinstance(obj, str) else json.dumps(obj)).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain" if text else "application/json; charset=utf-8")
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.api_url = f"{self.url}/api/"
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    # --- lifecycle ------------------------------------------------------------------------
    def start(self) -> FakeSlack:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def response_url(self, key: str = "cmd") -> str:
        return f"{self.url}/response/{key}"

    # --- scripting ------------------------------------------------------------------------
    def fail(self, method: str, error: str = "internal_error", status: int = 200, times: int = 1,
             headers: dict | None = None) -> None:
        """The next ``times`` calls of ``method`` answer ``{"ok": false, "error": error}``."""
        with self.lock:
            self.failures.setdefault(method, []).extend(
                [(status, {"ok": False, "error": error}, headers or {})] * times)

    def fail_after_store(self, method: str, error: str = "internal_error", status: int = 200,
                         times: int = 1, drop: bool = False) -> None:
        """The next ``times`` calls of ``method`` take effect (the message IS stored), then answer
        ``{"ok": false, "error": error}`` with ``status``, or with ``drop`` close the connection."""
        with self.lock:
            self.after_store.setdefault(method, []).extend(
                [DROP if drop else (status, {"ok": False, "error": error}, {})] * times)

    def add_message(self, channel: str, text: str, metadata: dict | None = None,
                    thread_ts: str | None = None, user: str = "U42") -> str:
        with self.lock:
            ts = self._next_ts()
            msg = {"type": "message", "ts": ts, "text": text, "user": user}
            if metadata:
                msg["metadata"] = metadata
            if thread_ts:
                msg["thread_ts"] = thread_ts
            self.channels.setdefault(channel, []).append(msg)
            return ts

    # --- queries for assertions ---------------------------------------------------------------
    def api_calls(self, method: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.method == method]

    def posts(self, channel: str | None = None) -> list[dict]:
        """Bodies of successful chat.postMessage calls (the messages as stored)."""
        with self.lock:
            return [m for ch, msgs in self.channels.items() if channel in (None, ch)
                    for m in msgs if m.get("via") == "chat.postMessage"]

    def top_level(self, channel: str) -> list[dict]:
        with self.lock:
            return [m for m in self.channels.get(channel, []) if m.get("thread_ts") in (None, m["ts"])]

    def replies(self, channel: str, ts: str) -> list[dict]:
        with self.lock:
            return [m for m in self.channels.get(channel, []) if m.get("thread_ts") == ts and m["ts"] != ts]

    async def until(self, predicate, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError("fake Slack: condition not met in time")
            await asyncio.sleep(0.01)

    # --- the API --------------------------------------------------------------------------
    def _next_ts(self) -> str:
        self._ts += 100
        return f"{self._ts // 1_000_000}.{self._ts % 1_000_000:06d}"

    def _api(self, method: str, path: str, headers: dict, body: dict):
        with self.lock:
            self.calls.append(Call(method, path, headers, body))
            queued = self.failures.get(method)
            if queued:
                return queued.pop(0)
            auth = headers.get("Authorization", "")
            expected = APP_TOKEN if method == "apps.connections.open" else BOT_TOKEN
            if auth != f"Bearer {expected}" and body.get("token") != expected:
                return 200, {"ok": False, "error": "invalid_auth"}, {}
            handler = getattr(self, "_" + method.replace(".", "_"), None)
            if handler is None:
                return 200, {"ok": False, "error": "unknown_method"}, {}
            result = handler(body)
            after = self.after_store.get(method)
            if after and result.get("ok"):
                return after.pop(0)
            return 200, result, {}

    def _auth_test(self, body):
        return {"ok": True, "team_id": "T1", "team": "Team", "user_id": BOT_USER, "user": "digestbot",
                "bot_id": BOT_ID, "url": "https://team.slack.com/"}

    def _users_info(self, body):
        user = body.get("user")
        return {"ok": True, "user": {"id": user, "name": user, "is_admin": user in self.admins,
                                     "is_owner": False, "is_bot": False}}

    def _apps_connections_open(self, body):
        return {"ok": True, "url": self.ws_url}

    def _conversations_join(self, body):
        self.not_member.discard(body.get("channel"))
        return {"ok": True, "channel": {"id": body.get("channel")}}

    def _chat_postMessage(self, body):
        channel = body.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if channel in self.not_member:
            return {"ok": False, "error": "not_in_channel"}
        blocks = body.get("blocks")
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        if not body.get("text") and not blocks:
            return {"ok": False, "error": "no_text"}
        if len(body.get("text") or "") > 40_000:
            return {"ok": False, "error": "msg_too_long"}
        if blocks is not None and (problem := check_blocks(blocks)):
            return {"ok": False, "error": problem}
        metadata = body.get("metadata")
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        ts = self._next_ts()
        msg = {"type": "message", "ts": ts, "text": body.get("text", ""), "user": BOT_USER,
               "bot_id": BOT_ID, "app_id": "A1", "via": "chat.postMessage"}
        if blocks:
            msg["blocks"] = blocks
        if metadata:
            msg["metadata"] = metadata
        if body.get("thread_ts"):
            msg["thread_ts"] = body["thread_ts"]
        self.channels.setdefault(channel, []).append(msg)
        return {"ok": True, "channel": channel, "ts": ts, "message": {k: v for k, v in msg.items() if k != "via"}}

    def _visible(self, msg: dict, with_metadata: bool) -> dict:
        out = {k: v for k, v in msg.items() if k not in ("via",)}
        if not with_metadata:
            out.pop("metadata", None)
        return out

    def _page(self, messages: list[dict], body: dict, with_metadata: bool) -> dict:
        limit = int(body.get("limit") or 100)
        start = int(body.get("cursor") or 0)
        page = messages[start:start + limit]
        nxt = str(start + limit) if start + limit < len(messages) else ""
        return {"ok": True, "messages": [self._visible(m, with_metadata) for m in page],
                "has_more": bool(nxt), "response_metadata": {"next_cursor": nxt}}

    def _conversations_history(self, body):
        channel = body.get("channel")
        if channel in self.not_member:
            return {"ok": False, "error": "not_in_channel"}
        top = [m for m in self.channels.get(channel, []) if m.get("thread_ts") in (None, m["ts"])]
        return self._page(list(reversed(top)), body, _truthy(body.get("include_all_metadata")))

    def _conversations_replies(self, body):
        channel, ts = body.get("channel"), body.get("ts")
        msgs = [m for m in self.channels.get(channel, []) if m["ts"] == ts or m.get("thread_ts") == ts]
        if not msgs:
            return {"ok": False, "error": "thread_not_found"}
        return self._page(msgs, body, _truthy(body.get("include_all_metadata")))

    def _files_getUploadURLExternal(self, body):
        fid = f"F{len(self.files) + 1:04d}"
        self.files[fid] = {"id": fid, "name": body.get("filename"), "length": int(body.get("length", 0)),
                           "alt_txt": body.get("alt_txt"), "content": b"", "shares": []}
        return {"ok": True, "upload_url": f"{self.url}/upload/{fid}", "file_id": fid}

    def _upload(self, path: str, raw: bytes, headers: dict):
        fid = path.rsplit("/", 1)[-1]
        with self.lock:
            self.calls.append(Call("upload", path, headers, {"bytes": len(raw)}))
            if fid not in self.files:
                return 404, "no such upload", {}
            self.files[fid]["content"] = raw
        return 200, f"OK - {len(raw)}", {}

    def _files_completeUploadExternal(self, body):
        files = body.get("files")
        files = json.loads(files) if isinstance(files, str) else files
        channel, thread_ts = body.get("channel_id"), body.get("thread_ts")
        out = []
        for item in files:
            f = self.files.get(item["id"])
            if f is None or len(f["content"]) != f["length"]:
                return {"ok": False, "error": "file_not_found"}
            f["title"] = item.get("title")
            out.append({"id": f["id"], "name": f["name"], "title": f["title"]})
            if channel:
                if channel in self.not_member:
                    return {"ok": False, "error": "not_in_channel"}
                f["shares"].append((channel, thread_ts))
        if channel:
            msg = {"type": "message", "ts": self._next_ts(), "text": body.get("initial_comment", ""),
                   "user": BOT_USER, "files": out, "via": "files.completeUploadExternal"}
            if thread_ts:
                msg["thread_ts"] = thread_ts
            self.channels.setdefault(channel, []).append(msg)
        return {"ok": True, "files": out}
