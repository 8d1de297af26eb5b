"""Logging for the bot process and every adapter's own entry point."""

from __future__ import annotations

import logging

from digest.logs import TEXT_FORMAT, configure

# At DEBUG these SDK loggers print request URLs and bodies: Slack ``response_url``s and Discord
# interaction webhook URLs embed tokens. They never go below INFO, whatever DIGEST_LOG_LEVEL says.
SECRET_LOGGERS = ("slack_sdk.webhook", "slack_sdk.web", "discord.http", "discord.webhook",
                  "discord.gateway")

LOG_FORMAT = TEXT_FORMAT


def configure_logging(level: str | int = "INFO", *, fmt: str = "text", stream=None) -> None:
    """The bot process' logging: ``level`` (DIGEST_LOG_LEVEL) for everything, except the SDK
    loggers that leak tokens at DEBUG (:data:`SECRET_LOGGERS`), which stay at INFO or above;
    ``fmt`` is DIGEST_LOG_FORMAT (text, or json: one object per line)."""
    level = logging.getLevelName(level.upper()) if isinstance(level, str) else level
    if not isinstance(level, int):
        level = logging.INFO
    configure(level, fmt, stream)
    for name in SECRET_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.INFO))
