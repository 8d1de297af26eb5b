"""Shared test isolation: no developer .env, no real settings, no proxies, a fresh database."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest.config import Settings, get_settings

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def isolated_settings(monkeypatch, tmp_path):
    """Every test starts from the defaults: no .env, no keys or tokens, a tmp database."""
    monkeypatch.setitem(Settings.model_config, "env_file", None)
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(proxy, raising=False)
    monkeypatch.setenv("DIGEST_DB", str(tmp_path / "digest.db"))
    monkeypatch.setenv("DIGEST_OUT", str(tmp_path / "out"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
