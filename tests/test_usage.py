"""`digest usage`: calls, tokens and estimated cost per UTC day."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
try:  # tests/ is on sys.path (rootdir mode) or a package
    from openai_stub import Reply, llm_settings, store, stub  # noqa: F401
except ModuleNotFoundError:
    from tests.openai_stub import Reply, llm_settings, store, stub  # noqa: F401

from digest.llm.client import LLM, LLMUnavailable
from digest.llm.usage import format_usage, usage_report

TODAY = datetime.now(timezone.utc).date()


def day(n: int) -> str:
    return (TODAY - timedelta(days=n)).isoformat()


def add(store, when: str, prompt: int, completion: int, ok: int = 1, kind: str = "summary"):
    store.db["llm_usage"].insert({"day": when, "ts": 0.0, "kind": kind, "model": "m",
                                  "prompt_tokens": prompt, "completion_tokens": completion,
                                  "ok": ok, "error": None if ok else "HTTP 500"})


def test_rows_per_day_with_cost_from_the_price_settings(store):
    settings = llm_settings(None, digest_price_input_per_mtok=0.15, digest_price_output_per_mtok=0.60)
    add(store, day(0), 1_000_000, 0)
    add(store, day(0), 0, 1_000_000, kind="classify")
    add(store, day(0), 0, 0, ok=0)
    add(store, day(2), 2000, 500)
    add(store, day(30), 9, 9)  # outside the window
    rows = usage_report(store, settings, days=7)
    assert [r["day"] for r in rows] == [day(0), day(2)]
    today = rows[0]
    assert (today["calls"], today["failed"], today["prompt_tokens"], today["completion_tokens"]) == \
        (3, 1, 1_000_000, 1_000_000)
    assert today["cost"] == pytest.approx(0.75)
    assert today["kinds"] == {"summary": 2, "classify": 1}
    assert rows[1]["cost"] == pytest.approx(2000 * 0.15e-6 + 500 * 0.60e-6)
    assert [r["day"] for r in usage_report(store, settings, days=1)] == [day(0)]


def test_format_usage_table_and_total(store):
    settings = llm_settings(None)
    add(store, day(0), 1500, 500)
    add(store, day(1), 1000, 0)
    text = format_usage(usage_report(store, settings, days=7), budget=300_000)
    lines = text.splitlines()
    assert lines[0].split() == ["day", "calls", "failed", "cached", "prompt", "tok", "completion",
                                "tok", "total", "tok", "cost", "USD"]
    assert any(line.startswith(day(0)) and "2,000" in line for line in lines)
    total = next(line for line in lines if line.startswith("total"))
    assert total.split()[1] == "2" and "3,000" in total
    assert "2,000 of 300,000 tokens" in text and "298,000 left" in text
    assert format_usage([], days=7) == "No LLM calls in the last 7 days."


def test_real_calls_show_up_with_their_tokens(stub, store):
    settings = llm_settings(stub, digest_llm_max_retries=0)
    llm = LLM(settings, store)
    stub.push(Reply(content="a", usage={"prompt_tokens": 1000, "completion_tokens": 200, "total_tokens": 1200}),
              stub.error(500))
    llm.complete(kind="summary", messages=[{"role": "user", "content": "x"}], cache_key="c")
    llm.complete(kind="summary", messages=[{"role": "user", "content": "x"}], cache_key="c")  # cached
    with pytest.raises(LLMUnavailable):
        llm.complete(kind="classify", messages=[{"role": "user", "content": "y"}])
    (row,) = usage_report(store, settings, days=1)
    assert (row["calls"], row["failed"], row["prompt_tokens"], row["completion_tokens"]) == (2, 1, 1000, 200)
    assert row["total_tokens"] == 1200


def test_cache_hits_are_counted_where_the_store_records_them(stub, store):
    # the column a store migration adds ("cached" in llm_usage); LLM notices it when created
    if "cached" not in store.db["llm_usage"].columns_dict:
        store.db["llm_usage"].add_column("cached", int, not_null_default=0)
    settings = llm_settings(stub)
    llm = LLM(settings, store)
    for _ in range(3):
        llm.complete(kind="summary", messages=[{"role": "user", "content": "x"}], cache_key="c")
    (row,) = usage_report(store, settings, days=1)
    assert (row["calls"], row["cached"]) == (1, 2)
    assert stub.calls == 1


def test_usage_says_how_the_budget_was_split(store):
    settings = llm_settings(None)
    add(store, day(0), 40_000, 2_000, kind="classify")
    add(store, day(0), 9_000, 6_000, kind="summary")
    add(store, day(0), 2_000, 1_000, kind="summary_repair")
    add(store, day(0), 2_500, 500, kind="qa")
    add(store, day(1), 100, 0, kind="classify")
    (today, earlier) = usage_report(store, settings, days=7)
    assert today["split"] == {"summaries": 15_000, "repairs": 3_000, "classification": 42_000,
                              "Q&A": 3_000}
    text = format_usage([today, earlier], budget=300_000)
    line = next(x for x in text.splitlines() if x.startswith(day(0)) and "purpose" in x)
    assert line.endswith("summaries 15,000 (24%), repairs 3,000 (5%), "
                         "classification 42,000 (67%), Q&A 3,000 (5%)")
    assert f"{day(1)} tokens by purpose: classification 100 (100%)" in text
