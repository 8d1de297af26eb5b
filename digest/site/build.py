"""``digest site --out DIR``: write the static web archive, rewriting only what changed.

A manifest (``DIR/.site.json``) keeps, per day, when its digest was composed. A rebuild compares
it with the store: a new or rebuilt day rewrites that day's page and chart, its week page, the
index and the feed; everything else stays untouched (same bytes, same mtime), so a year-long
archive is cheap to refresh after each daily build and a sync tool only uploads what changed.
A different layout version, language or site URL rebuilds everything.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib import resources
from pathlib import Path

from digest.models import Digest
from digest.site.feed import FEED_DAYS, feed_xml
from digest.site.pages import CSS, chart_path, day_page, day_path, index_page, summary_html, week_path
from digest.site.week import monday, week_chart_path, week_of, week_page
from digest.week import week_chart_png

LAYOUT = 3  # bump when the pages' markup changes: the next build rewrites every page
MANIFEST = ".site.json"
CHART_DPI = 80  # the week chart is shown about 640 px wide on the page
# A week chart costs ~0.3 s of matplotlib: drawing all 53 of a year would break the 10 s budget of a
# full build, so only the newest weeks get one (a daily refresh always redraws the current week);
# older week pages keep the same numbers as a table.
WEEK_CHARTS = 8


@dataclass
class SiteResult:
    days: int = 0
    written: list[str] = field(default_factory=list)


def _write(out: Path, rel: str, data: bytes | str, result: SiteResult) -> None:
    """Write atomically (a reader of the served folder never sees half a page)."""
    path = out / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(raw)
    os.replace(tmp, path)
    result.written.append(rel)


def heads(store, language: str) -> dict[date, Digest]:
    """Each stored day of ``language`` as a digest head: counts and when it was composed, no texts
    (one cheap query; the index needs no more, the texts are loaded only for pages rewritten)."""
    with store.lock:
        rows = store.db.execute("select day, counts, created_at from digests where language = ?",
                                [language]).fetchall()
    return {date.fromisoformat(day): Digest(date.fromisoformat(day), language, (),
                                            tuple((c, n) for c, n in json.loads(counts)),
                                            created_at=float(created or 0))
            for day, counts, created in rows}


def build_site(store, out: Path, language: str, site_url: str = "", taxonomy=None, llm=None) -> SiteResult:
    """``taxonomy``: for the week pages' category emoji (default: the packaged taxonomy); ``llm``:
    its cache gives the week pages a trend paragraph already written (never a call)."""
    if taxonomy is None:
        from digest.classify.taxonomy import load_taxonomy

        taxonomy = load_taxonomy()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    result = SiteResult()
    light = heads(store, language)
    now = {d: h.created_at for d, h in light.items()}
    result.days = len(now)
    head = {"layout": LAYOUT, "language": language, "site_url": site_url}
    try:
        old = json.loads((out / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        old = {}
    full = {k: old.get(k) for k in head} != head
    before = {} if full else {date.fromisoformat(d): s for d, s in (old.get("days") or {}).items()}
    changed = sorted(d for d, s in now.items() if before.get(d) != s)
    gone = sorted(d for d in before if d not in now)

    loaded: dict[date, Digest] = {}

    def get(day: date) -> Digest:
        if day not in loaded:
            loaded[day] = store.load_digest(day, language)
        return loaded[day]

    if full or not (out / CSS).exists():
        _write(out, CSS, resources.files("digest.site").joinpath("style.css").read_bytes(), result)
    sections: dict[date, str] = {}  # the Markdown rendered once per day, for its page and the feed
    for day in changed:
        digest = get(day)
        sections[day] = summary_html(digest)
        _write(out, day_path(day), day_page(digest, sections[day]), result)
        if digest.chart_png:
            _write(out, chart_path(day), digest.chart_png, result)
    for day in gone:
        for rel in (day_path(day), chart_path(day)):
            (out / rel).unlink(missing_ok=True)
    touched = {monday(d) for d in changed + gone}
    # a week's report compares it with the week before: the following week changes too
    held_weeks = {monday(d) for d in now}
    weeks = sorted(touched | {w + timedelta(days=7) for w in touched if w + timedelta(days=7) in held_weeks})
    reports = {first: week_of(store, taxonomy, first, language, llm) for first in weeks
               if any(monday(d) == first for d in now)}
    recent = set(sorted(held_weeks)[-WEEK_CHARTS:])
    charts = {w.end: week_chart_png(w, dpi=CHART_DPI) for first, w in reports.items()
              if first in recent and not w.empty}
    for first in weeks:
        held = {d: light[d] for d in now if monday(d) == first}
        if held:
            week = reports[first]
            chart = charts.get(week.end)
            if chart:
                _write(out, week_chart_path(first), chart, result)
            _write(out, week_path(first), week_page(first, held, language, week, chart), result)
        else:
            for rel in (week_path(first), week_chart_path(first)):
                (out / rel).unlink(missing_ok=True)
    if changed or gone or full or not (out / "index.html").exists():
        newest = sorted(now, reverse=True)
        # the index needs only counts; the feed needs the newest days' texts
        _write(out, "index.html", index_page([light[d] for d in newest], language), result)
        _write(out, "feed.xml", feed_xml([get(d) for d in newest[:FEED_DAYS]], language, site_url, sections),
               result)
    days = {d.isoformat(): s for d, s in sorted(now.items())}
    if result.written or old.get("days") != days:  # last: a build cut short is redone next time
        tmp = out / f"{MANIFEST}.tmp"
        tmp.write_text(json.dumps({**head, "days": days}), "utf-8")
        os.replace(tmp, out / MANIFEST)
    return result
