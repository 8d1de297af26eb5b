"""A fake Discord REST API (v10) on 127.0.0.1 that keeps state and enforces the limits.

discord.py's real HTTP client talks to it (``discord.http.Route.BASE`` patched). It stores the
messages of each channel and thread, honours ``nonce`` + ``enforce_nonce`` like Discord (a second
message with the same nonce from the same author returns the first), starts threads on messages
(thread id = message id, 160004 the second time), acknowledges each interaction once, lists
messages newest first (<= 100 a page, ``before`` honoured), keeps application commands, and refuses what Discord refuses:
content > 2000, > 10 embeds, title > 256, description > 4096, > 25 fields, field name > 256,
value > 1024, footer > 2048, > 6000 characters across a message's embeds, empty messages,
nonce > 25, thread name > 100, attachments over the size limit, > 25 autocomplete choices.
``rate_limit_next`` answers the next POSTs with 429 + ``retry_after``; ``forbid`` maps a path
substring to a count of 403s; ``refuse(method, path)`` refuses the requests it returns True for.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
from collections import defaultdict

from aiohttp import web

APP_ID = "900000000000000001"
GUILD_ID = "900000000000000002"
CHANNEL_ID = "900000000000000003"
USER_ID = "900000000000000042"
OTHER_BOT_ID = "900000000000000043"
TOKEN = "fake.bot-token.never-logged"
BOT_USER = {"id": APP_ID, "username": "digestbot", "discriminator": "0", "avatar": None, "bot": True,
            "global_name": None}
ATTACHMENT_LIMIT = 10 * 1024 * 1024


def jr(obj, status=200, headers=None):
    # discord.py parses JSON only when Content-Type is exactly "application/json"
    return web.Response(body=json.dumps(obj).encode(), status=status,
                        headers={"Content-Type": "application/json", **(headers or {})})


def error(status, code, message, errors=None):
    body = {"code": code, "message": message}
    if errors:
        body["errors"] = errors
    return jr(body, status=status)


def limit_errors(body: dict, files: list[tuple[str, int]]) -> dict:
    """Discord's checks on a message body; {} when it may be created."""
    errors = {}
    content = body.get("content") or ""
    embeds = body.get("embeds") or []
    if len(content) > 2000:
        errors["content"] = "Must be 2000 or fewer in length."
    if len(embeds) > 10:
        errors["embeds"] = "Must be 10 or fewer in length."
    total = 0
    for i, e in enumerate(embeds):
        title, desc = e.get("title") or "", e.get("description") or ""
        fields = e.get("fields") or []
        footer = (e.get("footer") or {}).get("text") or ""
        author = (e.get("author") or {}).get("name") or ""
        if len(title) > 256:
            errors[f"embeds.{i}.title"] = "Must be 256 or fewer in length."
        if len(desc) > 4096:
            errors[f"embeds.{i}.description"] = "Must be 4096 or fewer in length."
        if len(fields) > 25:
            errors[f"embeds.{i}.fields"] = "Must be 25 or fewer in length."
        for j, f in enumerate(fields):
            if not f.get("name") or len(f["name"]) > 256:
                errors[f"embeds.{i}.fields.{j}.name"] = "Must be between 1 and 256 in length."
            if not f.get("value") or len(f["value"]) > 1024:
                errors[f"embeds.{i}.fields.{j}.value"] = "Must be between 1 and 1024 in length."
        if len(footer) > 2048:
            errors[f"embeds.{i}.footer.text"] = "Must be 2048 or fewer in length."
        total += len(title) + len(desc) + len(footer) + len(author) + \
            sum(len(f.get("name") or "") + len(f.get("value") or "") for f in fields)
    if total > 6000:
        errors["embeds"] = "Embed size exceeds maximum size of 6000"
    if len(str(body.get("nonce") or "")) > 25:
        errors["nonce"] = "Must be 25 or fewer in length."
    if not content and not embeds and not files and not body.get("components"):
        errors["_empty"] = "Cannot send an empty message"
    return errors


class FakeDiscord:
    def __init__(self, attachment_limit: int = ATTACHMENT_LIMIT):
        self.calls: list[tuple[str, str, dict, dict, list]] = []  # method, path, query, body, files
        self.messages: dict[str, list[dict]] = defaultdict(list)  # channel id -> oldest first
        self.channels: dict[str, dict] = {CHANNEL_ID: self._text_channel(CHANNEL_ID)}
        self.commands: dict[str | None, list[dict]] = defaultdict(list)  # guild (None: global)
        self.acknowledged: set[str] = set()  # interaction tokens
        self.interaction_messages: dict[str, list[dict]] = defaultdict(list)  # token -> messages
        self.attachment_limit = attachment_limit
        self.token = TOKEN
        self.rate_limit_next = 0
        self.rate_limited = 0
        self.forbid: dict[str, int] = {}
        self.refuse = None  # optional (method, path) -> bool: answer that request 403
        self._ids = itertools.count(1300000000000000000)

    # --- state helpers for tests ---------------------------------------------------------------
    def next_id(self) -> str:
        return str(next(self._ids))

    @staticmethod
    def _text_channel(cid: str) -> dict:
        return {"id": cid, "type": 0, "guild_id": GUILD_ID, "name": "ai-papers", "position": 0,
                "permission_overwrites": [], "nsfw": False, "parent_id": None}

    def message(self, channel_id: str, body: dict, author: dict = BOT_USER, files=(), mtype: int = 0) -> dict:
        msg = {"id": self.next_id(), "channel_id": channel_id, "author": author,
               "content": body.get("content") or "", "timestamp": "2024-11-24T09:00:00+00:00",
               "edited_timestamp": None, "tts": False, "mention_everyone": False,
               "mentions": body.get("mentions") or [], "mention_roles": [],
               "attachments": [{"id": self.next_id(), "filename": name, "size": size,
                                "url": f"https://cdn.example/{name}", "proxy_url": f"https://cdn.example/{name}"}
                               for name, size in files],
               "embeds": body.get("embeds") or [], "components": body.get("components") or [],
               "pinned": False, "type": mtype, "flags": body.get("flags", 0) or 0}
        if body.get("guild_id") or channel_id in self.channels:
            msg["guild_id"] = GUILD_ID
        self.messages[channel_id].append({**msg, "nonce": body.get("nonce")})
        return msg

    def bot_messages(self, channel_id: str) -> list[dict]:
        return [m for m in self.messages[channel_id] if m["author"]["id"] == APP_ID]

    def threads(self) -> list[dict]:
        return [c for c in self.channels.values() if c["type"] == 11]

    def posts_to(self, path_end: str, method: str = "POST") -> list[tuple]:
        return [c for c in self.calls if c[0] == method and c[1].endswith(path_end)]

    def typed(self) -> list[str]:
        return [c[1].split("/")[2] for c in self.calls if c[1].endswith("/typing")]

    # --- HTTP ---------------------------------------------------------------------------------
    async def _body(self, request) -> tuple[dict, list[tuple[str, int]]]:
        files: list[tuple[str, int]] = []
        if request.content_type.startswith("multipart/"):
            body: dict = {}
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":
                    body = json.loads(await part.text())
                else:
                    data = await part.read()
                    files.append((part.filename, len(data)))
            return body, files
        raw = await request.read()
        return (json.loads(raw) if raw else {}), files

    async def handle(self, request):
        body, files = await self._body(request)
        path = request.path.removeprefix("/api/v10")
        method = request.method
        self.calls.append((method, path, dict(request.query), body, [f[0] for f in files]))
        if self.rate_limit_next and method == "POST":
            self.rate_limit_next -= 1
            self.rate_limited += 1
            return jr({"message": "You are being rate limited.", "retry_after": 0.05, "global": False},
                      status=429, headers={"Retry-After": "1", "X-RateLimit-Scope": "user", "Via": "1.1 google"})
        if self.refuse is not None and self.refuse(method, path):
            return error(403, 50013, "Missing Permissions")
        for fragment, count in list(self.forbid.items()):
            if count and fragment in path and method == "POST":
                self.forbid[fragment] = count - 1
                return error(403, 50013, "Missing Permissions")
        if files and any(size > self.attachment_limit for _, size in files):
            return error(413, 40005, "Request entity too large")
        parts = path.strip("/").split("/")
        if path == "/users/@me":
            if request.headers.get("Authorization") != f"Bot {self.token}":
                return error(401, 0, "401: Unauthorized")
            return jr(BOT_USER)
        if path == "/oauth2/applications/@me":
            return jr({"id": APP_ID, "name": "digest", "icon": None, "description": "", "bot_public": False,
                       "bot_require_code_grant": False, "verify_key": "00", "flags": 0, "owner": BOT_USER,
                       "team": None})
        if parts[0] == "applications":
            return self._commands(method, parts, body)
        if parts[0] == "interactions" and parts[-1] == "callback":
            return self._callback(parts, body, files)
        if parts[0] == "webhooks":
            return self._webhook(method, parts, body, files)
        if parts[0] == "channels":
            return self._channels(method, parts, request.query, body, files)
        return error(404, 0, "404: Not Found")

    # --- endpoints ------------------------------------------------------------------------------
    def _commands(self, method, parts, body):
        guild = parts[3] if len(parts) > 3 and parts[2] == "guilds" else None
        if method == "GET":
            return jr(self.commands[guild])
        if method == "PUT":
            for cmd in body:
                if len(cmd.get("description", "")) > 100 or any(
                        len(o.get("description", "")) > 100 for o in cmd.get("options") or []):
                    return error(400, 50035, "Invalid Form Body", {"description": "Must be 100 or fewer"})
            self.commands[guild] = [{**c, "id": self.next_id(), "application_id": APP_ID, "version": "1",
                                     **({"guild_id": guild} if guild else {})} for c in body]
            return jr(self.commands[guild])
        return error(405, 0, "405: Method Not Allowed")

    def _callback(self, parts, body, files):
        iid, token = parts[1], parts[2]
        if token in self.acknowledged:
            return error(400, 40060, "Interaction has already been acknowledged.")
        kind = body["type"]
        if kind == 8:  # autocomplete result
            choices = (body.get("data") or {}).get("choices") or []
            if len(choices) > 25 or any(len(c["name"]) > 100 or len(str(c["value"])) > 100 for c in choices):
                return error(400, 50035, "Invalid Form Body", {"data.choices": "too many or too long"})
            self.acknowledged.add(token)
            return jr({"interaction": {"id": iid, "type": 4}})
        data = body.get("data") or {}
        if kind == 4 and (errs := limit_errors(data, files)):
            return error(400, 50035, "Invalid Form Body", errs)
        self.acknowledged.add(token)
        if kind in (5, 6):  # deferred
            return jr({"interaction": {"id": iid, "type": 2, "response_message_loading": kind == 5,
                                       "response_message_ephemeral": bool((data.get("flags") or 0) & 64)}})
        msg = self.message(CHANNEL_ID, data, files=files, mtype=20)
        self.interaction_messages[token].append(msg)
        return jr({"interaction": {"id": iid, "type": 2, "response_message_id": msg["id"]},
                   "resource": {"type": kind, "message": msg}})

    def _webhook(self, method, parts, body, files):
        token = parts[2]
        if token not in self.acknowledged:
            return error(404, 10015, "Unknown Webhook")
        if errs := limit_errors(body, files):
            return error(400, 50035, "Invalid Form Body", errs)
        msg = self.message(CHANNEL_ID, body, files=files, mtype=20)
        self.interaction_messages[token].append(msg)
        return jr(msg)

    def _channels(self, method, parts, query, body, files):
        cid = parts[1]
        if cid not in self.channels:
            return error(404, 10003, "Unknown Channel")
        if len(parts) == 2 and method == "GET":
            return jr(self.channels[cid])
        if parts[-1] == "typing":
            return web.Response(status=204)
        if parts[-1] == "messages" and len(parts) == 3:
            if method == "GET":
                limit = min(int(query.get("limit", 50)), 100)  # Discord's page size is 1-100
                newest_first = list(reversed(self.messages[cid]))
                if query.get("before"):  # the page before a message (discord.py paginates so)
                    newest_first = [m for m in newest_first if int(m["id"]) < int(query["before"])]
                newest_first = newest_first[:limit]
                return jr([{k: v for k, v in m.items() if k != "nonce"} for m in newest_first])
            if errs := limit_errors(body, files):
                return error(400, 50035, "Invalid Form Body", errs)
            if body.get("nonce") and body.get("enforce_nonce"):
                for m in self.messages[cid]:
                    if m.get("nonce") == body["nonce"] and m["author"]["id"] == APP_ID:
                        return jr({k: v for k, v in m.items() if k != "nonce"})
            return jr(self.message(cid, body, files=files))
        if len(parts) == 5 and parts[2] == "messages" and parts[4] == "threads":
            mid = parts[3]
            if not any(m["id"] == mid for m in self.messages[cid]):
                return error(404, 10008, "Unknown Message")
            if mid in self.channels:
                return error(400, 160004, "A thread has already been created for this message")
            if not body.get("name") or len(body["name"]) > 100:
                return error(400, 50035, "Invalid Form Body", {"name": "Must be between 1 and 100 in length."})
            thread = {"id": mid, "type": 11, "guild_id": GUILD_ID, "parent_id": cid, "name": body["name"],
                      "owner_id": APP_ID, "message_count": 0, "member_count": 1, "rate_limit_per_user": 0,
                      "thread_metadata": {"archived": False, "locked": False,
                                          "auto_archive_duration": body.get("auto_archive_duration") or 1440,
                                          "archive_timestamp": "2024-11-24T09:00:00+00:00"}}
            self.channels[mid] = thread
            return jr(thread)
        return error(404, 0, "404: Not Found")

    # --- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> "FakeDiscord":
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        self.base = f"http://127.0.0.1:{port}/api/v10"
        return self

    async def stop(self) -> None:
        await self.runner.cleanup()

    async def __aenter__(self):
        return await self.start()

    async def __aexit__(self, *exc):
        await self.stop()

    def serve_in_thread(self):
        """For synchronous tests (``main(argv)`` runs its own event loop): serve from a thread."""
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run():
            asyncio.set_event_loop(loop)
            loop.run_until_complete(self.start())
            ready.set()
            loop.run_forever()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        ready.wait(10)

        def stop():
            asyncio.run_coroutine_threadsafe(self.stop(), loop).result(10)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)

        return stop

    async def wait_for(self, predicate, timeout: float = 5.0):
        """Poll until ``predicate()`` is truthy (events are handled in tasks discord.py schedules)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("timed out waiting for the bot")
            await asyncio.sleep(0.01)
