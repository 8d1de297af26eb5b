"""The archive's HTML pages: the index (newest day first) and one page per day.

Plain HTML5 and one stylesheet: no script, so nothing runs even if escaping ever failed, and a
phone reads it (viewport meta, fluid width). ``lang`` is set on <html> from the digest's language
so browsers pick Korean glyphs and line-breaking. Page paths are fixed by :func:`day_path` and
:func:`week_path` so links never change when the site is rebuilt.
"""

from __future__ import annotations

import struct
from datetime import date

from digest.models import Digest
from digest.present.markdown import REPORT_CATEGORY_CHARS, clip_text, separate_headings
from digest.site.html import esc, markdown_html, paper_html, slug
from digest.text import language_code, t

CSS = "style.css"
TOP_CATEGORIES = 3


def day_path(day: date) -> str:
    return f"day/{day.isoformat()}.html"


def chart_path(day: date) -> str:
    return f"day/{day.isoformat()}.png"


def week_key(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_path(day: date) -> str:
    return f"week/{week_key(day)}.html"


def page(language: str, title: str, body: str, root: str) -> str:
    """A whole document; ``root`` is the relative way back to the site's top ("" or "../")."""
    lang = esc(language_code(language) if language else "en")
    return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<title>{esc(title)}</title>\n'
            f'<link rel="icon" href="data:,">\n'  # no icon: no /favicon.ico request answered 404
            f'<link rel="stylesheet" href="{root}{CSS}">\n'
            f'<link rel="alternate" type="application/atom+xml" href="{root}feed.xml" '
            f'title="{esc(t(language, "site_feed"))}">\n</head>\n<body>\n'
            f'<header><a href="{root}index.html">{esc(t(language, "site_name"))}</a> · '
            f'<a href="{root}feed.xml">{esc(t(language, "site_feed"))}</a></header>\n'
            f'<main>\n{body}</main>\n</body>\n</html>\n')


def top_categories(digest: Digest, n: int = TOP_CATEGORIES) -> list[tuple[str, int]]:
    return sorted(digest.counts, key=lambda c: (-c[1], c[0]))[:n]


def index_page(digests: list[Digest], language: str) -> str:
    """Newest first: day, paper count, top categories, links to the day and its week."""
    rows = []
    for d in digests:
        tops = ", ".join(f"{esc(c)} {n}" for c, n in top_categories(d))
        rows.append(
            f'<li><a class="day" href="{day_path(d.day)}">{d.day.isoformat()}</a> '
            f'<span class="count">{esc(t(language, "site_papers", n=d.total_papers))}</span>'
            f'<span class="tops">{tops}</span> '
            f'<a class="week" href="{week_path(d.day)}">{esc(week_key(d.day))}</a></li>')
    body = (f'<h1>{esc(t(language, "site_index_title"))}</h1>\n'
            + (f'<ol class="days">\n' + "\n".join(rows) + "\n</ol>\n" if rows
               else f'<p>{esc(t(language, "site_empty"))}</p>\n'))
    return page(language, t(language, "site_index_title"), body, "")


def summary_html(digest: Digest) -> str:
    """Every category: heading with an anchor, the synthesis, its sources (also the feed's content)."""
    parts = []
    for s in digest.summaries:
        anchor = slug(s.category)
        sources = "\n".join(f"<li>{paper_html(p)}</li>" for p in s.papers)
        note = f'<p class="note">{esc(s.note)}</p>\n' if s.note else ""
        parts.append(
            f'<section id="{esc(anchor)}">\n<h2>{esc(s.emoji)} {esc(s.category)} '
            f'<a class="anchor" href="#{esc(anchor)}">#</a></h2>\n{note}'
            f'<div class="synthesis">\n{markdown_html(separate_headings(clip_text(s.text, REPORT_CATEGORY_CHARS)[0]))}</div>\n'
            f'<h3>{esc(t(digest.language, "sources"))}</h3>\n<ul class="sources">\n{sources}\n</ul>\n'
            f'</section>\n')
    return "".join(parts)


def _size(png: bytes) -> str:
    """width/height from the PNG header, so the page does not jump while the chart loads."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or len(png) < 24:
        return ""
    width, height = struct.unpack(">II", png[16:24])
    return f' width="{width}" height="{height}"'


def day_page(digest: Digest, sections: str | None = None) -> str:
    """The day's page; ``sections``: :func:`summary_html` of it when already made (for the feed)."""
    lang = digest.language
    title = t(lang, "site_day_title", day=digest.day.isoformat())
    chart = (f'<figure><img src="{digest.day.isoformat()}.png" alt="{esc(t(lang, "chart_alt"))}"'
             f'{_size(digest.chart_png)}></figure>\n' if digest.chart_png else "")
    toc = "".join(f'<li><a href="#{esc(slug(s.category))}">{esc(s.emoji)} {esc(s.category)}</a> '
                  f'{len(s.papers)}</li>' for s in digest.summaries)
    notes = "".join(f'<p class="note">{esc(n)}</p>\n' for n in digest.notes)
    body = (f'<h1>{esc(title)}</h1>\n<p class="meta">'
            f'{esc(t(lang, "site_papers", n=digest.total_papers))} · '
            f'<a href="../{week_path(digest.day)}">{esc(week_key(digest.day))}</a></p>\n'
            f'{notes}{chart}<nav><ul class="toc">{toc}</ul></nav>\n'
            f'{summary_html(digest) if sections is None else sections}')
    return page(lang, title, body, "../")
