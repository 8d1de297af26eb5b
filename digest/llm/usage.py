"""`digest usage`: LLM calls, tokens and estimated cost per UTC day, from ``llm_usage``."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from digest.llm.ledger import usage_rows_since

# What the day's tokens went to, from the ``kind`` of each llm_usage row; the order people
# read them in (the budget keeps the summaries and their repairs first).
PURPOSES = ("summaries", "repairs", "classification", "Q&A", "doctor", "other")


def purpose(kind: str | None) -> str:
    """``summary`` -> summaries, ``summary_repair``/``repair`` -> repairs, ``classify`` ->
    classification, ``qa`` -> Q&A, ``doctor`` -> doctor; anything else -> other."""
    k = (kind or "").lower()
    if "repair" in k:
        return "repairs"
    if k.startswith("summ") or k.startswith("synth"):
        return "summaries"
    if k.startswith("classif"):
        return "classification"
    if k in ("qa", "ask", "answer") or k.startswith("qa"):
        return "Q&A"
    if k.startswith("doctor"):
        return "doctor"
    return "other"


def _order(name: str) -> int:
    return PURPOSES.index(name) if name in PURPOSES else len(PURPOSES)


def usage_report(store, settings, days: int = 7) -> list[dict]:
    """One row per UTC day with LLM activity in the last ``days`` days (today included), newest first.

    Row keys: day, calls (requests sent), failed, cached (answers served from the cache, where
    the store records them), prompt_tokens, completion_tokens, total_tokens, cost (USD, from
    DIGEST_PRICE_INPUT_PER_MTOK / DIGEST_PRICE_OUTPUT_PER_MTOK), kinds ({kind: calls}),
    split ({purpose: tokens}, purposes from :func:`purpose`, in :data:`PURPOSES` order).
    """
    days = max(1, int(days))
    since = (datetime.now(timezone.utc).date() - timedelta(days=days - 1)).isoformat()
    rows = usage_rows_since(store, since)
    by_day: dict[str, dict] = {}
    for r in rows:
        d = by_day.setdefault(r["day"], {"day": r["day"], "calls": 0, "failed": 0, "cached": 0,
                                         "prompt_tokens": 0, "completion_tokens": 0, "kinds": {},
                                         "split": {}})
        for k in ("calls", "failed", "cached", "prompt_tokens", "completion_tokens"):
            d[k] += int(r[k] or 0)
        if r["calls"]:
            d["kinds"][r["kind"]] = int(r["calls"])
        tokens = int(r["prompt_tokens"] or 0) + int(r["completion_tokens"] or 0)
        if tokens:
            group = purpose(r["kind"])
            d["split"][group] = d["split"].get(group, 0) + tokens
    price_in = settings.digest_price_input_per_mtok / 1e6
    price_out = settings.digest_price_output_per_mtok / 1e6
    for d in by_day.values():
        d["split"] = {k: d["split"][k] for k in sorted(d["split"], key=_order)}
        d["total_tokens"] = d["prompt_tokens"] + d["completion_tokens"]
        d["cost"] = round(d["prompt_tokens"] * price_in + d["completion_tokens"] * price_out, 6)
    return list(by_day.values())


def format_usage(rows: list[dict], budget: int | None = None, days: int | None = None) -> str:
    """A plain-text table of :func:`usage_report` rows with a total line."""
    span = f" in the last {days} days" if days else ""
    if not rows:
        return f"No LLM calls{span}."
    head = ("day", "calls", "failed", "cached", "prompt tok", "completion tok", "total tok", "cost USD")
    body = [(r["day"], f"{r['calls']:,}", f"{r['failed']:,}", f"{r['cached']:,}",
             f"{r['prompt_tokens']:,}", f"{r['completion_tokens']:,}", f"{r['total_tokens']:,}",
             f"{r['cost']:.4f}") for r in rows]
    total = ("total", *(f"{sum(r[k] for r in rows):,}" for k in
                        ("calls", "failed", "cached", "prompt_tokens", "completion_tokens",
                         "total_tokens")), f"{sum(r['cost'] for r in rows):.4f}")
    table = [head, *body, total]
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]

    def line(row) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))

    out = [line(head), "  ".join("-" * w for w in widths), *map(line, body),
           "  ".join("-" * w for w in widths), line(total)]
    for r in rows:
        if r.get("split") and r["total_tokens"]:
            parts = ", ".join(f"{name} {tok:,} ({100 * tok / r['total_tokens']:.0f}%)"
                              for name, tok in r["split"].items())
            out.append(f"{r['day']} tokens by purpose: {parts}")
    kinds: dict[str, int] = {}
    for r in rows:
        for kind, calls in r.get("kinds", {}).items():
            kinds[kind] = kinds.get(kind, 0) + calls
    if kinds:  # e.g. summary_repair: the follow-up requests for replies that failed on form
        out.append("calls by kind: " + ", ".join(f"{k} {v:,}" for k, v in sorted(kinds.items())))
    if budget is not None:
        today = datetime.now(timezone.utc).date().isoformat()
        used = next((r["total_tokens"] for r in rows if r["day"] == today), 0)
        out.append(f"today (UTC): {used:,} of {budget:,} tokens in the daily budget "
                   f"({max(0, budget - used):,} left)")
    return "\n".join(out)


def billed_totals(store) -> tuple[int, int]:
    """``(calls, tokens)`` billed so far, all days: cache hits are not counted (they cost nothing).

    The scheduler logs the difference around a build (``llm_calls=`` / ``llm_tokens=``); read here so
    that no caller outside the engine writes SQL against ``llm_usage``. A database from before the
    ``cached`` column counts every row.
    """
    with store.lock:
        if "llm_usage" not in store.db.table_names():
            return 0, 0
        cached = "cached" in store.db["llm_usage"].columns_dict
        row = store.db.execute(
            "select count(*), coalesce(sum(prompt_tokens), 0) + coalesce(sum(completion_tokens), 0) "
            "from llm_usage" + (" where coalesce(cached, 0) = 0" if cached else "")).fetchone()
    return int(row[0]), int(row[1])
