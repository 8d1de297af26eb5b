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


#: Loggers of the SDKs' reconnect loops: slack_sdk's Socket Mode client (through bolt's logger)
#: and discord.py's gateway loop. Per attempt they log a full traceback, or a multi-line error.
RECONNECT_LOGGERS = ("bot.slack.bolt", "slack_bolt", "discord.client")
#: Said again by the caller, which counts the attempts (bot.slack.app, the SDK's monitor).
REPEATED = ("Failed to retrieve WSS URL",)


class OneLineReconnects(logging.Filter):
    """An outage is one log line per reconnect attempt, with its cause, not a traceback each."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = str(record.msg)
        if text.startswith(REPEATED) or (text.startswith("The session (") and "Reconnecting" in text):
            return False  # the attempt's own line (failed, or "A new session ...") follows
        if record.exc_info and ("connect" in text.lower()):
            err = record.exc_info[1]
            cause = f"{type(err).__name__}: {err}" if err is not None else ""
            record.msg, record.args = "event=reconnect %s (cause: %s)", (record.getMessage(), cause)
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info = record.exc_text = None
        if "\n" in record.getMessage():  # slack_sdk's errors carry the server's answer on a new line
            record.msg, record.args = " ".join(record.getMessage().split()), ()
        return True


def quiet_reconnects() -> None:
    for name in RECONNECT_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, OneLineReconnects) for f in logger.filters):
            logger.addFilter(OneLineReconnects())
