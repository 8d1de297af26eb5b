"""``digest follows list [--show]``: who follows how much (the admin view of issue 16). A person's
follows are theirs: shown only with ``--show``."""

from __future__ import annotations

import argparse

from digest.cli.common import out


def add_parser(sub) -> None:
    f = sub.add_parser("follows", help="personal follows: counts per user (contents with --show)")
    acts = f.add_subparsers(dest="action", required=True)
    ls = acts.add_parser("list", help="follows per (platform, user)")
    ls.add_argument("--show", action="store_true", help="also print what each user follows")


def cmd_follows(args: argparse.Namespace) -> int:
    from digest.config import load_settings
    from digest.follows.store import Follows
    from digest.store import Store

    settings = load_settings()
    follows = Follows(Store(settings.digest_db))
    counts = follows.counts()
    echo = lambda line: out.print(line, markup=False, highlight=False)  # noqa: E731
    if not settings.digest_follows:
        echo("Follows are off (DIGEST_FOLLOWS=off): nobody is pinged.")
    if not counts:
        echo("No follows (/digest follow <words or category> in a channel).")
        return 0
    echo(f"Follows ({sum(n for *_, n in counts)} by {len(counts)} users):")
    for platform, user, n in counts:
        echo(f"  {platform} {user}: {n}")
        if args.show:
            for f in follows.of(platform, user):
                echo(f"    - {f.text}")
    return 0


def status_line(store, platform: str, channel: str, per_channel: dict | None = None) -> str:
    """``follows: N users, M follows`` of one channel, for ``digest status``."""
    if per_channel is None:
        from digest.follows.store import Follows

        per_channel = Follows(store).per_channel()
    people, n = per_channel.get((platform, channel), (0, 0))
    return f"follows: {people} users, {n} follows"
