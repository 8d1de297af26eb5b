"""digest.llm.client against a stub OpenAI server on 127.0.0.1: the real openai SDK does the HTTP."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timedelta, timezone

import pytest
try:  # tests/ is on sys.path (rootdir mode) or a package
    from openai_stub import TEST_KEY, OpenAIStub, Reply, llm_settings, store, stub  # noqa: F401
except ModuleNotFoundError:
    from tests.openai_stub import TEST_KEY, OpenAIStub, Reply, llm_settings, store, stub  # noqa: F401

from digest.llm.client import LLM, BudgetExceeded, LLMError, LLMUnavailable
from digest.llm.ledger import cache_key_for

HELLO = [{"role": "user", "content": "Say hello."}]


def usage_rows(store):
    return list(store.db["llm_usage"].rows)


def make(stub, store, **overrides) -> LLM:
    return LLM(llm_settings(stub, **overrides), store)


def test_client_is_built_from_settings(stub, store):
    llm = make(stub, store, digest_model="my-model", digest_llm_timeout=7.5, digest_llm_max_retries=3)
    stub.push(Reply(content="hello"))
    assert llm.enabled and llm.model == "my-model"
    assert llm.complete(kind="test", messages=HELLO) == "hello"
    req = stub.requests[0]
    assert req.path == "/v1/chat/completions"
    assert req.headers["authorization"] == f"Bearer {TEST_KEY}"
    assert req.body["model"] == "my-model" and req.body["max_tokens"] == 1200
    assert llm.client.timeout == 7.5 and llm.client.max_retries == 3


def test_usage_recorded_from_reply_and_cache_hit_costs_nothing(stub, store):
    llm = make(stub, store)
    stub.push(Reply(content="cached answer", usage={"prompt_tokens": 123, "completion_tokens": 45,
                                                      "total_tokens": 168}))
    first = llm.complete(kind="summary", messages=HELLO, cache_key="k1")
    again = llm.complete(kind="summary", messages=HELLO, cache_key="k1")
    assert first == again == "cached answer"
    assert stub.calls == 1
    calls = [r for r in usage_rows(store) if not r.get("cached")]
    assert len(calls) == 1
    row = calls[0]
    assert (row["kind"], row["model"], row["prompt_tokens"], row["completion_tokens"], row["ok"]) == \
        ("summary", "stub-model", 123, 45, 1)
    assert row["day"] == datetime.now(timezone.utc).date().isoformat()
    # a restart (new LLM object, same database) still answers from the cache
    assert make(stub, store).complete(kind="summary", messages=HELLO, cache_key="k1") == "cached answer"
    assert stub.calls == 1


def test_cache_is_per_model(stub, store):
    make(stub, store).complete(kind="t", messages=HELLO, cache_key="same")
    make(stub, store, digest_model="other-model").complete(kind="t", messages=HELLO, cache_key="same")
    assert stub.calls == 2


def test_budget_refuses_before_calling(stub, store):
    llm = make(stub, store, digest_daily_token_budget=1000)
    with pytest.raises(BudgetExceeded) as err:
        llm.complete(kind="summary", messages=HELLO, max_tokens=2000)
    assert stub.calls == 0 and "budget" in str(err.value)
    assert isinstance(err.value, LLMError)


def test_budget_counts_only_today_utc(stub, store):
    llm = make(stub, store, digest_daily_token_budget=5000)
    yesterday = (datetime.now(timezone.utc).date() - timedelta(days=1)).isoformat()
    store.db["llm_usage"].insert({"day": yesterday, "ts": 0.0, "kind": "summary", "model": "m",
                                  "prompt_tokens": 100_000, "completion_tokens": 0, "ok": 1, "error": None})
    assert llm.budget_left() == 5000
    stub.push(Reply(content="x", usage={"prompt_tokens": 3000, "completion_tokens": 500, "total_tokens": 3500}))
    llm.complete(kind="summary", messages=HELLO, max_tokens=100)
    assert llm.budget_left() == 1500
    with pytest.raises(BudgetExceeded):
        llm.complete(kind="summary", messages=HELLO, max_tokens=1600)
    assert stub.calls == 1


def test_concurrent_calls_cannot_overrun_the_budget(stub, store):
    """In-flight calls reserve their estimate: 6 parallel calls fit 3 times in the budget."""
    stub.latency = 0.2
    llm = make(stub, store, digest_daily_token_budget=3 * 1000 + 50)

    async def one(i):
        try:
            await llm.acomplete(kind="t", messages=[{"role": "user", "content": f"q{i}"}], max_tokens=990)
            return "ok"
        except BudgetExceeded:
            return "budget"

    async def main():
        try:
            return await asyncio.gather(*(one(i) for i in range(6)))
        finally:
            await llm.aclose()

    results = asyncio.run(main())
    assert results.count("ok") == 3 and results.count("budget") == 3
    assert stub.calls == 3


def test_429_then_ok_is_retried_by_the_sdk(stub, store):
    llm = make(stub, store, digest_llm_max_retries=2)
    stub.push(stub.error(429, retry_after_ms=20), Reply(content="after retry"))
    assert llm.complete(kind="t", messages=HELLO) == "after retry"
    assert stub.calls == 2 and stub.requests[1].headers["x-stainless-retry-count"] == "1"
    assert [r["ok"] for r in usage_rows(store)] == [1]


@pytest.mark.parametrize("status,cause", [(500, "server error"), (503, "server error"),
                                          (429, "rate limited")])
def test_persistent_errors_raise_after_retries(stub, store, status, cause):
    llm = make(stub, store, digest_llm_max_retries=2)
    stub.push(*[stub.error(status) for _ in range(3)])
    with pytest.raises(LLMUnavailable) as err:
        llm.complete(kind="summary", messages=HELLO, cache_key="k")
    assert err.value.cause == cause and f"HTTP {status}" in str(err.value)
    assert "\n" not in str(err.value)
    assert stub.calls == 3
    (row,) = usage_rows(store)
    assert row["ok"] == 0 and f"HTTP {status}" in row["error"]
    # nothing cached: the next attempt asks again
    stub.push(Reply(content="fine now"))
    assert llm.complete(kind="summary", messages=HELLO, cache_key="k") == "fine now"


def test_timeout(stub, store):
    llm = make(stub, store, digest_llm_timeout=0.2, digest_llm_max_retries=0)
    stub.push(Reply(content="too late", delay=1.5))
    t0 = time.monotonic()
    with pytest.raises(LLMUnavailable) as err:
        llm.complete(kind="summary", messages=HELLO)
    assert time.monotonic() - t0 < 1.2
    assert err.value.cause == "timeout" and "timed out after 0.2s" in str(err.value)


@pytest.mark.parametrize("reply,cause", [
    (Reply(content=""), "empty reply"),
    (Reply(content=None, refusal="I can't help with that."), "refusal"),
    (Reply(content="partial", finish_reason="content_filter"), "refusal"),
    (Reply(body="{not json at all"), "malformed reply"),
    (Reply(body={"id": "x", "object": "chat.completion", "choices": []}), "malformed reply"),
])
def test_unusable_replies_raise_and_are_not_cached(stub, store, reply, cause):
    llm = make(stub, store)
    stub.push(reply)
    with pytest.raises(LLMUnavailable) as err:
        llm.complete(kind="summary", messages=HELLO, cache_key="k")
    assert err.value.cause == cause
    assert store.db["llm_cache"].count == 0
    assert usage_rows(store)[0]["ok"] == 0


def test_validate_rejects_and_is_not_cached(stub, store):
    llm = make(stub, store)

    def must_say_yes(text):
        if "yes" not in text:
            raise ValueError("no yes")

    stub.push(Reply(content="no"), Reply(content="yes"))
    with pytest.raises(LLMUnavailable, match="no yes"):
        llm.complete(kind="t", messages=HELLO, cache_key="v", validate=must_say_yes)
    assert llm.complete(kind="t", messages=HELLO, cache_key="v", validate=must_say_yes) == "yes"
    assert stub.calls == 2


def test_no_key_means_disabled_and_no_request(stub, store):
    llm = LLM(llm_settings(None), store)
    assert not llm.enabled
    with pytest.raises(LLMUnavailable) as err:
        llm.complete(kind="t", messages=HELLO)
    assert err.value.cause == "no key" and "OPENAI_API_KEY" in str(err.value)
    assert stub.calls == 0


def test_the_key_never_appears_in_errors_or_logs(stub, store, caplog):
    caplog.set_level(logging.DEBUG)
    llm = make(stub, store)
    stub.push(stub.error(401, f"Incorrect API key provided: {TEST_KEY}. Bearer {TEST_KEY}",
                         retry_after_ms=None))
    with pytest.raises(LLMUnavailable) as err:
        llm.complete(kind="summary", messages=HELLO)
    assert err.value.cause == "auth"
    stub.push(*[stub.error(500, f"upstream said {TEST_KEY}") for _ in range(2)])
    with pytest.raises(LLMUnavailable):
        llm.complete(kind="summary", messages=HELLO)
    texts = [str(err.value), caplog.text, *(r["error"] or "" for r in usage_rows(store))]
    assert "HTTP 401" in str(err.value) and "HTTP 500" in caplog.text
    assert not any(TEST_KEY in t or "SECRET" in t for t in texts)


def test_server_without_response_format_still_answers_json(stub, store):
    llm = make(stub, store)
    stub.push(stub.error(400, "Unrecognized request argument supplied: response_format",
                         param="response_format"),
              Reply(content='{"p1": "LLM"}'), Reply(content='{"p1": "Security"}'))
    assert llm.complete(kind="classify", messages=HELLO, json_mode=True) == '{"p1": "LLM"}'
    assert llm.complete(kind="classify", messages=HELLO, json_mode=True) == '{"p1": "Security"}'
    sent = [r.body.get("response_format") for r in stub.requests]
    assert sent == [{"type": "json_object"}, None, None]  # remembered: asked once only


def test_model_that_wants_max_completion_tokens(stub, store):
    llm = make(stub, store)
    stub.push(stub.error(400, "Unsupported parameter: 'max_tokens' is not supported with this model. "
                              "Use 'max_completion_tokens' instead.", param="max_tokens"))
    assert llm.complete(kind="t", messages=HELLO, max_tokens=77) == "OK"
    assert stub.requests[1].body.get("max_completion_tokens") == 77
    assert "max_tokens" not in stub.requests[1].body


def test_reply_without_usage_is_counted_by_estimate(stub, store):
    llm = make(stub, store)
    stub.push(Reply(content="x" * 400, usage=None))
    llm.complete(kind="t", messages=[{"role": "user", "content": "y" * 800}])
    (row,) = usage_rows(store)
    assert row["prompt_tokens"] >= 200 and row["completion_tokens"] == 100


def test_acomplete_runs_concurrently_and_shares_the_cache(stub, store):
    stub.latency = 0.3
    llm = make(stub, store)

    async def main():
        try:
            return await asyncio.gather(*(
                llm.acomplete(kind="qa", messages=[{"role": "user", "content": f"q{i}"}],
                              cache_key=f"q{i}") for i in range(6)))
        finally:
            await llm.aclose()

    t0 = time.monotonic()
    assert asyncio.run(main()) == ["OK"] * 6
    assert time.monotonic() - t0 < 0.9  # one round, not six
    assert stub.max_concurrency == 6
    # a second event loop (the SDK's async pool is per loop) and the sync API both hit the cache
    assert asyncio.run(main()) == ["OK"] * 6
    assert llm.complete(kind="qa", messages=[{"role": "user", "content": "q0"}], cache_key="q0") == "OK"
    assert stub.calls == 6


def test_cache_key_for_is_stable_and_distinguishes_parts():
    assert cache_key_for("a", [1, 2], {"b": 1}) == cache_key_for("a", (1, 2), {"b": 1})
    assert cache_key_for("a", "b") != cache_key_for("ab")
    assert len(cache_key_for("x")) == 64


def test_cut_off_and_runaway_replies_are_refused_only_when_the_caller_asks(stub, store):
    from digest.llm.client import LLMError

    llm = LLM(llm_settings(stub), store)
    messages = [{"role": "user", "content": "hi"}]
    stub.push(Reply(content="part of an answer", cut_off=True), Reply(content="part of an answer", cut_off=True))
    assert llm.complete(kind="x", messages=messages, max_tokens=50).startswith("part of")  # default: kept
    with pytest.raises(LLMError) as err:
        llm.complete(kind="x", messages=messages, max_tokens=50, cut_off_ok=False)
    assert err.value.cause == "cut off" and err.value.repairable and err.value.reply.startswith("part of")
    stub.push(Reply(content="x", size=50_000))
    with pytest.raises(LLMError) as err:
        llm.complete(kind="x", messages=messages, max_chars=10_000)
    assert err.value.cause == "reply too long" and len(err.value.reply) <= 10_000


def test_cache_keys_of_existing_prompts_never_change(stub, store):
    """Regression pin: these values were computed on the release before the llm/ split (issue 15).
    A changed key would make every cached reply unreachable, so an upgrade would re-bill them all.
    If this fails, the key derivation (or the summarize prompt file) changed: restore it."""
    from digest.llm import prompts
    from digest.summarize.llm import SUMMARY_PROMPT
    fingerprint = prompts.fingerprint("summarize", SUMMARY_PROMPT)
    assert fingerprint == "summarize_v2:5dcdf75c4caa"
    caller_key = cache_key_for("summary", fingerprint, HELLO)
    assert caller_key == "ee7321d79a86263317fc4f6b19727784f4f53a29b6869500cccd2a8f91c9ce71"
    llm = make(stub, store, digest_model="my-model")
    llm.remember(caller_key, "summary", "cached text")
    stored = [r["key"] for r in store.db["llm_cache"].rows]
    assert stored == ["57bd8f600eb00c9a7cd8d33d318a4163be80a302bd67d5ca0911612c297f8c48"]
    assert llm.cached(caller_key) == "cached text"


def test_ledger_counts_requests_and_tokens_without_cache_hits(stub, store):
    from digest.llm.ledger import calls_and_tokens, utc_day

    llm = make(stub, store)
    stub.push(Reply(content="an answer", usage={"prompt_tokens": 100, "completion_tokens": 20,
                                                  "total_tokens": 120}))
    llm.complete(kind="summary", messages=HELLO, cache_key="k")
    llm.complete(kind="summary", messages=HELLO, cache_key="k")  # a cache hit: no request, no tokens
    assert calls_and_tokens(store, utc_day()) == (1, 120)
    assert calls_and_tokens(store) == (1, 120)
    assert calls_and_tokens(store, "2000-01-01") == (0, 0)
