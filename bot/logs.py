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
    quiet_reconnects()


#: (logger, message start) of the SDKs' reconnect logs that carry a full traceback per attempt:
#: slack_sdk's Socket Mode client (through bolt's logger) and discord.py's gateway loop.
RECONNECT_LOGS = (("bot.slack.bolt", "Failed to connect"), ("slack_bolt", "Failed to connect"),
                  ("discord.client", "Attempting a reconnect"))


class OneLineReconnects(logging.Filter):
    """An outage is one log line per reconnect attempt, with the cause, not a traceback each."""

    def __init__(self, prefix: str):
        super().__init__()
        self.prefix = prefix

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and str(record.msg).startswith(self.prefix):
            err = record.exc_info[1]
            cause = f"{type(err).__name__}: {err}" if err is not None else ""
            record.msg = f"event=reconnect logger={record.name} %s (cause: %s)"
            record.args = (record.getMessage(), " ".join(cause.split()))
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info = record.exc_text = None
        return True


def quiet_reconnects() -> None:
    for name, prefix in RECONNECT_LOGS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, OneLineReconnects) for f in logger.filters):
            logger.addFilter(OneLineReconnects(prefix))
