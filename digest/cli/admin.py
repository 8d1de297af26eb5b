"""``digest subscriptions``, ``status``, ``usage``, ``doctor``, ``backup`` and ``prune``: the
commands of whoever runs the bot (the chat side of subscriptions is ``digest.deliver.chat``)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from datetime import date, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from digest.cli.common import check_writable, out, service_for
from digest.config import load_settings
from digest.errors import DigestError


def cmd_usage(args: argparse.Namespace) -> int:
    from digest.store import Store
    from digest.llm.usage import format_usage, usage_report

    settings = load_settings()
    rows = usage_report(Store(settings.digest_db), settings, args.days)
    out.print(format_usage(rows, budget=settings.digest_daily_token_budget, days=args.days),
              markup=False)
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    """Check the configured LLM server with one real summary and one classification request."""
    from digest.llm import doctor
    from digest.store import Store
    from digest.classify.taxonomy import load_taxonomy

    settings = load_settings()
    return doctor.run(settings, Store(settings.digest_db), load_taxonomy(settings.digest_taxonomy),
                      lambda line: out.print(line, markup=False))


def cmd_subscriptions(args: argparse.Namespace) -> int:
    return _subscriptions(args, lambda line: out.print(line, markup=False))


def cmd_status(args: argparse.Namespace) -> int:
    out.print(f"Database: {load_settings().digest_db.resolve()}", markup=False)
    return _status(args, lambda line: out.print(line, markup=False))


def cmd_prune(args: argparse.Namespace) -> int:
    """Retention: drop the papers of old days (digests and posts stay); VACUUM on request."""
    service = service_for(args)
    keep = service.settings.digest_keep_days if args.keep_days is None else args.keep_days
    if keep <= 0:
        raise DigestError("nothing to prune: DIGEST_KEEP_DAYS is 0 (keep every day); "
                          "set it or pass --keep-days N")
    removed = service.prune_days(keep)
    out.print(f"pruned {removed['papers']} papers of {removed['days']} days older than {keep} days "
              "(their digests and the post records are kept)", markup=False)
    path = Path(service.store.path)
    if args.vacuum:
        before = path.stat().st_size if path.exists() else 0
        with service.store.lock:  # merge the search index (drops what pruning marked), then rewrite
            service.store.db.execute("insert into papers_fts(papers_fts) values('optimize')")
            service.store.db.conn.commit()
            service.store.db.execute("VACUUM")
        after = path.stat().st_size if path.exists() else 0
        out.print(f"VACUUM: {before / 1e6:.1f} MB -> {after / 1e6:.1f} MB", markup=False)
    else:
        out.print("The database file shrinks only after VACUUM: `digest prune --vacuum` "
                  "(stop the bot first; it needs free disk about the file's size).", markup=False)
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from digest.backup import backup_database

    source = load_settings().digest_db
    folder = args.path.endswith(("/", os.sep))  # a folder that does not exist yet
    if folder:
        check_writable(Path(args.path))
    target = backup_database(source, Path(args.path))
    out.print(f"Backed up {source} to {target} ({target.stat().st_size:,} bytes, integrity ok)",
              markup=False)
    return 0


# --- subscriptions and status ------------------------------------------------------------------
def _parts():
    from digest.classify.taxonomy import load_taxonomy
    from digest.deliver.subscriptions import Subscriptions
    from digest.store import Store

    settings = load_settings()
    store = Store(settings.digest_db)
    subs = Subscriptions(store, taxonomy=load_taxonomy(settings.digest_taxonomy),
                         default_language=settings.digest_language)
    return settings, store, subs


def _digest_today(settings, now: datetime) -> date:
    try:
        return now.astimezone(ZoneInfo(settings.digest_timezone)).date()
    except (ZoneInfoNotFoundError, ValueError):
        return now.date()


def _subscriptions(args, echo: Callable[[str], None]) -> int:
    """``digest subscriptions list|add|remove|pause|resume``; returns the exit status."""
    from digest.deliver.schedule import SubscriptionError
    from digest.deliver.status import fmt_local

    settings, store, subs = _parts()
    action = args.action
    if action == "list":
        rows = subs.all(getattr(args, "platform", None))
        if not rows:
            echo("No subscriptions. Add one: digest subscriptions add slack C0123456789 09:00 Asia/Seoul")
        for sub in rows:
            echo(f"{sub.platform}:{sub.channel}  {sub.describe()}"
                 + ("  notify-empty" if sub.notify_empty else ""))
        return 0
    if args.platform not in ("slack", "discord"):
        raise SubscriptionError(f"platform must be slack or discord, not {args.platform!r}")
    if action == "add":
        from digest.query.subscribe import canonical_zone  # the same time-zone spelling rules as /digest subscribe

        tz_name = canonical_zone(args.timezone) or args.timezone
        sub = subs.subscribe(args.platform, args.channel, args.time, tz_name, args.language,
                             args.category or (), notify_empty=True if args.notify_empty else None,
                             created_by="cli", only=getattr(args, "only", None),
                             exclude=getattr(args, "exclude", None))
        nxt = subs.next_post(sub, complete_before=_digest_today(settings, subs.clock()))
        echo(f"subscribed {sub.platform}:{sub.channel}  {sub.describe()}")
        if nxt is not None:
            echo(f"next post: {fmt_local(nxt.at, sub.tz)} (papers of {nxt.day.isoformat()})")
        return 0
    if action == "remove":
        if not subs.unsubscribe(args.platform, args.channel):
            raise SubscriptionError(f"{args.platform}:{args.channel} has no subscription")
        echo(f"unsubscribed {args.platform}:{args.channel}")
        return 0
    if action in ("pause", "resume"):
        sub = subs.pause(args.platform, args.channel) if action == "pause" else \
            subs.resume(args.platform, args.channel)
        echo(f"{action}d {sub.platform}:{sub.channel}  {sub.describe()}")
        return 0
    raise SubscriptionError(f"unknown action {action!r}")


def _status(args, echo: Callable[[str], None]) -> int:
    """``digest status``: subscriptions with their last and next post, and today's LLM budget."""
    from digest.deliver.status import status_lines

    settings, store, subs = _parts()
    now = subs.clock()
    lines = status_lines(subs, now, complete_before=_digest_today(settings, now))
    echo(f"Subscriptions ({len(lines)}):" if lines else
         "No subscriptions (digest subscriptions add ..., or /digest subscribe in a channel).")
    from digest.cli.follows import status_line  # follows per channel (issue 16)
    from digest.follows.store import Follows

    per_channel = Follows(store).per_channel()
    for sub, line in zip(subs.all(), lines):
        line += "\n    " + status_line(store, sub.platform, sub.channel, per_channel)
        echo("  " + line.replace("\n", "\n  "))
    from digest.deliver.status import fmt_local
    from digest.week.subscriptions import WeekSubscriptions  # weekly posts (issue 17)

    weekly = WeekSubscriptions(store, clock=subs.clock)
    week_subs = weekly.all()
    echo(f"Weekly posts ({len(week_subs)}):" if week_subs else
         "No weekly posts (digest weekly add ..., or /digest subscribe weekly in a channel).")
    for ws in week_subs:
        echo(f"  {ws.platform}:{ws.channel}  {ws.describe()}"
             + ("" if ws.paused else f"; next: {fmt_local(weekly.next_post(ws), ws.tz)}"))
    today = now.astimezone(timezone.utc).date().isoformat()
    from digest.llm.ledger import calls_and_tokens

    calls, used = calls_and_tokens(store, today)
    budget = settings.digest_daily_token_budget
    share = f" ({used / budget:.0%})" if budget else ""
    echo(f"LLM today (UTC {today}): {calls} calls, {used:,} of {budget:,} tokens{share}"
         + ("" if settings.llm_enabled else "; no OPENAI_API_KEY: offline summaries"))
    return 0
