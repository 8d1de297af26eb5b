"""The Slack Web API client the bot uses everywhere: base URL override, rate-limit retries."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from digest.config import Settings
from digest.errors import ConfigError

DEFAULT_API_URL = "https://slack.com/api/"
RATE_LIMIT_RETRIES = 3


def secret(value) -> str | None:
    """The plain string of a ``SecretStr`` setting (never log it)."""
    if value is None:
        return None
    raw = value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)
    return raw.strip() or None


def api_url(settings: Settings) -> str:
    url = (settings.slack_api_url or "").strip() or DEFAULT_API_URL
    return url if url.endswith("/") else url + "/"


def make_client(settings: Settings, token: str | None = None, timeout: int = 30) -> AsyncWebClient:
    """An ``AsyncWebClient`` on ``SLACK_API_URL`` that waits out 429s (``Retry-After``) and
    retries nothing else by itself (no blind re-send after a dropped connection)."""
    token = token or secret(settings.slack_bot_token)
    if not token:
        raise ConfigError("SLACK_BOT_TOKEN is not set: install the app to your workspace and copy "
                          "its Bot User OAuth Token (xoxb-...), see docs/slack.md")
    client = AsyncWebClient(token=token, base_url=api_url(settings), timeout=timeout)
    # only 429s are retried here: the SDK's default connection-error handler would re-send a
    # chat.postMessage that may have gone out; bot.slack.post.call_with_retry checks, then retries
    client.retry_handlers = [AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)]
    return client


def error_code(err: BaseException) -> str:
    """Slack's error code (``not_in_channel``, ``ratelimited``...) or the exception's name."""
    if isinstance(err, SlackApiError):
        response = err.response
        code = response.get("error") if hasattr(response, "get") else None
        return str(code or f"http_{getattr(response, 'status_code', '?')}")
    return type(err).__name__
