"""Status lines of the daily posts (``digest status``, ``/digest settings``): each subscription's
schedule, its last post and its next one, in the channel's local time."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from digest.deliver.ledger import FAILED, NO_PAPERS, PENDING, POSTED, PostRecord, is_complete
from digest.deliver.subscriptions import Subscriptions


def fmt_local(at: datetime, tz: ZoneInfo) -> str:
    """A UTC instant as the channel's wall time, e.g. ``2024-11-23 09:00 KST``."""
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")


def describe_record(r: PostRecord | None) -> str:
    """One line on a ledger record for admins (English, like the rest of ``digest status``)."""
    if r is None:
        return "never"
    day = r.day.isoformat()
    if r.state == POSTED:
        if r.detail == NO_PAPERS:
            return f"{day}: no papers, nothing posted"
        if r.detail == "note":
            return f"{day}: no papers, note posted (message {r.message_id})"
        if not is_complete(r):
            return f"{day} posted (message {r.message_id}) but the thread is unfinished: {r.detail}"
        return f"{day} posted (message {r.message_id})"
    if r.state == PENDING:
        return f"{day} pending (interrupted; reconciled on the next tick)"
    if r.state == FAILED:
        return f"{day} FAILED: {r.detail}"
    return f"{day} {r.state}"


def status_lines(subs: Subscriptions, now: datetime | None = None,
                 complete_before: date | None = None) -> list[str]:
    """One line per subscription: schedule, last post, next post (local time of the channel)."""
    now = (now or subs.clock()).astimezone(timezone.utc)
    lines = []
    for sub in subs.all():
        last = describe_record(subs.last_post(sub))
        nxt = subs.next_post(sub, now, complete_before)
        if nxt is None:
            when = "paused"
        elif nxt.at <= now:
            when = (f"waiting for {nxt.day.isoformat()} to end" if nxt.waiting_for_day
                    else f"now (catching up {nxt.day.isoformat()})")
        else:
            when = f"{fmt_local(nxt.at, sub.tz)} ({nxt.day.isoformat()})"
        lines.append(f"{sub.platform}:{sub.channel}  {sub.describe()}\n"
                     f"    last: {last}\n    next: {when}")
    return lines
