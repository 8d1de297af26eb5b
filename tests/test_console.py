"""`python -m bot console` driven with piped input, as someone trying the bot would use it."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from openai_stub import TEST_KEY, Reply, stub  # noqa: F401

from bot.console import main

DAY = "2024-11-22"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def offline_sources(monkeypatch, tmp_path):
    """An empty store makes the console build yesterday from DIGEST_SOURCES: never the network
    here, a local file that does not exist (as offline) unless a test says otherwise."""
    monkeypatch.setenv("DIGEST_SOURCES", f"hf:{tmp_path}/missing/hf_{{date}}.json")


def run(lines: list[str], *args: str) -> str:
    out = io.StringIO()
    assert main(list(args), stdin=io.StringIO("\n".join(lines) + "\n"), stdout=out) == 0
    return out.getvalue()


def source(fixtures) -> list[str]:
    return ["--source", str(fixtures / "hf_small.json"), "--date", DAY, "--language", "en"]


def test_a_whole_session_without_any_token(fixtures, tmp_path):
    shown = run(["/digest help",
                 "/digest",
                 "Which of these papers would help with long-context inference?",
                 "How much memory does it save?",
                 "/digest security 2024-11-22",
                 "/quit",
                 "/digest categories"], *source(fixtures))
    assert "Built the digest of 2024-11-22: 8 papers in 7 categories." in shown
    assert "No OPENAI_API_KEY" in shown
    assert "• /digest 2024-11-24 — the digest of a day" in shown  # /digest help
    assert "Daily Artificial Intelligence Insights : Papers" in shown  # /digest
    assert "Inference acceleration" in shown and "ShieldPrompt" in shown
    chart = tmp_path / "out" / f"paper_{DAY}.png"
    assert f"Chart: {chart}" in shown and chart.read_bytes().startswith(b"\x89PNG")
    question = shown.index("you> Which of these papers")
    answer = shown[question:]
    assert "Search result, not an AI answer" in answer
    assert "[1] RingCache: Sharded Key-Value Caches for Million-Token Inference — " \
           "https://arxiv.org/abs/2411.90001" in answer
    follow_up = shown[shown.index("you> How much memory does it save?"):]
    assert "[1] RingCache" in follow_up  # "it" = the paper just cited
    assert "peak memory per GPU by 62%" in follow_up
    security = shown[shown.index("you> /digest security 2024-11-22"):]
    assert "Security" in security and "Jailbreak" in security and "Inference acceleration" not in security
    assert "Bye." in shown and "Categories (type a name" not in shown  # nothing after /quit


def test_digest_of_a_day_and_category_then_questions_go_to_that_digest(fixtures, tmp_path):
    run([], *source(fixtures))  # build 2024-11-22
    other = tmp_path / "other.json"
    other.write_text('[{"paper": {"id": "2411.80001", "title": "FoldFormer: Protein Structures with '
                     'Equivariant Transformers", "summary": "We predict protein structures from '
                     'sequence with an equivariant transformer.", "upvotes": 3}}]')
    run([], "--source", str(other), "--date", "2024-11-25", "--language", "en")  # now the latest
    shown = run(["/digest 2024-11-22", "/digest LLM 2024-11-22",
                 "Which paper mixes attention and SSM heads?"], "--language", "en")
    assert "2024-11-22" in shown and "🤖 LLM" in shown and "Hydra-S" in shown
    answer = shown[shown.index("you> Which paper mixes"):]
    assert "The papers of the 2024-11-22 digest" in answer and "https://arxiv.org/abs/2411.90002" in answer


def test_a_question_first_is_about_the_latest_digest(fixtures):
    run([], *source(fixtures))
    shown = run(["탈옥 공격을 막는 논문은?"], "--language", "en")
    assert "AI 답변이 아닌 검색 결과입니다" in shown and "ShieldPrompt" in shown


def test_helpful_messages_for_what_the_console_cannot_do():
    shown = run(["/digest", "/digest subscribe 09:00 Asia/Seoul", "/foo", "/digest 2030-01-01",
                 "/digest secuirty", "What is new?"], "--language", "en")
    assert "no digest stored yet" in shown and "--source FILE --date YYYY-MM-DD" in shown
    assert "Subscriptions belong to a Slack or Discord channel" in shown
    assert "Unknown command /foo" in shown
    assert "2030-01-01 is in the future" in shown
    assert 'Did you mean "Security"?' in shown
    assert "There is no digest yet" in shown


def test_korean_is_the_default_language():
    shown = run(["/digest help"])
    assert "/digest 사용법" in shown and "OPENAI_API_KEY 없음" in shown


def test_with_an_llm_answers_cite_the_papers(fixtures, stub, monkeypatch):  # noqa: F811
    run([], *source(fixtures))  # built offline first
    monkeypatch.setenv("OPENAI_API_KEY", TEST_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
    monkeypatch.setenv("DIGEST_LLM_MAX_RETRIES", "0")
    stub.push(Reply(content="RingCache shards the KV cache across GPUs and cuts memory by 62% [1]."))
    shown = run(["Which of these papers would help with long-context inference?"], "--language", "en")
    assert "LLM: gpt-4o-mini" in shown
    assert "cuts memory by 62% [1]." in shown and "Sources:\n[1] RingCache" in shown
    assert TEST_KEY not in shown and stub.calls == 1


def test_piped_from_a_shell(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "DISCORD_", "OPENAI_"))}
    env.update(DIGEST_DB=str(tmp_path / "d.db"), DIGEST_OUT=str(tmp_path / "out"), DIGEST_LANGUAGE="en")
    done = subprocess.run([sys.executable, "-m", "bot", "console"], input="/digest help\n",
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "/digest usage" in done.stdout and "you> /digest help" in done.stdout


def test_without_source_an_empty_store_builds_yesterday_from_digest_sources(fixtures, monkeypatch,
                                                                              tmp_path):
    from digest.config import load_settings
    from digest.service import DigestService

    yesterday = (DigestService(load_settings()).today() - timedelta(days=1)).isoformat()
    listed = tmp_path / "hf_yesterday.json"  # the fixture's papers, as if listed yesterday
    listed.write_text((fixtures / "hf_small.json").read_text().replace("2024-11-22", yesterday))
    monkeypatch.setenv("DIGEST_SOURCES", f"hf:{listed}")
    shown = run(["/digest"], "--language", "en")
    assert f"building the digest of {yesterday} from DIGEST_SOURCES" in shown
    assert f"Built the digest of {yesterday}: 8 papers in 7 categories." in shown
    assert "Daily Artificial Intelligence Insights : Papers" in shown and "no digest stored yet" not in shown
    again = run([], "--language", "en")  # stored now: no second build
    assert "building" not in again and "Built" not in again


def test_offline_without_source_says_how_to_start_in_one_line(capsys):
    shown = run(["/digest"], "--language", "en")
    failed = [line for line in shown.splitlines() if line.startswith("Could not build it")]
    assert len(failed) == 1 and "no such file" in failed[0]
    assert "--source PATH --date D" in failed[0]
    assert "no digest stored yet" in shown  # the session goes on
    err = capsys.readouterr().err
    assert "Traceback" not in shown + err and "source failed" not in err


def test_a_day_not_stored_is_built_like_slack_and_discord_do(monkeypatch, capsys):
    """``/digest 2024-11-22`` with nothing stored builds that day from DIGEST_SOURCES ({date}
    filled in), saying so in the chat's language; offline, one line says why it could not."""
    sample = ROOT / "digest" / "samples" / "hf_daily_papers_{date}.json"
    monkeypatch.setenv("DIGEST_SOURCES", f"hf:{sample}")
    shown = run(["/digest 2024-11-22", "/digest LLM 2024-11-21"])  # ko, the default
    assert "2024-11-22 다이제스트가 없어 DIGEST_SOURCES 로 만드는 중" in shown
    assert "Daily Artificial Intelligence Insights : Papers" in shown and "2024-11-22" in shown
    after = shown[shown.index("/digest LLM 2024-11-21"):]  # no file for that day: one line, goes on
    assert "2024-11-21 다이제스트가 없어" in after and "no such file" in after
    again = run(["/digest 2024-11-22"], "--language", "en")  # stored now (ko): composed, no build line
    assert "building it" not in again and "Daily Artificial Intelligence Insights" in again
    assert "Traceback" not in shown + again + capsys.readouterr().err
