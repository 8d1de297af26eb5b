"""The daily token budget protects what people read first: the category syntheses.

A real day (211 arXiv papers of ../shared/data) built through the service against the stub,
with a budget that cannot also pay for classifying every unsure paper.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

try:
    from openai_stub import llm_settings, papers_in, stub  # noqa: F401
except ModuleNotFoundError:
    from tests.openai_stub import llm_settings, papers_in, stub  # noqa: F401

from digest.service import DigestService
from digest.llm.usage import format_usage, usage_report

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "daily_lists"
REAL_DAY = DATA / "dw-dengwei_daily-arXiv_2025-03-20.jsonl"
DAY = date(2025, 3, 20)
CLOCK = lambda: datetime(2025, 3, 22, tzinfo=timezone.utc)  # noqa: E731


@pytest.fixture
def real_day(tmp_path) -> str:
    if not REAL_DAY.exists():
        pytest.skip("../shared/data is absent (real arXiv abstracts needed)")
    rows = [json.loads(line) for line in REAL_DAY.read_text("utf-8").splitlines() if line.strip()]
    rows = list({r["id"]: r for r in rows}.values())  # the list repeats some papers
    hf = [{"paper": {"id": r["id"], "title": r["title"], "summary": r["summary"]}} for r in rows]
    path = tmp_path / "day.json"
    path.write_text(json.dumps(hf), "utf-8")
    return str(path)


@pytest.mark.parametrize("budget", ["reserve + 6,000", "90,000"])
def test_a_day_too_big_for_the_budget_keeps_every_synthesis_llm_written(stub, tmp_path, real_day,
                                                                        budget, caplog):
    probe = DigestService(llm_settings(stub, digest_db=tmp_path / "probe.db"), clock=CLOCK)
    reserve = probe.classifier.reserve(len(probe.taxonomy))
    tokens = reserve + 6_000 if budget.startswith("reserve") else 90_000  # 90k: syntheses only
    settings = llm_settings(stub, digest_db=tmp_path / "d.db", digest_daily_token_budget=tokens)
    service = DigestService(settings, clock=CLOCK)
    digest = service.build(DAY, sources=[real_day])
    total = digest.total_papers
    assert total > 200
    assert len(digest.summaries) >= 10
    assert not [s.category for s in digest.summaries if s.offline]  # every synthesis by the LLM
    stats = service.classifier.last_stats
    assert stats["over_budget"] > 0 and (stats["llm"] > 0) == (tokens > reserve)
    note = f"{stats['over_budget']} of {total} papers were classified offline: the LLM budget was kept"
    assert any(n.startswith(note) for n in digest.notes)
    assert any(f"{stats['over_budget']} of {total} papers classified offline: over the LLM budget"
               in r.getMessage() for r in caplog.records)  # and the log says it too
    # only unsure papers were sent, and far fewer than the day has
    sent = sum(len(papers_in(r.body)) for r in stub.requests if "You sort" in r.text)
    assert sent == stats["asked"] < 200
    rows = usage_report(service.store, settings, days=1)
    assert set(rows[0]["split"]) == ({"summaries", "classification"} if sent else {"summaries"})
    assert "tokens by purpose: summaries" in format_usage(rows, budget=tokens)
