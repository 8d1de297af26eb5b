"""Where a day's page lives on the public archive (``DIGEST_SITE_URL``), for the daily posts.

One function so Slack, Discord and the feed agree on the path; None when no URL is set or it is
not an http(s) address (a typo in the setting must not become a broken or unsafe link in chat)."""

from __future__ import annotations

from datetime import date

from digest.present.links import safe_url
from digest.site.pages import day_path


def day_url(site_url: str | None, day: date) -> str | None:
    base = safe_url(site_url or "")
    return f"{base.rstrip('/')}/{day_path(day)}" if base else None
