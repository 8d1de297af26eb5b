"""What Slack sends (signed requests) and what Slack accepts (payload checks), for the tests."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
from slack_sdk.models.blocks import Block
from slack_sdk.signature import SignatureVerifier

from fake_slack import check_blocks

SECRET = "test-signing-secret"
DAY = date(2024, 11, 22)  # the day of fixtures/hf_day.json
NOW = datetime(2024, 11, 25, 9, 0, tzinfo=timezone.utc)
FIXTURE = Path(__file__).parent / "fixtures" / "hf_day.json"


def signed_headers(body: str, content_type: str, *, ts: int | None = None, secret: str = SECRET,
                   extra: dict | None = None) -> dict[str, str]:
    stamp = str(int(time.time()) if ts is None else ts)
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body),
    }
    headers.update(extra or {})
    return headers


@dataclass
class Sent:
    status: int
    body: str
    seconds: float

    def json(self) -> dict:
        return json.loads(self.body)


class SlackSim:
    """Sends signed slash commands, events and block actions to the bot's HTTP endpoint."""

    def __init__(self, endpoint: str, fake):
        self.endpoint = endpoint
        self.fake = fake

    async def send(self, body: str, content_type: str, **signing) -> Sent:
        headers = signed_headers(body, content_type, **signing)
        start = time.perf_counter()
        async with aiohttp.ClientSession() as session:
            async with session.post(self.endpoint, data=body.encode(), headers=headers) as resp:
                text = await resp.text()
        return Sent(resp.status, text, time.perf_counter() - start)

    def command_body(self, text: str, *, channel: str = "C1", user: str = "U42", key: str = "cmd") -> str:
        return urlencode({
            "token": "legacy", "team_id": "T1", "team_domain": "team", "channel_id": channel,
            "channel_name": "ai-papers", "user_id": user, "user_name": "alice", "command": "/digest",
            "text": text, "api_app_id": "A1", "response_url": self.fake.response_url(key),
            "trigger_id": "1.2.3", "is_enterprise_install": "false",
        })

    async def command(self, text: str, **kw) -> Sent:
        signing = {k: kw.pop(k) for k in ("ts", "secret", "extra") if k in kw}
        return await self.send(self.command_body(text, **kw), "application/x-www-form-urlencoded", **signing)

    async def event(self, event: dict, event_id: str, retry: int | None = None) -> Sent:
        body = json.dumps(event_callback(event, event_id))
        extra = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
        return await self.send(body, "application/json", extra=extra)

    async def action(self, payload: dict) -> Sent:
        return await self.send(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")


def event_callback(event: dict, event_id: str) -> dict:
    return {"token": "legacy", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
            "event_id": event_id, "event_time": 1_732_600_000, "event_context": "4-x",
            "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}],
            "event": event}


def message(text: str, ts: str, *, channel: str = "C1", thread_ts: str | None = None,
            user: str = "U42", **extra) -> dict:
    ev = {"type": "message", "channel": channel, "user": user, "text": text, "ts": ts,
          "event_ts": ts, "channel_type": "channel"}
    if thread_ts:
        ev["thread_ts"] = thread_ts
    ev.update(extra)
    return ev


def block_action(fake, action: dict, *, channel: str = "C1", user: str = "U42", key: str = "act") -> dict:
    return {"type": "block_actions", "team": {"id": "T1"}, "user": {"id": user, "username": "alice"},
            "api_app_id": "A1", "channel": {"id": channel, "name": "ai-papers"},
            "container": {"type": "message", "message_ts": "1732600000.000100", "channel_id": channel,
                          "is_ephemeral": True},
            "trigger_id": "1.2.3", "response_url": fake.response_url(key),
            "actions": [{"block_id": "b1", "action_ts": "1732600001.000000", **action}]}


def assert_valid(blocks: list[dict], text: str = "x") -> None:
    """What Slack would accept: Block Kit models validate, and the fake's (Slack's) limits hold."""
    assert text and len(text) <= 4000
    assert 0 < len(blocks) <= 50
    for raw in blocks:
        block = Block.parse(raw)
        assert block is not None, raw
        block.validate_json()  # raises SlackObjectFormationError past a Block Kit limit
        if raw["type"] == "section":
            assert len(raw["text"]["text"]) <= 3000
        if raw["type"] == "header":
            assert len(raw["text"]["text"]) <= 150
    assert check_blocks(blocks) is None, check_blocks(blocks)


def all_text(blocks: list[dict]) -> str:
    """Every piece of text in ``blocks``, in order."""
    out: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                out.append(node["text"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(blocks)
    return "\n".join(out)
