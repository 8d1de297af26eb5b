"""``digest`` command line: the parser and ``main``; the commands are in ``build`` (making and
reading digests) and ``admin`` (subscriptions, status, usage, doctor, backup, prune).

Every expected failure prints one line ``error: ...`` on stderr and exits non-zero; tracebacks
are for bugs only.

Operator output (progress, status, usage, doctor, subscriptions, error lines) stays English on
purpose and is not in the string catalog; what ``digest show``/``ask``/``categories`` print is a
reader's text and comes from ``digest.text`` in the chosen language.
"""

from __future__ import annotations

import argparse
import errno
import logging
import sqlite3
import sys

from digest.cli.admin import cmd_backup, cmd_doctor, cmd_prune, cmd_status, cmd_subscriptions, cmd_usage
from digest.cli.build import cmd_ask, cmd_build, cmd_categories, cmd_classify, cmd_run, cmd_show
from digest.cli.common import Handler, err_console
from digest.cli.week import add_parsers as add_week_parsers, cmd_week, cmd_weekly
from digest.cli.follows import add_parser as add_follows_parser, cmd_follows
from digest.cli.site import cmd_site
from digest.cli.search import cmd_search
from digest.config import load_settings
from digest.errors import BadDateError, DigestError

COMMANDS: dict[str, Handler] = {
    "build": cmd_build, "show": cmd_show, "classify": cmd_classify, "categories": cmd_categories,
    "ask": cmd_ask, "usage": cmd_usage,
    "subscriptions": cmd_subscriptions, "status": cmd_status, "prune": cmd_prune,
    "doctor": cmd_doctor, "run": cmd_run, "backup": cmd_backup, "follows": cmd_follows, "site": cmd_site, "search": cmd_search,
    "week": cmd_week, "weekly": cmd_weekly,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="digest", description="Daily AI paper digests.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    parser.add_argument("--version", action="version", version=f"digest {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="build a day's digest: DIR/digest_D.md and DIR/paper_D.png")
    b.add_argument("--date", help="YYYY-MM-DD, today or yesterday (default: today)")
    b.add_argument("--source", action="append", metavar="S",
                   help="URL or file; prefix hf:, arxiv-rss:, arxiv-api: to force a format; "
                        "shortcuts hf and arxiv:cs.AI+cs.CL (repeatable; default DIGEST_SOURCES)")
    b.add_argument("--out", metavar="DIR", help="output folder (default DIGEST_OUT)")
    b.add_argument("--language", help="report language (default DIGEST_LANGUAGE)")
    b.add_argument("--classifier", choices=["llm", "keyword"], help="default: llm with a key")

    s = sub.add_parser("show", help="print a stored digest, or one category of it")
    s.add_argument("terms", nargs="*", metavar="[CATEGORY] [DATE]")
    s.add_argument("--language", help="report language (default DIGEST_LANGUAGE)")

    c = sub.add_parser("classify", help="classify the papers of sources")
    c.add_argument("--source", action="append", required=True, metavar="S")
    c.add_argument("--date", help="the day the sources are for (fills {date} in URLs)")
    c.add_argument("--json", action="store_true", help="one JSON object per line")
    c.add_argument("--classifier", choices=["llm", "keyword"], help="default: llm with a key")

    sub.add_parser("categories", help="list the taxonomy")

    u = sub.add_parser("usage", help="LLM calls, tokens and estimated cost per day")
    u.add_argument("--days", type=int, default=7, help="how many days back (default 7)")

    a = sub.add_parser("ask", help="answer a question from a digest's papers, with citations")
    a.add_argument("question", nargs="+", help="the question (quote it, or type it after ask)")
    a.add_argument("--date", help="the digest's day: YYYY-MM-DD, today or yesterday (default: latest)")
    a.add_argument("--language", help="answer language when the question's is unclear")
    a.add_argument("--json", action="store_true", help="print {text, grounded, cited} as JSON")

    se = sub.add_parser("search", help="the best matching papers of every stored day, 5 per page")
    se.add_argument("words", nargs="*", help="what to look for (English or Korean)")
    se.add_argument("--page", type=int, default=1, help="which page of 5 (default 1)")
    se.add_argument("--language", help="ko or en (default DIGEST_LANGUAGE)")

    subs = sub.add_parser("subscriptions", help="the channels that get the daily digest: "
                                                "list, add, remove, pause, resume")
    acts = subs.add_subparsers(dest="action", required=True)
    ls = acts.add_parser("list", help="every subscription")
    ls.add_argument("--platform", choices=["slack", "discord"])
    add = acts.add_parser("add", help="subscribe a channel (or change its subscription)")
    add.add_argument("platform", help="slack or discord")
    add.add_argument("channel", help="the channel ID (Slack C0123456789, Discord 123456789012345678)")
    add.add_argument("time", metavar="HH:MM", help="local post time, 24-hour")
    add.add_argument("timezone", help="IANA time zone, e.g. Asia/Seoul")
    add.add_argument("--language", help="digest language (default DIGEST_LANGUAGE)")
    add.add_argument("--category", action="append", metavar="NAME",
                     help="only this category (repeatable; default all)")
    add.add_argument("--only", metavar="WORDS", help='keyword filter: only papers matching one of '
                     'these comma-separated words ("LLM, agents"; none: no filter)')
    add.add_argument("--exclude", metavar="WORDS", help='keyword filter: leave out papers matching '
                     'any of these ("medical")')
    add.add_argument("--notify-empty", action="store_true",
                     help="post a one-line note on days without papers")
    for name, text in (("remove", "unsubscribe a channel"), ("pause", "stop posting, keep the settings"),
                       ("resume", "post again")):
        one = acts.add_parser(name, help=text)
        one.add_argument("platform", help="slack or discord")
        one.add_argument("channel", help="the channel ID")

    sub.add_parser("status", help="the database in use, subscriptions with their last and next "
                                  "post, LLM budget today")

    r = sub.add_parser("run", help="build the newest day that has papers (make run); without "
                                   "network, the bundled sample day")
    for action in b._actions:  # the same options as build; --date/--source make it a plain build
        if action.option_strings and action.dest != "help":
            r._add_action(action)

    k = sub.add_parser("backup", help="copy the database, consistently, while the bot runs")
    k.add_argument("path", metavar="PATH", help="the backup file, or a folder (time-stamped name)")
    sub.add_parser("doctor", help="check the LLM server: one real summary and one classification "
                                  "request, the replies, and advice")

    pr = sub.add_parser("prune", help="drop the papers of days older than DIGEST_KEEP_DAYS "
                                      "(digests and posts stay)")
    pr.add_argument("--keep-days", type=int, metavar="N", help="default DIGEST_KEEP_DAYS")
    pr.add_argument("--vacuum", action="store_true", help="then VACUUM to shrink the file")
    add_week_parsers(sub)  # digest week, digest weekly (digest.cli.week)
    add_follows_parser(sub)
    si = sub.add_parser("site", help="write the web archive: index, a page per day and week, "
                                     "feed.xml (only what changed)")
    si.add_argument("--out", metavar="DIR", help="output folder (default DIGEST_SITE_DIR, else DIGEST_OUT/site)")
    si.add_argument("--language", help="digest language (default DIGEST_LANGUAGE)")
    _verbose_everywhere(sub)
    return parser


def _verbose_everywhere(sub) -> None:
    """``digest build -v`` as well as ``digest -v build`` (and below subcommands' actions)."""
    for child in sub.choices.values():
        child.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                           help="log debug details")
        for action in child._actions:
            if isinstance(action, argparse._SubParsersAction):
                _verbose_everywhere(action)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("daily-ai-insights")
    except PackageNotFoundError:
        from digest import __version__

        return __version__


class _ReportedByTheCommand(logging.Filter):
    """A failed source is printed by the command (``error:`` or ``warning:``): not twice."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name == "digest.sources" and record.getMessage().startswith("source failed"))


def register(name: str, handler: Handler) -> None:
    """Let modules built later (ask, usage, subscriptions, status) add a subcommand handler."""
    COMMANDS[name] = handler


def _storage_line(err: BaseException) -> str | None:
    """One line for a database or output file that ran out of space, is corrupt or read-only;
    None for any other error (a bug keeps its traceback)."""
    from digest.store.failures import storage_error

    if isinstance(err, OSError) and not isinstance(err, sqlite3.Error):
        if err.errno not in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EROFS):
            return None
        return f"cannot write {err.filename or 'a file'}: {err.strerror}"
    try:
        path = str(load_settings().digest_db)
    except DigestError:
        path = "the database"
    mapped = storage_error(err, path)
    return str(mapped) if mapped is not None else None


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from digest.logs import configure

    try:
        fmt = load_settings().digest_log_format
    except DigestError:
        fmt = "text"  # the command reports the bad setting
    configure(logging.DEBUG if args.verbose else logging.WARNING, fmt, sys.stderr)
    if not args.verbose:
        for handler in logging.getLogger().handlers:
            handler.addFilter(_ReportedByTheCommand())
    try:
        return COMMANDS[args.command](args)
    except (DigestError, BadDateError) as err:
        err_console.print(f"error: {err}", markup=False, highlight=False)
        return 2
    except (sqlite3.DatabaseError, OSError) as err:  # full disk, corrupt or read-only file
        line = _storage_line(err)
        if line is None:
            raise
        err_console.print(f"error: {line}", markup=False, highlight=False)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
