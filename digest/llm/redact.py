"""Secrets out of a model's text before anything shows, stores or validates it.

A model may echo a key it saw (in a prompt, a paper, an injected abstract); the reply is shown in
chat and cached, so the API key and secret-looking tokens are replaced first.
"""

from __future__ import annotations

import re

# Secret-looking tokens in a model's text (shown and stored): OpenAI/Anthropic-style keys,
# bearer tokens, GitHub, Slack, AWS and Google keys. Narrower than the client's _SECRETISH, which is for
# error lines: words like "key-value" must survive in a summary.
_SECRET_TOKEN = re.compile(
    r"\b(?:sk|rk|pk)-(?:[A-Za-z0-9]+-)*[A-Za-z0-9_\-]{16,}|\bBearer\s+[A-Za-z0-9._\-]{16,}"
    r"|\bgh[pousr]_[A-Za-z0-9]{20,}|\bxox[abprs]-[A-Za-z0-9\-]{10,}|\bAKIA[0-9A-Z]{16}\b"
    r"|\bAIza[0-9A-Za-z_\-]{30,}")
REDACTED = "[redacted]"


def redact_secrets(text: str, key: str | None = None) -> str:
    """``text`` with the API key and secret-looking tokens replaced (line breaks kept)."""
    if not text:
        return text
    if key and len(key) >= 8:
        text = text.replace(key, REDACTED)
    return _SECRET_TOKEN.sub(REDACTED, text)
