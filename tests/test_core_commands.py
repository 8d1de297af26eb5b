"""bot.core.commands.dispatch: one /digest parse and routing for Slack and Discord."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from bot.core.commands import DIGEST, INSTANT, SUBSCRIPTION, dispatch
from digest.classify.taxonomy import load_taxonomy


@pytest.fixture(scope="module")
def service():
    return SimpleNamespace(taxonomy=load_taxonomy(), today=lambda: date(2024, 11, 22))


@pytest.mark.parametrize("text, route, kind", [
    ("", DIGEST, "digest"), ("LLM 2024-11-20", DIGEST, "category"), ("help", INSTANT, "help"),
    ("categories", INSTANT, "categories"), ("2024-13-45", INSTANT, "error"),
    ("settings", SUBSCRIPTION, "settings"), ("unsubscribe", SUBSCRIPTION, "unsubscribe"),
])
def test_routes(service, text, route, kind):
    query, got = dispatch(service, text, "en")
    assert (query.kind, got) == (kind, route)
