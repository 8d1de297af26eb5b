"""Docs that are tested: every setting in .env.example, the README's commands exist."""

from __future__ import annotations

import re
from pathlib import Path

from digest.config import Settings

ROOT = Path(__file__).parents[1]


def env_example() -> dict[str, str]:
    """Setting -> the comment lines just above it."""
    found, comment = {}, []
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.startswith("#"):
            comment.append(line)
        elif m := re.match(r"^([A-Z0-9_]+)=", line):
            found[m.group(1)] = " ".join(comment)
        else:
            comment = []
    return found


def test_every_setting_is_in_env_example_with_a_comment():
    documented = env_example()
    missing = [name.upper() for name in Settings.model_fields if name.upper() not in documented]
    assert not missing, f"add to .env.example: {missing}"
    uncommented = [k for k, c in documented.items() if not c.strip("# ")]
    assert not uncommented


def test_env_example_names_no_unknown_setting():
    known = {name.upper() for name in Settings.model_fields}
    assert set(env_example()) <= known


def test_readme_two_commands_and_ci_calls_the_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme
    assert "make test" in (ROOT / ".ci/run").read_text()
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^run:", makefile, re.M) and re.search(r"^test:", makefile, re.M)


def test_every_cli_command_is_in_the_readme():
    from digest.cli import build_parser

    readme = (ROOT / "README.md").read_text()
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    missing = [name for name in sub.choices if f"digest {name}" not in readme]
    assert not missing, f"document in README: {missing}"


def test_readme_names_the_shipped_sample_how_to_call_digest_and_the_default_language():
    readme = (ROOT / "README.md").read_text()
    samples = re.findall(r"digest/samples/(hf_daily_papers_[\d-]+\.json)", readme)
    assert samples and all((ROOT / "digest" / "samples" / name).is_file() for name in samples)
    assert "path/to/" not in readme  # no placeholder where a real file ships
    assert ". .venv/bin/activate" in readme and 'make digest ARGS="' in readme
    assert re.search(r"^digest: ", (ROOT / "Makefile").read_text(), re.M)
    top = readme[:readme.index("## The two commands")]
    assert "Korean by default" in top and "DIGEST_LANGUAGE=en" in top
    assert "docs/deploy.md" in readme


def test_env_example_parses_as_the_defaults(monkeypatch):
    """Loaded as a .env file, the example gives exactly the defaults (no typo, no empty path)."""
    from dotenv import dotenv_values

    monkeypatch.delenv("DIGEST_DB")
    monkeypatch.delenv("DIGEST_OUT")
    values = {k.lower(): v for k, v in dotenv_values(ROOT / ".env.example").items() if v}
    from_example = Settings(_env_file=None, **values)
    defaults = Settings(_env_file=None)
    assert from_example.model_dump() == defaults.model_dump()
