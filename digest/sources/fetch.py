"""Polite HTTP GET for feeds: User-Agent with contact, timeouts, retries with backoff,
one request at a time with a minimum gap per host (arXiv asks for 3 s), ETag/Last-Modified kept.
"""

from __future__ import annotations

import http.client
import logging
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from digest import __version__
from digest.errors import SourceError

log = logging.getLogger(__name__)

RETRY_STATUS = {429, 500, 502, 503, 504}
MAX_BODY = 20 * 2**20  # bytes; a full arXiv RSS feed is under 1 MB, a Hugging Face day ~100 KB


@dataclass(frozen=True)
class Response:
    status: int  # 200, or 304 when the feed has not changed since the stored ETag/Last-Modified
    body: bytes
    etag: str | None = None
    modified: str | None = None


class PoliteFetcher:
    """Serializes requests; waits ``min_interval`` between requests to hosts in ``slow_hosts``."""

    def __init__(self, contact: str, timeout: float = 30.0, retries: int = 3,
                 min_interval: float = 3.0, slow_hosts: tuple[str, ...] = ("arxiv.org",),
                 backoff: float = 2.0, sleep=time.sleep, max_body: int = MAX_BODY):
        self.user_agent = f"daily-ai-insights/{__version__} ({contact})"
        self.timeout = timeout
        self.retries = retries
        self.min_interval = min_interval
        self.slow_hosts = slow_hosts
        self.backoff = backoff
        self.sleep = sleep
        self.max_body = max_body
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}

    def _wait_turn(self, host: str) -> None:
        if not any(host == h or host.endswith("." + h) for h in self.slow_hosts):
            return
        key = "arxiv"
        gap = time.monotonic() - self._last.get(key, -1e9)
        if gap < self.min_interval:
            self.sleep(self.min_interval - gap)
        self._last[key] = time.monotonic()

    def get(self, url: str, etag: str | None = None, modified: str | None = None) -> Response:
        host = urlsplit(url).hostname or ""
        headers = {"User-Agent": self.user_agent, "Accept-Encoding": "identity"}
        if etag:
            headers["If-None-Match"] = etag
        if modified:
            headers["If-Modified-Since"] = modified
        last_error = ""
        with self._lock:  # one request at a time
            for attempt in range(self.retries + 1):
                self._wait_turn(host)
                try:
                    req = urllib.request.Request(url, headers=headers)
                    with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310
                        declared = resp.length  # Content-Length; None when chunked
                        body = (b"" if declared is not None and declared > self.max_body else
                                resp.read() if declared is not None else resp.read(self.max_body + 1))
                        if len(body) > self.max_body or declared and declared > self.max_body:
                            raise SourceError(f"{display_url(url)}: response larger than "
                                              f"{self.max_body:,} bytes, not read")
                        return Response(resp.status, body, resp.headers.get("ETag"),
                                        resp.headers.get("Last-Modified"))
                except urllib.error.HTTPError as err:
                    err.close()
                    if err.code == 304:
                        return Response(304, b"", etag, modified)
                    last_error = f"HTTP {err.code}"
                    if err.code not in RETRY_STATUS:
                        break
                    delay = _retry_after(err.headers.get("Retry-After"), self.backoff * 2 ** attempt)
                except http.client.HTTPException as err:  # e.g. IncompleteRead: cut off mid-body
                    last_error = f"broken response ({type(err).__name__})"
                    delay = self.backoff * 2 ** attempt
                except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as err:
                    reason = getattr(err, "reason", err)
                    last_error = f"unreachable ({reason})"
                    if isinstance(reason, socket.gaierror):  # no DNS: offline, retrying won't help
                        break
                    delay = self.backoff * 2 ** attempt
                if attempt < self.retries:
                    log.warning("fetch %s failed (%s), retry %d/%d in %.1fs", display_url(url), last_error,
                                attempt + 1, self.retries, delay)
                    self.sleep(delay)
        raise SourceError(f"cannot fetch {display_url(url)}: {last_error}")


_SECRET_PARAMS = ("key", "token", "secret", "sig", "password", "auth")


def display_url(url: str) -> str:
    """``url`` fit for logs and chat: no user:password, secret-looking query values masked."""
    parts = urlsplit(url)
    if not parts.scheme:
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    query = "&".join(
        f"{k}=***" if any(s in k.lower() for s in _SECRET_PARAMS) else (f"{k}={v}" if sep else k)
        for k, sep, v in (q.partition("=") for q in parts.query.split("&") if q))
    return f"{parts.scheme}://{host}{parts.path}" + (f"?{query}" if query else "")


def _retry_after(value: str | None, default: float) -> float:
    """Seconds to wait from a Retry-After header: 0-120, ``default`` for a date, nan or junk."""
    try:
        seconds = float(value) if value else default
    except ValueError:
        return default
    return min(max(seconds, 0.0), 120.0) if seconds == seconds else default
