"""Logging for the bot process and every adapter's own entry point."""

from __future__ import annotations

import logging

SECRET_LOGGERS = ("slack_sdk.webhook", "slack_sdk.web", "discord.http", "discord.webhook",
                  "discord.gateway")


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: str | int = "INFO", *, fmt: str = LOG_FORMAT, stream=None) -> None:
    """The bot process' logging: ``level`` (DIGEST_LOG_LEVEL) for everything, except the SDK
    loggers that leak tokens at DEBUG (:data:`SECRET_LOGGERS`), which stay at INFO or above."""
    level = logging.getLevelName(level.upper()) if isinstance(level, str) else level
    if not isinstance(level, int):
        level = logging.INFO
    logging.basicConfig(level=level, format=fmt, stream=stream)
    logging.getLogger().setLevel(level)  # also when a handler was installed before
    for name in SECRET_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.INFO))
