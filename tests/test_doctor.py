"""`digest doctor`: one real summary and one classification request, verdicts and advice."""

from __future__ import annotations

import socket

import pytest

try:
    from openai_stub import TEST_KEY, Reply, llm_settings, stub  # noqa: F401
except ModuleNotFoundError:
    from tests.openai_stub import TEST_KEY, Reply, llm_settings, stub  # noqa: F401

from digest.cli import main
from digest.store import Store
from digest.llm.usage import usage_report


def doctor(stub, monkeypatch, capsys, tmp_path, **overrides) -> tuple[int, str]:
    """Run `digest doctor` with the stub's settings in the environment, as a user would."""
    settings = llm_settings(stub, digest_db=tmp_path / "d.db", digest_llm_max_retries=0,
                            **overrides)
    for name, value in settings.model_dump().items():
        if value is not None:
            raw = value.get_secret_value() if hasattr(value, "get_secret_value") else value
            monkeypatch.setenv(name.upper(), str(raw))
    code = main(["doctor"])
    text = capsys.readouterr().out
    assert TEST_KEY not in text
    return code, text


def advice(text: str) -> str:
    return next(line for line in text.splitlines() if line.startswith("advice: "))


def test_a_good_model_is_reported_shown_with_latency_tokens_and_no_cache(stub, monkeypatch, capsys,
                                                                         tmp_path):
    code, text = doctor(stub, monkeypatch, capsys, tmp_path)
    assert code == 0 and stub.calls == 2
    assert text.count("would be shown: yes") == 2
    assert "RingCache" in text and "ShieldPrompt → " in text  # the replies, and the labels read
    assert " s, " in text and "prompt +" in text and "completion tokens" in text
    assert advice(text).startswith("advice: all good")
    # a second run asks the server again: the doctor never answers from the cache
    code, _ = doctor(stub, monkeypatch, capsys, tmp_path)
    assert code == 0 and stub.calls == 4
    settings = llm_settings(stub)
    (row,) = usage_report(Store(tmp_path / "d.db"), settings, days=1)
    assert row["kinds"] == {"doctor": 4} and row["split"].keys() == {"doctor"}


def test_401_says_the_key_was_refused(stub, monkeypatch, capsys, tmp_path):
    stub.when("", stub.error(401, "Incorrect API key provided: sk-test-***"), times=None)
    code, text = doctor(stub, monkeypatch, capsys, tmp_path)
    assert code == 1
    assert advice(text) == "advice: 401: the server refused the key — check OPENAI_API_KEY"
    assert "would be shown: no" in text


def test_an_unreachable_server_is_named(monkeypatch, capsys, tmp_path):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    class Closed:
        base_url = f"http://127.0.0.1:{port}/v1"

    code, text = doctor(Closed, monkeypatch, capsys, tmp_path)
    assert code == 1
    assert advice(text).startswith("advice: cannot reach host 127.0.0.1")
    assert "error: " in text


def test_a_model_that_ignores_json_mode_is_read_as_free_text(stub, monkeypatch, capsys, tmp_path):
    stub.when("You sort", Reply(content="Sure! Here are the categories:\n"
                                        "p1: Inference acceleration\np2: Inference acceleration\n"
                                        "p3: Security"), times=None)
    code, text = doctor(stub, monkeypatch, capsys, tmp_path)
    assert code == 0
    assert "p3: Security" in text  # the model's own reply, shown
    assert advice(text) == ("advice: this model ignores JSON mode: free-text parsing is used "
                            "(labels were still read)")


def test_a_summary_that_would_not_be_shown_says_why(stub, monkeypatch, capsys, tmp_path):
    stub.when("You write one section", Reply(content="I'm sorry, I can't help with that."),
              times=None)
    code, text = doctor(stub, monkeypatch, capsys, tmp_path)
    assert code == 1
    line = next(x for x in text.splitlines() if "would be shown" in x)
    assert line.startswith("  would be shown: no — ") and "refus" in line
    assert "I'm sorry" in text
    assert advice(text).startswith("advice: the model's summaries would not be shown")


def test_a_spent_budget_is_said_and_nothing_is_sent(stub, monkeypatch, capsys, tmp_path):
    code, text = doctor(stub, monkeypatch, capsys, tmp_path, digest_daily_token_budget=500)
    assert code == 1 and stub.calls == 0
    assert "today's LLM budget is spent" in advice(text)


def test_no_key_says_the_bot_runs_offline(stub, monkeypatch, capsys, tmp_path):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    assert main(["doctor"]) == 0
    text = capsys.readouterr().out
    assert "runs offline" in text and "OPENAI_API_KEY" in text and "OPENAI_BASE_URL" in text
    assert stub.calls == 0
