"""Issue 17 items 3-4: the static web archive (``digest site``): pages, feed, escaping, the
incremental rebuild, and the bot's read-only ``/archive/`` route."""

from __future__ import annotations

import asyncio
import calendar
import os
import re
import time
from dataclasses import replace
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import feedparser
import pytest
from aiohttp import web

from digest.cli import main
from digest.models import CategorySummary, Digest, Paper
from digest.site import build_site
from digest.site.feed import entry_id
from digest.site.html import markdown_html
from digest.store import Store
from site_fixtures import digest_of, real_days, real_store, save

VOID = {"meta", "link", "img", "br", "hr", "input", "source", "wbr"}


class Balance(HTMLParser):
    """Well-formedness of our HTML5: every non-void element closed in order, no stray end tag."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.text: list[str] = []
        self.hrefs: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.hrefs += [v or "" for k, v in attrs if k in ("href", "src")]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.errors.append(f"<{tag} /> (XHTML syntax in an HTML page)")

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def parse(path: Path) -> Balance:
    checker = Balance()
    checker.feed(path.read_text("utf-8"))
    checker.close()
    assert not checker.errors and not checker.stack, (path, checker.errors[:3], checker.stack)
    return checker


@pytest.fixture
def year(tmp_path):
    store, days = real_store(tmp_path / "digest.db", 8)
    yield store, days
    store.close()


def test_site_pages_are_well_formed_linked_and_korean(year, tmp_path):
    store, days = year
    out = tmp_path / "site"
    build_site(store, out, "ko")
    index = parse(out / "index.html")
    day_links = [h for h in index.hrefs if h.startswith("day/")]
    assert day_links == [f"day/{d.isoformat()}.html" for d in sorted(days, reverse=True)]  # newest first
    assert 'lang="ko"' in (out / "index.html").read_text("utf-8")
    assert "논문 12편" in "".join(index.text)  # 2024-10-19 holds 12 papers
    for d in days:
        page = parse(out / "day" / f"{d.isoformat()}.html")
        text = "".join(page.text)
        digest = store.load_digest(d, "ko")
        for s in digest.summaries:  # every category: a section with its anchor, its sources
            assert f'id="{s.category.lower().replace(" ", "-")}"' in (out / "day" / f"{d.isoformat()}.html").read_text()
            assert all(" ".join(p.title.split()) in text for p in s.papers)
        assert f"{d.isoformat()}.png" in page.hrefs and (out / "day" / f"{d.isoformat()}.png").read_bytes() == digest.chart_png
        assert not any(h.startswith("javascript") for h in page.hrefs) and "script" not in page.tags
    weeks = sorted((out / "week").glob("*.html"))
    assert [w.stem for w in weeks] == ["2024-W42", "2024-W43"]
    w42 = "".join(parse(weeks[0]).text)
    # Mon 14 Oct has no digest in the data: named, not skipped; Tue 15 Oct onwards linked
    assert "2024-10-14 저장된 다이제스트 없음" in w42 and "../day/2024-10-15.html" in parse(weeks[0]).hrefs
    css = (out / "style.css").read_text()
    assert "Noto Sans KR" in css and "viewport" in (out / "index.html").read_text()


def test_atom_feed_parses_back_with_feedparser(year, tmp_path, monkeypatch):
    store, days = year
    out = tmp_path / "site"
    build_site(store, out, "ko", "https://example.org/archive/")
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.id == "tag:daily-ai-insights,2024:digest/ko"
    assert feed.feed.author == "Daily AI Insights" and feed.feed.updated_parsed
    assert [e.id for e in feed.entries] == [entry_id("ko", d) for d in sorted(days, reverse=True)]
    assert len({e.id for e in feed.entries}) == len(days)
    newest = feed.entries[0]
    assert newest.link == f"https://example.org/archive/day/{days[-1].isoformat()}.html"
    assert newest.content[0].type == "text/html"
    digest = store.load_digest(days[-1], "ko")
    assert calendar.timegm(newest.updated_parsed) == int(digest.created_at)  # when it was composed
    html = newest.content[0].value
    assert all(s.category in html for s in digest.summaries) and "<li>" in html
    # ids do not depend on where the site lives: rebuilt under another URL, same ids
    build_site(store, out, "ko", "")
    again = feedparser.parse((out / "feed.xml").read_bytes())
    assert [e.id for e in again.entries] == [e.id for e in feed.entries]
    assert again.entries[0].link.endswith(f"day/{days[-1].isoformat()}.html")


HOSTILE_TITLE = '<script>alert("t")</script> Prompt <b>injection</b> & friends'
HOSTILE_TEXT = ("1. **Key themes**\n   - <script>alert(1)</script> <img src=x onerror=alert(2)>\n"
                "   - [click me](javascript:alert(3)) and [arxiv.org/abs/2411.1](https://evil.example/phish)\n"
                "   - <javascript:alert(4)> [x](data:text/html,hi)\n")


def test_hostile_titles_and_llm_text_render_as_text(tmp_path):
    store = Store(tmp_path / "digest.db")
    paper = Paper("2411.66666", HOSTILE_TITLE, "abs", url="javascript:alert(5)", popularity=7)
    day = date(2024, 11, 22)
    summary = CategorySummary('LLM"><script>x</script>', "🤖", (paper,), HOSTILE_TEXT, "gpt", "ko")
    save(store, Digest(day, "ko", (summary,), ((summary.category, 1),)), [paper])
    out = tmp_path / "site"
    build_site(store, out, "ko")
    for rel in ("index.html", f"day/{day}.html", "week/2024-W47.html"):
        raw = (out / rel).read_text("utf-8")
        page = parse(out / rel)
        charts = 1 if rel.startswith("week/") else 0  # the week chart, nothing from the texts
        assert "script" not in page.tags and page.tags[page.tags.index("main"):].count("img") == charts, rel
        assert not [h for h in page.hrefs if h != "data:," and not h.startswith(
            ("http", "day/", "../", "week/", "#", "index", "feed", "style", "2024"))], rel
        assert "onerror=" not in raw.replace("onerror=alert", "") or "&lt;img" in raw
    day_raw = (out / "day" / f"{day}.html").read_text("utf-8")
    text = "".join(parse(out / "day" / f"{day}.html").text)
    assert '<script>alert("t")</script> Prompt <b>injection</b> & friends' in text  # shown, as text
    week_text = "".join(parse(out / "week" / "2024-W47.html").text)  # the week's most upvoted paper
    assert HOSTILE_TITLE in week_text and 'LLM"><script>x</script>' in week_text
    assert "<script>alert(1)</script>" in text and "javascript:" not in "".join(parse(out / "day" / f"{day}.html").hrefs)
    assert "click me" in text and "evil.example" in text  # the phishing label shows its real host
    assert 'href="https://evil.example/phish"' in day_raw
    import xml.etree.ElementTree as ET

    content = ET.parse(out / "feed.xml").find(".//{http://www.w3.org/2005/Atom}content").text
    assert "<script" not in content and "&lt;script&gt;alert(1)" in content  # the HTML inside the XML
    assert "javascript:" not in "".join(re.findall(r'href="([^"]*)"', content))


def test_markdown_renderer_keeps_structure_and_drops_html():
    html = markdown_html("1. **Key themes**\n   - one\n   - two\n\n`<b>code</b>` <u>u</u>")
    assert "<ol>" in html and "<strong>Key themes</strong>" in html and html.count("<li>") == 3
    assert "<u>" not in html and "&lt;u&gt;" in html and "<code>&lt;b&gt;code&lt;/b&gt;</code>" in html


def test_rebuild_after_a_new_day_rewrites_only_that_day_its_week_index_and_feed(year, tmp_path):
    store, days = year
    out = tmp_path / "site"
    build_site(store, out, "ko")
    files = sorted(p for p in out.rglob("*") if p.is_file() and p.name != ".site.json")
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in files}
    old = time.time() - 3600  # so any rewrite shows in the mtime, however coarse the clock
    for p in files:
        os.utime(p, (old, old))
    before = {p: (p.stat().st_mtime_ns, b) for p, (_, b) in before.items()}
    assert build_site(store, out, "ko").written == []  # nothing new: nothing written
    new_day, records = list(real_days().items())[len(days)]  # 2024-10-23, a Wednesday of W43
    save(store, *digest_of(new_day, records))
    result = build_site(store, out, "ko")
    expected = {f"day/{new_day}.html", f"day/{new_day}.png", "week/2024-W43.html", "week/2024-W43.png",
                "index.html", "feed.xml"}
    assert set(result.written) == expected
    for p, (mtime, data) in before.items():
        rel = p.relative_to(out).as_posix()
        if rel in expected:
            assert p.stat().st_mtime_ns != mtime and p.read_bytes() != data, rel
        else:
            assert p.stat().st_mtime_ns == mtime and p.read_bytes() == data, rel
    assert f"day/{new_day}.html" in (out / "index.html").read_text()
    # a rebuilt day (new created_at) rewrites that day again, its week and the week after (whose
    # report compares with it), not the others
    digest = store.load_digest(days[0], "ko")
    store.save_digest(replace(digest, summaries=digest.summaries[:1]))
    assert set(build_site(store, out, "ko").written) == {
        f"day/{days[0]}.html", f"day/{days[0]}.png", "week/2024-W42.html", "week/2024-W42.png",
        "week/2024-W43.html", "week/2024-W43.png", "index.html", "feed.xml"}
    # a deleted digest: its page and chart go, its week, the index and the feed are rewritten
    with store.transaction() as db:
        db.execute("delete from digests where day = ?", [new_day.isoformat()])
    assert set(build_site(store, out, "ko").written) == {"week/2024-W43.html", "week/2024-W43.png",
                                                          "index.html", "feed.xml"}
    assert not (out / f"day/{new_day}.html").exists() and f"{new_day}" not in (out / "index.html").read_text()


def test_cli_site_command_writes_the_archive(tmp_path, monkeypatch, capsys):
    store, days = real_store(tmp_path / "digest.db", 2, chart=False)
    store.close()
    monkeypatch.setenv("DIGEST_DB", str(tmp_path / "digest.db"))
    assert main(["site", "--out", str(tmp_path / "site"), "--language", "ko"]) == 0
    assert "2 days" in capsys.readouterr().out
    assert (tmp_path / "site" / "day" / f"{days[0]}.html").exists()
    (tmp_path / "file").write_text("x")
    assert main(["site", "--out", str(tmp_path / "file" / "site")]) == 2
    assert capsys.readouterr().err.startswith("error: cannot write")


# --- the bot's /archive/ route ---------------------------------------------------------------
def test_bot_serves_the_archive_read_only(tmp_path):
    from bot.health import Health

    out = tmp_path / "site"
    (out / "day").mkdir(parents=True)
    (out / "index.html").write_text("<p>index</p>")
    (out / "day" / "2024-10-19.html").write_text("<p>day</p>")
    (tmp_path / "secret.txt").write_text("token")
    os.symlink(tmp_path / "secret.txt", out / "link.txt")

    async def scenario():
        from aiohttp import ClientSession

        health = Health()
        health.archive_dir = out
        runner, port = await health.serve("127.0.0.1", 0)
        base = f"http://127.0.0.1:{port}"
        got = {}
        try:
            async with ClientSession() as http:
                for path in ("/archive/", "/archive", "/archive/index.html", "/archive/day/2024-10-19.html",
                             "/archive/day/", "/archive/../secret.txt", "/archive/%2e%2e/secret.txt",
                             "/archive/day/%2e%2e/%2e%2e/secret.txt", "/archive/link.txt",
                             "/archive/nope.html", "/healthz"):
                    async with http.get(base + path, allow_redirects=True) as r:
                        got[path] = (r.status, await r.text())
                async with http.post(base + "/archive/index.html") as r:
                    got["POST"] = (r.status, "")
        finally:
            await runner.cleanup()
        return got

    got = asyncio.run(scenario())
    assert got["/archive/"] == (200, "<p>index</p>") and got["/archive"][1] == "<p>index</p>"
    assert got["/archive/index.html"][0] == 200 and got["/archive/day/2024-10-19.html"] == (200, "<p>day</p>")
    for path in ("/archive/day/", "/archive/../secret.txt", "/archive/%2e%2e/secret.txt",
                 "/archive/day/%2e%2e/%2e%2e/secret.txt", "/archive/link.txt", "/archive/nope.html"):
        assert got[path][0] in (403, 404) and "token" not in got[path][1], (path, got[path])
    assert got["POST"][0] == 405 and got["/healthz"][0] == 200


# --- DIGEST_SITE_URL: the daily post links to the day's page ------------------------------------
def test_daily_posts_link_to_the_days_page_when_a_site_url_is_set():
    from bot.discord import embeds
    from bot.slack import blocks
    from digest.site.url import day_url

    day = date(2024, 10, 19)
    summary = CategorySummary("LLM", "🤖", (Paper("2410.00001", "A title"),), "text", "gpt", "ko")
    digest = Digest(day, "ko", (summary,), (("LLM", 1),))
    page = "https://example.org/archive/day/2024-10-19.html"
    assert day_url("https://example.org/archive/", day) == page == day_url("https://example.org/archive", day)
    for bad in ("", None, "javascript:alert(1)", "example.org/archive"):
        assert day_url(bad, day) is None
    slack = json_text(blocks.daily_post(digest, "https://example.org/archive").blocks)
    assert f"<{page}|{page}>" in slack and "웹 아카이브" in slack
    assert "archive" not in json_text(blocks.daily_post(digest).blocks)
    assert "javascript" not in json_text(blocks.daily_post(digest, "javascript:alert(1)").blocks)
    header = embeds.daily_header(digest, site_url="https://example.org/archive")
    assert header[0].embeds[0].url == page
    assert embeds.daily_header(digest)[0].embeds[0].url is None


def json_text(value) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def test_week_page_shows_the_week_report_and_its_chart(year, tmp_path):
    """The week page carries the week report (issue 17 item 1) for the Monday-Sunday week against
    the one before: counts with ▲/▼ and %, rising terms, missing days named, the chart beside it."""
    from digest.classify.taxonomy import load_taxonomy
    from digest.week import week_report
    from digest.week.render import change_text

    store, days = year
    out = tmp_path / "site"
    build_site(store, out, "ko")
    page = parse(out / "week" / "2024-W43.html")
    text = " ".join(page.text)
    source = SimpleNamespace(store=store, taxonomy=load_taxonomy(), llm=None, settings=None)
    week = week_report(source, date(2024, 10, 27), "ko", trend=False)
    assert week.previous_total > 0 and week.rising and week.missing
    for c in week.categories:  # each row: name, this week, the week before, ▲/▼ %
        assert f"{c.category}" in text and change_text(c, "ko") in text
    assert any("▲" in change_text(c, "ko") for c in week.categories)
    assert any("%" in change_text(c, "ko") for c in week.categories)
    for r in week.rising:
        assert f"{r.term}: {r.this_week} / {r.last_week}" in text
    for d in week.missing:  # the missing days are named, not skipped
        assert d.isoformat() in text
    raw = (out / "week" / "2024-W43.html").read_text("utf-8")
    assert '<img src="2024-W43.png"' in raw
    assert (out / "week" / "2024-W43.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
