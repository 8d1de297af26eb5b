"""Digest -> Markdown in the reference layout (title, chart link, one section per category)."""

from __future__ import annotations

from datetime import date

from digest.i18n import t
from digest.models import CategorySummary, Digest


def chart_filename(day: date) -> str:
    return f"paper_{day.isoformat()}.png"


def report_filename(day: date) -> str:
    return f"digest_{day.isoformat()}.md"


def render_sources(summary: CategorySummary) -> str:
    return "\n".join(f" - {p.title} ({p.link})" for p in summary.papers)


def render_section(summary: CategorySummary, language: str) -> str:
    """``## <emoji> <Category>`` with the synthesis and its sources, as in the reference."""
    heading = f"## {summary.emoji} {summary.category}".replace("##  ", "## ")
    return "\n".join([
        heading, "",
        f"**{t(language, 'summary')}:**", "",
        summary.text.strip(), "",
        f"**{t(language, 'sources')}:**", "",
        render_sources(summary), "",
    ])


def render_markdown(digest: Digest, category: str | None = None) -> str:
    """The whole report, or only ``category``'s section (title and chart kept for context)."""
    lang = digest.language
    head = (f"# {t(lang, 'title')}\n\n_{digest.day.isoformat()}_\n\n"
            f"![{t(lang, 'chart_alt')}]({chart_filename(digest.day)})\n")
    summaries = [s for s in digest.summaries if category is None or s.category == category]
    notes = "".join(f"> {n}\n" for n in digest.notes)
    body = "\n\n".join(render_section(s, lang) for s in summaries)
    return "\n".join(part for part in (head, notes, body) if part).rstrip() + "\n"
