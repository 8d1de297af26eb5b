"""No repeats (issue 16 item 4): a paper already in an earlier stored digest is not summarized
again; it is listed under "Seen before" with the first day it was in (report, console, Slack,
Discord) and counted apart in the chart's caption. Two real Hugging Face days (2024-11-25, -26)
and a third made of their real entries and those of 2024-11-18 (the real lists share no paper)."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from bot.discord.embeds import overview_embeds
from bot.slack.blocks import daily_post
from digest.present import chart
from digest.present.markdown import render_markdown
from schedule_fixtures import Clock, make_service

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "hf_daily_papers"
pytestmark = pytest.mark.skipif(not DATA.exists(), reason="../shared/data is absent (real days)")
MON, TUE, WED = date(2024, 11, 25), date(2024, 11, 26), date(2024, 11, 27)


def items(day: str) -> list[dict]:
    return json.loads((DATA / f"hf_daily_papers_{day}.json").read_text("utf-8"))


@pytest.fixture
def days(tmp_path):
    """The real Monday and Tuesday, and a Wednesday listing 3 of Monday's papers, 2 of Tuesday's
    and the 2024-11-18 list (new papers), as Hugging Face lists them (dated that day)."""
    folder = tmp_path / "lists"
    folder.mkdir()
    for day in ("2024-11-25", "2024-11-26"):
        (folder / f"hf_{day}.json").write_text(json.dumps(items(day)), "utf-8")
    mon, tue = items("2024-11-25"), items("2024-11-26")
    wed = [dict(i, publishedAt="2024-11-27T00:10:00.000Z") for i in mon[:3] + tue[:2] + items("2024-11-18")]
    (folder / "hf_2024-11-27.json").write_text(json.dumps(wed), "utf-8")
    repeats = {i["paper"]["id"]: MON for i in mon[:3]} | {i["paper"]["id"]: TUE for i in tue[:2]}
    return folder, repeats, len(items("2024-11-18"))


def service_for(tmp_path, folder, **overrides):
    clock = Clock(datetime(2024, 11, 28, 12, 0, tzinfo=timezone.utc))
    return make_service(tmp_path, clock, digest_sources=f"hf:{folder}/hf_{{date}}.json", **overrides)


def test_papers_of_earlier_digests_are_listed_not_summarized(tmp_path, days, monkeypatch):
    folder, repeats, new = days
    service = service_for(tmp_path, folder, digest_keep_days=0)
    service.build(MON)
    service.build(TUE)
    captions = []
    real_t = chart.t
    monkeypatch.setattr(chart, "t", lambda lang, key, **kw: captions.append((key, kw)) or real_t(lang, key, **kw))
    digest = service.build(WED)

    assert {p.arxiv_id: d for p, d in digest.seen_before} == repeats
    assert digest.total_papers == new  # the counts are the new papers only
    assert not set(repeats) & {p.arxiv_id for s in digest.summaries for p in s.papers}
    assert ("chart_title_seen", {"day": "2024-11-27", "total": new, "n": len(repeats)}) in captions

    stored = service.get_digest(WED)  # as stored and read back (what the chat adapters post)
    assert [(p.arxiv_id, d) for p, d in stored.seen_before] == [(p.arxiv_id, d) for p, d in digest.seen_before]
    report = render_markdown(stored)
    assert "## Seen before" in report
    first, first_day = stored.seen_before[0]
    assert f"(in the digest of {first_day.isoformat()}) (https://arxiv.org/abs/{first.arxiv_id})" in report
    assert "## Seen before" in render_markdown(stored, chat=True)  # the console
    slack = json.dumps(daily_post(stored).blocks)
    discord_text = " ".join(e.description or "" for e in overview_embeds(stored))
    for aid, day in repeats.items():
        assert f"https://arxiv.org/abs/{aid}|" in slack and f"({day.isoformat()})" in slack
        assert f"(https://arxiv.org/abs/{aid}) ({day.isoformat()})" in discord_text
    assert "Seen before" in slack and "Seen before" in discord_text


def test_rebuilding_a_day_does_not_make_its_own_papers_repeats(tmp_path, days):
    folder, repeats, new = days
    service = service_for(tmp_path, folder, digest_keep_days=0)
    for day in (MON, TUE, WED):
        service.build(day)
    again = service.build(WED)  # the same day built again: its first build does not count
    assert {p.arxiv_id for p, _ in again.seen_before} == set(repeats) and again.total_papers == new
    tuesday = service.build(TUE)  # an earlier day rebuilt: a later day's list does not count
    assert tuesday.seen_before == () and tuesday.total_papers == len(items("2024-11-26"))
    korean = service.get_digest(WED, "ko")  # composed again in another language: the same split
    assert {p.arxiv_id for p, _ in korean.seen_before} == set(repeats)
    assert "이전에 소개된 논문" in render_markdown(korean)


def test_retention_keeps_what_an_old_digest_cited(tmp_path, days):
    folder, repeats, _ = days
    service = service_for(tmp_path, folder, digest_keep_days=1)  # Monday's papers get pruned
    service.build(MON)
    cited = {p.arxiv_id for s in service.get_digest(MON).summaries for p in s.papers}
    service.build(TUE)
    service.build(WED)
    assert service.store.day_is_pruned(MON)
    seen = {p.arxiv_id for p, _ in service.get_digest(WED).seen_before}
    monday = {aid for aid, d in repeats.items() if d == MON}
    assert monday & cited and monday & cited <= seen  # what Monday's digest summarized is never summarized again
    assert {aid for aid, d in repeats.items() if d == TUE} <= seen
