"""``digest week [--date D] [--chart PATH]`` (the 7 days ending D against the 7 before) and
``digest weekly list|add|remove`` (the channels that get the week as a post)."""

from __future__ import annotations

import argparse
from pathlib import Path

from digest.cli.common import day_arg, err_console, out, service_for
from digest.errors import DigestError


def add_parsers(sub) -> None:
    w = sub.add_parser("week", help="the 7 days ending a day against the 7 before: categories, "
                                    "rising terms, most upvoted papers, chart")
    w.add_argument("--date", help="the week's last day: YYYY-MM-DD, today or yesterday (default: yesterday)")
    w.add_argument("--language", help="report language (default DIGEST_LANGUAGE)")
    w.add_argument("--chart", metavar="PATH", help="also write the chart PNG here")
    ws = sub.add_parser("weekly", help="the channels that get the week as a post: list, add, remove, pause, resume")
    acts = ws.add_subparsers(dest="action", required=True)
    acts.add_parser("list", help="every weekly subscription")
    add = acts.add_parser("add", help="post the week to a channel (or change when)")
    add.add_argument("platform", help="slack or discord")
    add.add_argument("channel", help="the channel ID")
    add.add_argument("weekday", help="mon, tue, wed, thu, fri, sat or sun")
    add.add_argument("time", metavar="HH:MM", help="local post time, 24-hour")
    add.add_argument("timezone", help="IANA time zone, e.g. Asia/Seoul")
    add.add_argument("--language", help="language (default DIGEST_LANGUAGE)")
    rm = acts.add_parser("remove", help="stop the weekly post of a channel")
    rm.add_argument("platform", help="slack or discord")
    rm.add_argument("channel", help="the channel ID")
    for action, what in (("pause", "pause the weekly post of a channel (kept, not posted)"),
                         ("resume", "resume a paused weekly post")):
        p = acts.add_parser(action, help=what)
        p.add_argument("platform", help="slack or discord")
        p.add_argument("channel", help="the channel ID")


def cmd_week(args: argparse.Namespace) -> int:
    from digest.week import render_week_markdown, week_chart_png, week_report

    service = service_for(args)
    end = day_arg(service, args.date)
    week = week_report(service, end, args.language)
    out.print(render_week_markdown(week), markup=False)
    if week.empty:
        return 1
    if args.chart:
        path = Path(args.chart)
        path.write_bytes(week_chart_png(week))
        err_console.print(f"chart: {path}", markup=False, highlight=False)
    return 0


def cmd_weekly(args: argparse.Namespace) -> int:
    from digest.config import load_settings
    from digest.deliver.schedule import SubscriptionError
    from digest.deliver.status import fmt_local
    from digest.query.subscribe import canonical_zone
    from digest.store import Store
    from digest.week.subscriptions import WeekSubscriptions

    settings = load_settings()
    store = Store(settings.digest_db)
    subs = WeekSubscriptions(store, default_language=settings.digest_language)
    try:
        if args.action == "list":
            rows = subs.all()
            if not rows:
                out.print("No weekly subscriptions. Add one: digest weekly add slack C0123456789 "
                          "mon 09:00 Asia/Seoul", markup=False)
            for sub in rows:
                out.print(f"{sub.platform}:{sub.channel}  {sub.describe()}", markup=False)
            return 0
        if args.action == "add":
            sub = subs.subscribe(args.platform, args.channel, args.weekday, args.time,
                                 canonical_zone(args.timezone) or args.timezone, args.language,
                                 created_by="cli")
            out.print(f"{sub.platform}:{sub.channel}  {sub.describe()}; next: "
                      f"{fmt_local(subs.next_post(sub), sub.tz)}", markup=False)
            return 0
        if args.action in ("pause", "resume"):
            sub = subs.set_paused(args.platform, args.channel, args.action == "pause")
            if sub is None:
                raise DigestError(f"{args.platform}:{args.channel} has no weekly subscription")
            out.print(f"{sub.platform}:{sub.channel}  {sub.describe()}" + (
                "" if sub.paused else f"; next: {fmt_local(subs.next_post(sub), sub.tz)}"), markup=False)
            return 0
        if not subs.unsubscribe(args.platform, args.channel):
            raise DigestError(f"{args.platform}:{args.channel} has no weekly subscription")
        out.print(f"{args.platform}:{args.channel}: no more weekly posts", markup=False)
        return 0
    except SubscriptionError as err:
        raise DigestError(str(err)) from None
    finally:
        store.close()
