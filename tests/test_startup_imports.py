"""Reading a stored digest starts quickly: `digest show` and the console's first prompt load
neither matplotlib (only a build draws the chart) nor the openai SDK (only an LLM call needs it),
even with OPENAI_API_KEY set, nor any chat SDK. Checked in fresh interpreters."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from digest.config import load_settings
from digest.service import DigestService

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("matplotlib", "numpy", "openai", "discord", "slack_sdk", "slack_bolt", "feedparser")
DAY = "2024-11-22"

PROBE = """
import io, sys
{call}
loaded = sorted({{m.split('.')[0] for m in sys.modules}} & set({heavy!r}))
print('LOADED', ','.join(loaded))
"""


@pytest.fixture
def stored(fixtures, tmp_path) -> dict:
    """A database with one digest, built here (the build itself draws a chart)."""
    service = DigestService(load_settings(digest_language="en"))
    service.build(date(2024, 11, 22), sources=[str(fixtures / "hf_small.json")])
    service.store.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI", "SLACK", "DISCORD"))}
    # a key is set (answers would use the LLM) but nothing here needs it; the URL is never called
    env.update(OPENAI_API_KEY="sk-test-not-used", OPENAI_BASE_URL="http://127.0.0.1:9/v1",
               DIGEST_LANGUAGE="en", PYTHONPATH=str(ROOT))
    return env


def loaded_modules(env: dict, call: str) -> tuple[list[str], str]:
    done = subprocess.run([sys.executable, "-c", PROBE.format(call=call, heavy=HEAVY)], env=env,
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    line = [x for x in done.stdout.splitlines() if x.startswith("LOADED")][-1]
    return [m for m in line[len("LOADED "):].split(",") if m], done.stdout


def test_digest_show_loads_no_chart_library_and_no_llm_or_chat_sdk(stored):
    loaded, out = loaded_modules(stored, f"from digest.cli import main\nmain(['show', '{DAY}'])")
    assert "RingCache" in out  # the digest was really shown
    assert loaded == []


def test_console_first_prompt_loads_no_chart_library_and_no_llm_or_chat_sdk(stored):
    call = ("from bot.console import main\n"
            f"main(['--date', '{DAY}', '--language', 'en'], stdin=io.StringIO('/digest\\n'))")
    loaded, out = loaded_modules(stored, call)
    assert "LLM: gpt-4o-mini" in out and "RingCache" in out  # the banner, then the digest
    assert loaded == []
