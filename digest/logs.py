"""Log output for every entry point: plain text for people, or one JSON object per line
(``DIGEST_LOG_FORMAT=json``) for log shippers, which then need no multi-line parsing.

Log lines in this project follow ``event=name key=value ... free text``; the JSON form turns
that into ``{"time", "level", "logger", "event", <key>: <value>..., "message"}`` so that a
shipper can filter on fields without regular expressions. Tracebacks go in ``"exc"``.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timezone

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_PAIR = re.compile(r"(\w+)=(\S+)\s*")
#: LogRecord attributes that are not ``extra=`` fields.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime",
                                                                         "taskName"}


def fields(message: str) -> tuple[dict[str, str], str]:
    """Leading ``key=value`` pairs of a message (from ``event=`` on), and the rest of the text."""
    if not message.startswith("event="):
        return {}, message
    found, pos = {}, 0
    while m := _PAIR.match(message, pos):
        found[m.group(1)] = m.group(2).rstrip(":,")
        pos = m.end()
    return found, message[pos:]


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        pairs, rest = fields(message)
        obj = {"time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(
                   timespec="milliseconds"),
               "level": record.levelname, "logger": record.name,
               "event": pairs.pop("event", None) or message}
        for key, value in vars(record).items():  # extra={...}
            if key not in _STANDARD and not key.startswith("_"):
                obj.setdefault(key, value)
        for key, value in pairs.items():
            obj.setdefault(key, value)
        if rest and rest != message:
            obj["text"] = rest
        obj["message"] = message
        if record.exc_info:
            obj["exc"] = self.formatException(record.exc_info)
        return json.dumps(obj, ensure_ascii=False, default=str)


# Credentials inside URLs: ``scheme://user:password@`` and secret-looking query values.
_URL_USERINFO = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://)[^/\s@]+@")
_URL_SECRET = re.compile(r"([?&][^=&\s]*(?:key|token|secret|sig|password|auth)[^=&\s]*=)[^&\s\"']+",
                         re.IGNORECASE)


class UrlSecrets(logging.Filter):
    """Masks credentials in URLs of every record: the HTTP client logs each request's full URL
    at INFO, and OPENAI_BASE_URL may carry ``user:password@`` (a gateway) or an ``api-key``."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = _URL_SECRET.sub(r"\1***", _URL_USERINFO.sub(r"\1***@", message))
        if masked != message:
            record.msg, record.args = masked, None
        return True


def configure(level: int, fmt: str = "text", stream=None) -> None:
    """One root handler writing ``fmt`` (text or json) at ``level``; like ``basicConfig``, no
    handler is added where someone else (a test runner, an embedding app) installed one."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "digest_handler", False)]:
        root.removeHandler(old)
    if not root.handlers:
        handler = logging.StreamHandler(stream)
        handler.digest_handler = True
        handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
        handler.addFilter(UrlSecrets())
        root.addHandler(handler)
    root.setLevel(level)
