"""``feed.xml``: an Atom feed (RFC 4287), one entry per day, newest first.

Entry ids are ``tag:`` URIs (RFC 4151) made from the language and the day only, so they stay the
same when the site moves to another URL or is rebuilt: a feed reader never shows a day twice.
``updated`` is when the day's digest was composed. ElementTree writes the XML, so every title and
the HTML content are escaped by the serializer, not by hand.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timezone

from digest.models import Digest
from digest.site.pages import day_path, summary_html
from digest.text import t

ATOM = "http://www.w3.org/2005/Atom"
TAG_AUTHORITY = "tag:daily-ai-insights,2024:"
FEED_DAYS = 60  # a reader downloads the whole file at every poll; the index holds every day


def entry_id(language: str, day) -> str:
    return f"{TAG_AUTHORITY}digest/{language}/{day.isoformat()}"


def rfc3339(stamp: float) -> str:
    return datetime.fromtimestamp(stamp or 0, timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def feed_xml(digests: list[Digest], language: str, site_url: str = "",
             sections: dict | None = None) -> bytes:
    """``digests`` newest first; links absolute under ``site_url`` when set, else relative.
    ``sections``: day -> :func:`summary_html` already rendered for the day pages (reused)."""
    sections = sections or {}
    base = site_url.rstrip("/") + "/" if site_url else ""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    if base:
        feed.set("{http://www.w3.org/XML/1998/namespace}base", base)
    feed.set("{http://www.w3.org/XML/1998/namespace}lang", language)

    def sub(parent, name, text=None, **attrs):
        el = ET.SubElement(parent, f"{{{ATOM}}}{name}", attrs)
        if text is not None:
            el.text = text
        return el

    shown = digests[:FEED_DAYS]
    sub(feed, "id", f"{TAG_AUTHORITY}digest/{language}")
    sub(feed, "title", t(language, "site_name"))
    sub(feed, "updated", rfc3339(max((d.created_at for d in shown), default=0)))
    author = sub(feed, "author")
    sub(author, "name", t(language, "site_name"))
    sub(feed, "link", rel="self", href=f"{base}feed.xml")
    sub(feed, "link", rel="alternate", type="text/html", href=f"{base}index.html")
    for d in shown:
        entry = sub(feed, "entry")
        sub(entry, "id", entry_id(language, d.day))
        sub(entry, "title", t(language, "site_day_title", day=d.day.isoformat()))
        sub(entry, "updated", rfc3339(d.created_at))
        sub(entry, "link", rel="alternate", type="text/html", href=f"{base}{day_path(d.day)}")
        sub(entry, "summary", t(language, "site_papers", n=d.total_papers))
        html = sections.get(d.day)
        sub(entry, "content", summary_html(d) if html is None else html, type="html")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"
