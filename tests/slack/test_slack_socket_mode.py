"""Socket Mode end to end: apps.connections.open on the fake Web API hands out the URL of a
local WebSocket server, which pushes envelopes as Slack does and collects the bot's acks."""

from __future__ import annotations

import asyncio
import json

import pytest
from aiohttp import WSMsgType, web
from fake_slack import APP_TOKEN
from slack_helpers import DAY, all_text, assert_valid, event_callback, message


class FakeSocketMode:
    def __init__(self):
        self.acks: list[dict] = []
        self.ws: web.WebSocketResponse | None = None
        self.connected = asyncio.Event()

    async def link(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.ws = ws
        await ws.send_str(json.dumps({"type": "hello", "num_connections": 1,
                                      "connection_info": {"app_id": "A1"}}))
        self.connected.set()
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                self.acks.append(json.loads(msg.data))
        return ws

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/link", self.link)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        return f"ws://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/link"

    async def push(self, envelope: dict) -> dict:
        await self.ws.send_str(json.dumps(envelope))
        for _ in range(500):
            for ack in self.acks:
                if ack.get("envelope_id") == envelope["envelope_id"]:
                    return ack
            await asyncio.sleep(0.01)
        raise AssertionError(f"no ack for {envelope['envelope_id']}")


@pytest.fixture
async def socket(bot, fake):
    server = FakeSocketMode()
    fake.ws_url = await server.start()
    handler = bot.socket_mode(APP_TOKEN)
    await handler.connect_async()
    await asyncio.wait_for(server.connected.wait(), 5)
    yield server
    await bot.drain(10)
    await handler.close_async()
    await server.runner.cleanup()


def command(text: str, fake, envelope_id: str) -> dict:
    return {"envelope_id": envelope_id, "type": "slash_commands", "accepts_response_payload": True,
            "payload": {"team_id": "T1", "channel_id": "C1", "user_id": "U42", "command": "/digest",
                        "text": text, "api_app_id": "A1", "trigger_id": "1.2.3",
                        "response_url": fake.response_url(envelope_id)}}


async def test_connects_with_the_app_token(socket, fake):
    [opened] = fake.api_calls("apps.connections.open")
    assert opened.headers["Authorization"] == f"Bearer {APP_TOKEN}"


async def test_help_is_answered_in_the_ack_frame(socket, fake):
    ack = await socket.push(command("help", fake, "env-1"))
    assert ack["payload"]["response_type"] == "ephemeral"
    assert "/digest usage" in ack["payload"]["text"]


async def test_category_answered_through_the_response_url(socket, fake, bot, digest):
    ack = await socket.push(command("security 2024-11-22", fake, "env-2"))
    assert ack == {"envelope_id": "env-2"}  # acknowledged at once, nothing to show yet
    await bot.drain()
    [reply] = fake.responses
    assert reply.path == "/response/env-2"
    assert_valid(reply.body["blocks"], reply.body["text"])
    assert "🛡️ Security" in all_text(reply.body["blocks"])


async def test_thread_question_over_socket_mode(socket, fake, bot, digest):
    record = await bot.post_daily("C1", DAY)
    event = message("Which paper reduces KV cache memory?", "1732601000.000100", thread_ts=record.message_id)
    envelope = {"envelope_id": "env-3", "type": "events_api", "accepts_response_payload": False,
                "retry_attempt": 0, "retry_reason": "", "payload": event_callback(event, "EvS1")}
    assert (await socket.push(envelope))["envelope_id"] == "env-3"
    redelivered = dict(envelope, envelope_id="env-4", retry_attempt=1, retry_reason="timeout")
    await socket.push(redelivered)
    await bot.drain()
    replies = [m for m in fake.replies("C1", record.message_id) if not m.get("metadata")
               and m.get("via") == "chat.postMessage"]
    assert len(replies) == 1 and "LongRoPE Cache" in all_text(replies[0]["blocks"])


async def test_run_serves_socket_mode_until_stopped(bot, fake, digest):
    """``SlackBot.run`` (what the runner calls): connect, serve, stop, finish the work in flight."""
    server = FakeSocketMode()
    fake.ws_url = await server.start()
    stop = asyncio.Event()
    task = asyncio.create_task(bot.run(app_token=APP_TOKEN, stop=stop))
    try:
        await asyncio.wait_for(server.connected.wait(), 5)
        ack = await server.push(command("LLM 2024-11-22", fake, "env-9"))
        assert ack == {"envelope_id": "env-9"}
        stop.set()
        await asyncio.wait_for(task, 10)
        assert [r.path for r in fake.responses] == ["/response/env-9"]  # answered before exiting
    finally:
        stop.set()
        await server.runner.cleanup()


async def test_run_serves_http_mode_until_stopped(bot, unused_tcp_port):
    import aiohttp

    stop = asyncio.Event()
    task = asyncio.create_task(bot.run(http=True, host="127.0.0.1", port=unused_tcp_port, stop=stop))
    url = f"http://127.0.0.1:{unused_tcp_port}/healthz"
    async with aiohttp.ClientSession() as session:
        for _ in range(200):
            try:
                async with session.get(url) as resp:
                    assert resp.status == 200
                    break
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.01)
        else:
            raise AssertionError("HTTP mode never came up")
    stop.set()
    await asyncio.wait_for(task, 10)
