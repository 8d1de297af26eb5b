"""Issue 17: the web archive in a REAL browser (headless Chromium, the Debian package) served from
a local HTTP server on 127.0.0.1: the index and a day page load with no console message, every
request the page makes (stylesheet, chart) is answered 200, the Korean headings are in the DOM,
and the screenshot is not blank (Korean glyphs drawn, not only the background).

Skips, with the reason, when no ``chromium`` is installed (``.ci/run`` installs it)."""

from __future__ import annotations

import functools
import http.server
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest

from digest.site import build_site
from site_fixtures import real_store

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install chromium; .ci/run does)")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--enable-logging=stderr", "--v=0", "--hide-scrollbars"]
DOCS_SHOT = Path(__file__).resolve().parents[1] / "docs" / "archive-day.png"


class Server:
    """A static file server on 127.0.0.1 that records (path, status) of every request."""

    def __init__(self, root: Path) -> None:
        self.requests: list[tuple[str, int]] = []
        log = self.requests

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_request(self, code="-", size="-"):
                log.append((self.path, int(code)))

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                     functools.partial(Handler, directory=str(root)))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def chromium(url: str, *extra: str) -> tuple[str, str]:
    """Run Chromium once on ``url`` with a fresh profile; (stdout, console lines from stderr)."""
    with tempfile.TemporaryDirectory() as profile:
        run = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *extra, url],
                             capture_output=True, text=True, timeout=60)
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line]
    return run.stdout, console


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    store, days = real_store(tmp / "digest.db", 3)
    build_site(store, tmp / "site", "ko")
    store.close()
    server = Server(tmp / "site")
    yield server, days, tmp
    server.close()


def test_index_and_day_page_load_cleanly_in_chromium(site):
    server, days, tmp = site
    dom, console = chromium(server.url + "/index.html", "--dump-dom")
    assert console == [] and "Daily AI Insights: 전체 다이제스트" in dom and "논문 12편" in dom
    day = days[-1]  # 2024-10-17 (the third stored day)
    server.requests.clear()
    dom, console = chromium(f"{server.url}/day/{day}.html", "--dump-dom")
    assert console == [], console
    assert f"{day} AI 논문" in dom and "출처" in dom and 'lang="ko"' in dom
    served = dict(server.requests)
    assert served.get(f"/day/{day}.png") == 200 and served.get("/style.css") == 200, server.requests
    assert all(status == 200 for _, status in server.requests), server.requests


def test_day_page_screenshot_shows_the_page(site):
    from PIL import Image

    server, days, tmp = site
    shot = tmp / "day.png"
    chromium(f"{server.url}/day/{days[-1]}.html", f"--screenshot={shot}", "--window-size=412,1400")
    image = Image.open(shot).convert("L")
    # the header band (title in Korean, 24 px high) and the chart: drawn pixels, not a blank page
    title = image.crop((0, 50, 412, 110))
    assert title.getextrema()[0] < 80, "no dark text where the Korean title is"
    colors = len(image.getcolors(maxcolors=1 << 16) or [])
    assert colors > 50, f"screenshot nearly blank ({colors} grey levels)"
    if not DOCS_SHOT.exists():  # the README's screenshot (kept in git; rewritten when deleted)
        shutil.copyfile(shot, DOCS_SHOT)


def test_a_broken_page_is_caught(site):
    """The checks above can fail: a page whose image is missing and which logs to the console."""
    server, days, tmp = site
    (tmp / "site" / "broken.html").write_text(
        '<!DOCTYPE html><html lang="ko"><body><img src="gone.png" alt="x">'
        '<script>console.error("boom")</script></body></html>', "utf-8")
    server.requests.clear()
    _, console = chromium(server.url + "/broken.html", "--dump-dom")
    assert any('"boom"' in line for line in console)
    assert ("/gone.png", 404) in server.requests
