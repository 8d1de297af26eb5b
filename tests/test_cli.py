"""The `digest` command as a user runs it: files written, one-line errors, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from digest.cli import main

DAY = "2024-11-22"


@pytest.fixture
def hf(fixtures) -> str:
    return str(fixtures / "engine/hf_day.json")


def test_build_writes_report_and_chart(tmp_path, hf, capsys):
    out = tmp_path / "out"
    assert main(["build", "--date", DAY, "--source", hf, "--out", str(out)]) == 0
    report = (out / f"digest_{DAY}.md").read_text()
    assert report.startswith("# Daily Artificial Intelligence Insights : Papers")
    assert (out / f"paper_{DAY}.png").read_bytes().startswith(b"\x89PNG")
    printed = capsys.readouterr()
    assert f"digest_{DAY}.md" in printed.out and "No OPENAI_API_KEY" in printed.err


def test_show_prints_one_category_and_suggests_on_typo(hf, capsys):
    main(["build", "--date", DAY, "--source", hf])
    capsys.readouterr()
    assert main(["show", "security", DAY]) == 0
    shown = capsys.readouterr().out
    assert "## 🛡️ Security" in shown and "Jailbreak Shield" in shown and "## 👁️ Computer Vision" not in shown
    assert main(["show", "secuirty"]) == 2
    assert 'Did you mean "Security"' in capsys.readouterr().err


@pytest.mark.parametrize("args, message", [
    (["build", "--date", "2999-01-01"], "in the future"),
    (["build", "--date", "24-11-2024"], "is not a valid date"),
    (["build", "--date", DAY, "--source", "/no/such/file.json"], "no such file"),
    (["show", "2024-11-01", "--language", "en"], "no digest"),
    (["show", "2024-11-01", "--language", "ko"], "다이제스트가 없습니다"),  # the report's language
])
def test_bad_input_gets_one_line_error_and_exit_2(args, message, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: ") and message in err[-1]


def test_unwritable_output_folder(hf, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["build", "--date", DAY, "--source", hf, "--out", str(blocker / "sub")]) == 2
    assert "cannot write to" in capsys.readouterr().err


@pytest.mark.parametrize("language, message", [("ko", "새 논문이 없습니다"), ("en", "no new papers")])
def test_weekend_says_no_new_papers(fixtures, capsys, language, message):
    weekend = str(fixtures / "engine/arxiv_weekend.xml")
    assert main(["build", "--date", "2024-11-23", "--source", weekend, "--language", language]) == 0
    assert message in capsys.readouterr().out


def test_classify_json_lines(hf, capsys):
    assert main(["classify", "--source", hf, "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 6 and set(rows[0]) == {"arxiv_id", "category", "confidence"}
    assert {r["arxiv_id"]: r["category"] for r in rows}["2411.90002"] == "Security"


def test_categories_lists_the_taxonomy(capsys):
    assert main(["categories"]) == 0
    out = capsys.readouterr().out
    assert "Reinforcement Learning" in out and "aliases" in out


def test_console_script_runs_from_a_fresh_process(tmp_path, hf):
    env = {**os.environ, "DIGEST_DB": str(tmp_path / "x.db")}
    run = subprocess.run([sys.executable, "-m", "digest.cli", "build", "--date", DAY, "--source", hf,
                          "--out", str(tmp_path)], capture_output=True, text=True, env=env, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "papers in" in run.stdout
