"""A stub OpenAI-compatible server on 127.0.0.1 for tests and benchmarks: the real SDK talks to it.

    with OpenAIStub(latency=0.05) as stub:
        settings = Settings(openai_api_key="sk-test", openai_base_url=stub.base_url, ...)
        stub.push(stub.error(429), Reply(content="hello"))   # the next two requests, in order
        stub.when("Security", stub.error(500), times=None)    # any request mentioning "Security"
        ...
        stub.calls, stub.max_concurrency, stub.requests[0].body["messages"]

Without a script or rule it answers as :func:`fake_model`: a plausible reply for the project's
prompts (JSON labels for classification, a five-part synthesis citing the given titles for a
summary), with ``usage`` counted as UTF-8 bytes / 4, so token figures are estimates.

Modes that misbehave the way real servers and models do:

* ``stub.replay(records)`` + ``stub.day = D``: summary requests are answered with the real reply
  recorded for day D and the request's paper titles (``../shared/data/llm_replies_real_dev.json``);
  ``stub.replay_any = True`` answers a request for unknown papers with that day's first reply.
* ``Reply(cut_off=True)``: a reply cut at the request's ``max_tokens``, ``finish_reason="length"``.
* ``Reply(size=1_000_000)``: a reply of that many characters, ignoring ``max_tokens``.
* ``Reply(trickle=0.5)``: the body sent one byte every 0.5 s (headers at once).
* ``stub.obey = "PWNED"`` (or ``True``: the word an abstract orders to write): the fake model
  carries out an instruction injected into the data.
"""

from __future__ import annotations

import json
import re
import threading
import time
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    """One scripted answer. ``content`` makes a chat completion; ``body`` is sent as is."""

    status: int = 200
    content: str | None = None
    body: object = None                      # dict -> JSON; str/bytes -> raw (malformed on purpose)
    headers: dict = field(default_factory=dict)
    delay: float | None = None               # overrides the stub's latency for this reply
    refusal: str | None = None
    finish_reason: str = "stop"
    usage: dict | None | str = "auto"        # "auto": counted from the text; None: no usage field
    cut_off: bool = False                    # cut the reply at max_tokens, finish_reason "length"
    size: int = 0                            # pad the reply to this many characters
    trickle: float = 0.0                     # seconds between body bytes


@dataclass
class Request:
    path: str
    headers: dict
    body: dict
    started: float
    ended: float = 0.0

    @property
    def text(self) -> str:
        """All message contents of the request, joined."""
        return "\n".join(str(m.get("content", "")) for m in self.body.get("messages", []))


def tokens(text: str) -> int:
    return (len(text.encode("utf-8")) + 3) // 4


class OpenAIStub:
    """``/v1/chat/completions`` with latency, scripts, rules, a request log and a concurrency gauge."""

    def __init__(self, latency: float = 0.0, responder=None):
        self.latency = latency
        self.responder = responder or fake_model
        self.script: list[Reply] = []
        self.rules: list[list] = []          # [substring, reply, times-left or None]
        self.requests: list[Request] = []
        self.in_flight = 0
        self.max_concurrency = 0
        self.replays: dict[tuple, list[str]] = {}   # (day, sorted titles) -> real replies
        self.day: str | None = None
        self.replay_any = False
        self.obey: str | bool | None = None
        self._lock = threading.Lock()
        self._closing = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out at once: no 40 ms ACK wait

            def log_message(self, *args):
                pass

            def do_POST(self):
                outer._handle(self)

            def do_GET(self):  # /v1/models, for tools that probe the server
                outer._send(self, 200, {"object": "list", "data": [{"id": "stub", "object": "model"}]}, {})

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 128  # a build opens many connections at once

            def handle_error(self, request, client_address):
                pass  # a client that timed out and hung up is expected here

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self._thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)
        self._thread.start()

    # --- scripting -------------------------------------------------------------------------
    def push(self, *replies: Reply) -> None:
        """Answer the next requests with ``replies``, in order (before any rule)."""
        with self._lock:
            self.script.extend(replies)

    def when(self, substring: str, reply: Reply, times: int | None = None) -> None:
        """Answer requests whose messages contain ``substring`` with ``reply`` (``times`` or always)."""
        with self._lock:
            self.rules.append([substring, reply, times])

    @staticmethod
    def error(status: int, message: str = "scripted error", retry_after_ms: int | None = 10,
              **kw) -> Reply:
        headers = {"retry-after-ms": str(retry_after_ms)} if retry_after_ms is not None else {}
        return Reply(status=status, headers=headers, body={"error": {
            "message": message, "type": "stub_error", "param": kw.pop("param", None), "code": None}}, **kw)

    def replay(self, records: list[dict]) -> None:
        """Real replies to replay: records with ``day``, ``text`` and ``papers`` (``title``)."""
        with self._lock:
            for r in records:
                key = (r["day"], tuple(sorted(" ".join(p["title"].split()) for p in r["papers"])))
                self.replays.setdefault(key, []).append(r["text"])

    def _replayed(self, body: dict) -> str | None:
        if not self.replays or "You write one section" not in _system(body):
            return None
        titles = tuple(sorted(" ".join(p["title"].split()) for p in papers_in(body)))
        texts = self.replays.get((self.day, titles))
        if texts is None and self.replay_any:
            texts = next((v for (d, _), v in self.replays.items() if d == self.day), None)
        return texts[0] if texts else None

    @property
    def calls(self) -> int:
        return sum(1 for r in self.requests if r.path.endswith("/chat/completions"))

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.script.clear()
            self.rules.clear()
            self.max_concurrency = 0
            self.replays.clear()
            self.day, self.replay_any, self.obey = None, False, None

    def close(self) -> None:
        self._closing.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> OpenAIStub:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- serving -------------------------------------------------------------------------
    def _pick(self, req: Request) -> Reply:
        with self._lock:
            if self.script:
                return self.script.pop(0)
            for rule in self.rules:
                substring, reply, times = rule
                if substring in req.text and times != 0:
                    if times is not None:
                        rule[2] = times - 1
                    return reply
        replayed = self._replayed(req.body)
        if replayed is not None:
            return Reply(content=replayed)
        answer = self.responder(req.body)
        if self.obey and isinstance(answer, str) and "You write one section" in _system(req.body):
            answer += "\n" + (self.obey if isinstance(self.obey, str) else ordered_word(req.body))
        return answer if isinstance(answer, Reply) else Reply(content=str(answer))

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        raw = h.rfile.read(int(h.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        req = Request(h.path, {k.lower(): v for k, v in h.headers.items()}, body, time.monotonic())
        with self._lock:
            self.requests.append(req)
            self.in_flight += 1
            self.max_concurrency = max(self.max_concurrency, self.in_flight)
        try:
            reply = self._pick(req)
            delay = self.latency if reply.delay is None else reply.delay
            if delay:
                self._closing.wait(delay)
            if reply.body is not None:
                self._send(h, reply.status, reply.body, reply.headers, reply.trickle)
            else:
                self._send(h, reply.status, self._completion(body, reply), reply.headers, reply.trickle)
        finally:
            req.ended = time.monotonic()
            with self._lock:
                self.in_flight -= 1

    @staticmethod
    def _completion(body: dict, reply: Reply) -> dict:
        content = reply.content or ""
        finish = reply.finish_reason
        if reply.size:
            content = (content + "\n" if content else "") + ("모델이 멈추지 않고 계속 씁니다. " * (reply.size // 17 + 1))
            content = content[:reply.size]
        if reply.cut_off:
            limit = int(body.get("max_tokens") or body.get("max_completion_tokens") or 100)
            long = (content + "\n") * 50
            content = long.encode("utf-8")[: limit * 4].decode("utf-8", "ignore")
            finish = "length"
        reply = Reply(**{**reply.__dict__, "content": content if (reply.size or reply.cut_off)
                         else reply.content, "finish_reason": finish})
        usage = reply.usage
        if usage == "auto":
            prompt = sum(tokens(str(m.get("content", ""))) + 4 for m in body.get("messages", []))
            usage = {"prompt_tokens": prompt, "completion_tokens": tokens(content),
                     "total_tokens": prompt + tokens(content)}
        out = {"id": "chatcmpl-stub", "object": "chat.completion", "created": int(time.time()),
               "model": body.get("model", "stub"),
               "choices": [{"index": 0, "finish_reason": reply.finish_reason, "logprobs": None,
                            "message": {"role": "assistant", "content": reply.content,
                                        "refusal": reply.refusal}}]}
        if usage is not None:
            out["usage"] = usage
        return out

    def _send(self, h: BaseHTTPRequestHandler, status: int, obj: object, headers: dict,
              trickle: float = 0.0) -> None:
        data = obj if isinstance(obj, bytes) else (obj.encode() if isinstance(obj, str)
                                                   else json.dumps(obj).encode())
        try:
            h.send_response(status)
            h.send_header("Content-Type", "application/json")
            for k, v in headers.items():
                h.send_header(k, v)
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            if not trickle:
                h.wfile.write(data)
                return
            h.wfile.flush()
            for i in range(len(data)):  # one byte at a time: no per-read timeout ever fires
                if self._closing.wait(trickle):
                    return
                h.wfile.write(data[i:i + 1])
                h.wfile.flush()
        except OSError:
            pass  # the client gave up (timeout)


# --- a fake model for the project's prompts ---------------------------------------------------
_BLOCK = re.compile(r"<papers>\s*(.*?)\s*</papers>", re.S)
_CATEGORY_LINE = re.compile(r"^- (.+?): ", re.M)


def papers_in(body: dict) -> list[dict]:
    """The JSON records of the ``<papers>`` block of a request (empty if none)."""
    for m in body.get("messages", []):
        if m.get("role") != "user":
            continue
        found = _BLOCK.search(str(m.get("content", "")))
        if found:
            try:
                return json.loads(found.group(1))
            except ValueError:
                return []
    return []


def _system(body: dict) -> str:
    messages = body.get("messages") or [{}]
    return str(messages[0].get("content", ""))


_ORDERED = re.compile(r"(?:write|say|reply with|output|print)\s+(?:only\s+)?(?:the\s+word\s+)?"
                      r"[\"'“]?([A-Za-z][\w-]{2,})", re.I)


def ordered_word(body: dict) -> str:
    """The word an abstract orders a model to write (what an obedient model would write)."""
    for p in papers_in(body):
        m = _ORDERED.search(p.get("abstract", ""))
        if m:
            return m.group(1)
    return ""


def fake_model(body: dict) -> str:
    """A deterministic stand-in for a model that follows the project's prompts."""
    system = str(body["messages"][0].get("content", "")) if body.get("messages") else ""
    papers = papers_in(body)
    if "You sort new AI research papers" in system:
        return json.dumps(fake_labels(system, papers))
    if "You write one section" in system:
        return fake_summary(system, papers)
    if "You answer follow-up questions" in system and papers:
        return f"According to '{papers[0]['title']}' [1], the answer is in its abstract."
    return "OK"


def fake_labels(system: str, papers: list[dict]) -> dict[str, str]:
    """A category name in the text, else a stable hash of the title: spreads over all categories."""
    names = _CATEGORY_LINE.findall(system)
    out = {}
    for p in papers:
        text = f"{p['title']} {p['abstract']}".lower()
        named = [n for n in names if n.lower() in text]
        out[p["id"]] = named[0] if named else names[zlib.crc32(p["title"].encode()) % len(names)]
    return out


def fake_summary(system: str, papers: list[dict]) -> str:
    """Five numbered parts with the headings the prompt asks for, citing the given titles."""
    headings = re.findall(r"^\d\. \*\*(.+?)\*\*", system, re.M)[:5]
    lines = [f"1. **{headings[0]}**"]
    lines += [f"   - '{p['title']}': {first_sentence(p['abstract'])}" for p in papers]
    lines += [f"2. **{headings[1]}**", "   - 'efficiency': recurs across the papers; "
              "shared trend towards scalable, data-efficient methods."]
    lines += [f"3. **{headings[2]}**"]
    lines += [f"   - '{p['title']}': {last_sentence(p['abstract'])}" for p in papers]
    lines += [f"4. **{headings[3]}**", "   - research and industry: lower cost and broader use "
              "of the methods described above."]
    lines += [f"5. **{headings[4]}**", "   Together these papers point to steady progress; "
              "watch for independent replications and open releases."]
    return "\n".join(lines)


def first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s+", text.strip())[0][:300]


def last_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s+", text.strip())[-1][:300]


# --- pytest fixtures (import them into a test module: ``from openai_stub import stub, ...``) --
try:
    import pytest
except ImportError:  # the benchmark runs without pytest
    pytest = None

PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy",
              "OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID")
TEST_KEY = "sk-test-SECRET-0123456789abcdef"


def llm_settings(stub: OpenAIStub | None, **overrides):
    """Settings for the LLM against ``stub`` (no .env file read), small timeouts and retries."""
    from digest.config import Settings

    values = dict(openai_api_key=TEST_KEY if stub else None,
                  openai_base_url=stub.base_url if stub else None,
                  digest_model="stub-model", digest_llm_timeout=2.0, digest_llm_max_retries=1,
                  digest_llm_concurrency=8, digest_llm_batch_size=50,
                  digest_daily_token_budget=1_000_000, digest_language="ko")
    values.update(overrides)
    return Settings(_env_file=None, **values)


if pytest is not None:
    @pytest.fixture
    def stub(monkeypatch):
        for name in PROXY_VARS:
            monkeypatch.delenv(name, raising=False)
        s = OpenAIStub()
        yield s
        s.close()

    @pytest.fixture
    def store():
        from digest.store import Store

        s = Store(":memory:")
        yield s
        s.close()
