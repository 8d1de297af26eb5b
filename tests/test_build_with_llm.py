"""`digest build` with an LLM: the real openai SDK against the stub, through the service and CLI."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

try:
    from openai_stub import Reply, llm_settings, stub  # noqa: F401
except ModuleNotFoundError:
    from tests.openai_stub import Reply, llm_settings, stub  # noqa: F401

from digest.service import DigestService

DAY = date(2024, 11, 22)
CLOCK = lambda: datetime(2024, 11, 25, tzinfo=timezone.utc)  # noqa: E731


def make_service(stub, tmp_path, **overrides) -> DigestService:
    settings = llm_settings(stub, digest_db=tmp_path / "d.db", **overrides)
    return DigestService(settings, clock=CLOCK)


def test_llm_writes_every_category_and_a_rebuild_costs_no_call(stub, tmp_path, fixtures):
    hf = str(fixtures / "engine/hf_day.json")
    service = make_service(stub, tmp_path)
    digest = service.build(DAY, sources=[hf])
    assert all(s.model == "stub-model" for s in digest.summaries)
    assert not any("Offline" in n or "오프라인" in n for n in digest.notes)
    calls = stub.calls
    assert calls <= len(digest.summaries) + 1  # one classification batch + one call per category
    again = make_service(stub, tmp_path).build(DAY, sources=[hf])  # a restart, then a rebuild
    assert stub.calls == calls
    assert [s.text for s in again.summaries] == [s.text for s in digest.summaries]


def test_over_budget_categories_fall_back_and_the_digest_says_so(stub, tmp_path, fixtures):
    service = make_service(stub, tmp_path, digest_daily_token_budget=0)
    digest = service.build(DAY, sources=[str(fixtures / "engine/hf_day.json")])
    assert stub.calls == 0
    assert all(s.offline for s in digest.summaries) and digest.total_papers == 6
    assert any("budget" in n for n in digest.notes)


def test_llm_failure_on_one_category_keeps_the_digest_complete(stub, tmp_path, fixtures):
    stub.when("Jailbreak Shield", stub.error(500), times=None)
    service = make_service(stub, tmp_path, digest_llm_max_retries=0)
    digest = service.build(DAY, sources=[str(fixtures / "engine/hf_day.json")])
    security = digest.summary_for("Security")
    assert security.offline and security.note == "LLM failed (server error): offline summary"
    assert "OPENAI_API_KEY" not in security.text  # the key is set: the note names the real cause
    assert any(not s.offline for s in digest.summaries)
    assert any("LLM failed" in n and "Security" in n for n in digest.notes)


def test_cli_classifier_choice_and_usage(stub, tmp_path, fixtures, monkeypatch, capsys):
    from digest.cli import main

    settings = llm_settings(stub, digest_db=tmp_path / "d.db")
    for name, value in settings.model_dump().items():
        if value is not None:
            raw = value.get_secret_value() if hasattr(value, "get_secret_value") else value
            monkeypatch.setenv(name.upper(), str(raw))
    hf = str(fixtures / "engine/hf_day.json")
    assert main(["classify", "--source", hf, "--json", "--classifier", "keyword"]) == 0
    assert stub.calls == 0
    assert main(["build", "--date", "2024-11-22", "--source", hf, "--out", str(tmp_path / "o")]) == 0
    assert stub.calls > 0
    capsys.readouterr()
    assert main(["usage", "--days", "3"]) == 0
    table = capsys.readouterr().out
    assert "tokens" in table.lower() and str(stub.calls) in table
    assert settings.openai_api_key.get_secret_value() not in table


def test_offline_summaries_from_an_earlier_day_are_rewritten_once_the_llm_is_available(stub, tmp_path, fixtures):
    import time

    from digest.config import load_settings

    offline = DigestService(load_settings(digest_db=tmp_path / "d.db"), clock=CLOCK)
    offline.build(DAY, sources=[str(fixtures / "engine/hf_day.json")])  # no key: extractive
    offline.store.db.execute("update digests set created_at = ?", [time.time() - 2 * 86400])
    online = DigestService(llm_settings(stub, digest_db=tmp_path / "d.db"))  # the real clock
    digest = online.get_digest(DAY, "ko")
    assert all(s.model == "stub-model" for s in digest.summaries) and stub.calls > 0
    calls = stub.calls
    assert online.get_digest(DAY, "ko").summaries[0].model == "stub-model" and stub.calls == calls


def test_a_repair_request_shows_in_digest_usage(stub, tmp_path, fixtures, monkeypatch, capsys):
    from digest.cli import main

    settings = llm_settings(stub, digest_db=tmp_path / "d.db")
    for name, value in settings.model_dump().items():
        if value is not None:
            raw = value.get_secret_value() if hasattr(value, "get_secret_value") else value
            monkeypatch.setenv(name.upper(), str(raw))
    # the first synthesis stops after part 2; the repair request gets a full one
    stub.when("You write one section", Reply(content="1. **핵심 주제**\n   - 첫째.\n2. **공통 키워드**\n   - 둘째."),
              times=1)
    hf = str(fixtures / "engine/hf_day.json")
    assert main(["build", "--date", "2024-11-22", "--source", hf, "--out", str(tmp_path / "o")]) == 0
    capsys.readouterr()
    assert main(["usage", "--days", "3"]) == 0
    table = capsys.readouterr().out
    assert "summary_repair 1" in table
