"""The week (issue 17 item 1) on two stored weeks built from ../shared/data (Hugging Face days
2024-11-18..26): counts, changes, missing days, rising terms and top papers checked against
numbers computed here straight from the files; the chart's Korean glyphs; /digest week; the LLM
paragraph (real openai SDK against the stub), cached, and its absence offline."""

from __future__ import annotations

import io
import json
import re
import shutil
import warnings
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import matplotlib.image as mpimg
import pytest

from digest.classify.keyword import KeywordClassifier
from digest.config import load_settings
from digest.lexicon import is_function_word
from digest.models import Paper
from digest.query.parse import parse_query
from digest.service import DigestService
from digest.week import render_week_markdown, week_chart_png, week_report

try:
    from openai_stub import Reply, llm_settings, stub  # noqa: F401
except ImportError:  # pragma: no cover
    from tests.openai_stub import Reply, llm_settings, stub  # noqa: F401

HF = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "hf_daily_papers"
pytestmark = pytest.mark.skipif(not HF.exists(), reason="../shared/data (real Hugging Face days) absent")
END = date(2024, 11, 26)  # this week 11-20..26, the week before 11-13..19
CLOCK = lambda: datetime(2024, 11, 28, 12, tzinfo=timezone.utc)  # noqa: E731


def raw_papers(day: date) -> list[dict]:
    path = HF / f"hf_daily_papers_{day.isoformat()}.json"
    return [item["paper"] for item in json.loads(path.read_text())] if path.exists() else []


def days_of(end: date) -> list[date]:
    return [end - timedelta(days=i) for i in range(6, -1, -1)]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("week")
    settings = load_settings(_env_file=None, digest_db=folder / "digest.db", digest_language="en",
                             digest_sources=f"hf:{HF}/hf_daily_papers_{{date}}.json",
                             openai_api_key=None, digest_papers_per_category=2)
    service = DigestService(settings, clock=CLOCK)
    for day in days_of(END) + days_of(END - timedelta(days=7)):
        if raw_papers(day):
            service.build(day)
    yield service, folder
    service.store.close()


def test_two_weeks_counted_by_hand_from_the_files(built):
    service, _ = built
    classifier = KeywordClassifier(service.taxonomy)

    def per_category(end: date) -> Counter:
        papers = [Paper(arxiv_id=p["id"], title=p["title"], abstract=p["summary"])
                  for day in days_of(end) for p in raw_papers(day)]
        return Counter(c.category for c in classifier.classify(papers).values())

    this, before = per_category(END), per_category(END - timedelta(days=7))
    assert sum(this.values()) == sum(len(raw_papers(d)) for d in days_of(END)) == 65
    assert sum(before.values()) == 22  # only the 18th (6) and the 19th (16) are in the files
    week = week_report(service, END, "en")
    assert week.total == 65 and week.previous_total == 22
    assert {c.category: (c.this_week, c.last_week) for c in week.categories} == {
        name: (this[name], before[name]) for name in set(this) | set(before)}
    assert [c.this_week for c in week.categories] == sorted((c.this_week for c in week.categories), reverse=True)
    text = render_week_markdown(week)
    for c in week.categories:  # ▲/▼ and % as a reader would compute them
        if before[c.category] and this[c.category] != before[c.category]:
            pct = round(abs(this[c.category] - before[c.category]) * 100 / before[c.category])
            arrow = "▲" if this[c.category] > before[c.category] else "▼"
            assert f"{c.category}: {this[c.category]} / {before[c.category]}  {arrow} {pct}%" in text
    assert "▲ 195%" in text.splitlines()[0]  # 65 against 22


def test_missing_days_are_named_not_skipped(built):
    service, _ = built
    week = week_report(service, END, "en")
    assert week.missing == (date(2024, 11, 23), date(2024, 11, 24))  # no files for the weekend
    assert week.previous_missing == tuple(date(2024, 11, d) for d in range(13, 18))
    text = render_week_markdown(week)
    assert "2024-11-23, 2024-11-24" in text and "2024-11-13, 2024-11-14" in text


def test_top_upvoted_papers_match_the_files(built):
    service, _ = built
    rows = sorted(((p["upvotes"], p["id"]) for d in days_of(END) for p in raw_papers(d)), reverse=True)
    week = week_report(service, END, "en")
    assert [(p.upvotes, p.paper.arxiv_id) for p in week.top_papers] == rows[:5]
    assert rows[0][1] in render_week_markdown(week)


def test_rising_terms_rose_and_are_no_function_words(built):
    service, _ = built
    week = week_report(service, END, "en")
    assert len(week.rising) >= 3

    def uses(term: str, end: date) -> int:
        pattern = re.compile(r"(?<!\w)" + r"[\s\-]+".join(map(re.escape, term.split())) + r"s?(?!\w)", re.I)
        return sum(1 for d in days_of(end) for p in raw_papers(d) if pattern.search(p["title"] + " " + p["summary"]))

    for r in week.rising:
        assert not all(is_function_word(w) for w in r.term.split()), r.term
        assert r.this_week == uses(r.term, END) and r.last_week == uses(r.term, END - timedelta(days=7))
        assert r.this_week > r.last_week
    gains = [r.this_week - r.last_week for r in week.rising]
    assert gains == sorted(gains, reverse=True)


def test_week_chart_draws_korean_labels_without_missing_glyphs(built):
    service, _ = built
    week = week_report(service, END, "ko")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)"
        png = week_chart_png(week)
    image = mpimg.imread(io.BytesIO(png), format="png")
    assert image.shape[1] == 800 and image.shape[0] > 400  # 11 categories, two bars each
    assert "지난주" in render_week_markdown(week)


def test_digest_week_command_and_bad_input(built):
    service, _ = built
    reply = service.resolve(parse_query("week 2024-11-26", service.taxonomy, service.today()), "en")
    assert not reply.error and reply.text.startswith("*Week 2024-11-20 – 2024-11-26: 65 papers")
    reply = service.resolve(parse_query("주간 2024-11-05", service.taxonomy, service.today()), "ko")
    assert reply.error and "저장된 논문이 없습니다" in reply.text
    bad = parse_query("week 2024-13-40", service.taxonomy, service.today())
    assert bad.kind == "error" and "2024-13-40" in bad.message
    default = week_report(service, None, "en")  # yesterday of the clock: 11-27
    assert default.end == date(2024, 11, 27) and date(2024, 11, 27) in default.missing


def test_cli_digest_week_prints_the_week_and_writes_the_chart(built, tmp_path, monkeypatch, capsys):
    from digest.cli import main

    _, folder = built
    monkeypatch.setenv("DIGEST_DB", str(folder / "digest.db"))
    monkeypatch.setenv("DIGEST_LANGUAGE", "en")
    chart = tmp_path / "week.png"
    assert main(["week", "--date", "2024-11-26", "--chart", str(chart)]) == 0
    assert "65 papers" in capsys.readouterr().out
    assert chart.read_bytes().startswith(b"\x89PNG")
    assert main(["week", "--date", "2024-11-05"]) == 1  # nothing stored: said, not silent


def test_llm_trend_paragraph_is_grounded_and_cached(built, tmp_path, stub):  # noqa: F811
    service, folder = built
    for suffix in ("", "-wal", "-shm"):  # WAL: the pages may still be in the -wal file
        if (folder / f"digest.db{suffix}").exists():
            shutil.copy(folder / f"digest.db{suffix}", tmp_path / f"d.db{suffix}")
    online = DigestService(llm_settings(stub, digest_db=tmp_path / "d.db", digest_language="en"), clock=CLOCK)
    stub.when("closing paragraph of a weekly report",
              Reply(content="Computer Vision grew most this week, led by diffusion work."), times=None)
    week = week_report(online, END, "en")
    assert week.trend.startswith("Computer Vision grew most")
    assert stub.calls == 1
    prompt = json.dumps(stub.requests[0].body["messages"], ensure_ascii=False)
    stored = service.store.load_digest(END, "en").summaries[0].text.split()[:6]
    assert " ".join(stored)[:30].replace('"', '\\"') in prompt  # the week's syntheses ground it
    assert "Trend" in render_week_markdown(week)
    assert week_report(online, END, "en").trend == week.trend and stub.calls == 1  # cached
    offline = week_report(service, END, "en")
    assert offline.trend == "" and "Trend" not in render_week_markdown(offline)
    online.store.close()


def test_site_week_page_shows_a_cached_trend_paragraph_without_calling_the_llm(built, tmp_path, stub):  # noqa: F811
    """The web archive reads the week's trend paragraph from the LLM cache, never asks for one."""
    from digest.site import build_site

    service, folder = built
    for suffix in ("", "-wal", "-shm"):
        if (folder / f"digest.db{suffix}").exists():
            shutil.copy(folder / f"digest.db{suffix}", tmp_path / f"d.db{suffix}")
    online = DigestService(llm_settings(stub, digest_db=tmp_path / "d.db", digest_language="en"), clock=CLOCK)
    stub.when("closing paragraph of a weekly report",
              Reply(content="Language models <b>grew</b> most this ISO week, led by agents."), times=None)
    sunday = date(2024, 11, 24)  # the site's week 2024-W47 is Monday 11-18 .. Sunday 11-24
    assert week_report(online, sunday, "en").trend and stub.calls == 1  # asked once, cached
    build_site(online.store, tmp_path / "site", "en", llm=online.llm)
    assert stub.calls == 1  # the site build read the cache only
    page = (tmp_path / "site" / "week" / "2024-W47.html").read_text("utf-8")
    assert "Language models &lt;b&gt;grew&lt;/b&gt; most this ISO week" in page
    other = (tmp_path / "site" / "week" / "2024-W48.html").read_text("utf-8")  # 11-25, 11-26 stored
    assert "Language models" not in other  # not cached: no paragraph, and no call for it either
    online.store.close()
