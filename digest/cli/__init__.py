"""``digest`` command line: build, show, classify, categories (and ask/usage where built).

Every expected failure prints one line ``error: ...`` on stderr and exits non-zero; tracebacks
are for bugs only.
"""

from __future__ import annotations

import argparse
import errno
import json
import logging
import os
import sqlite3
import sys
from collections.abc import Callable
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

from rich.console import Console

from digest.config import load_settings
from digest.errors import BadDateError, DigestError, NoPapersError, SourceError
from digest.present.markdown import chart_filename, render_markdown, report_filename

err_console = Console(stderr=True, soft_wrap=True, highlight=False)
out = Console(highlight=False, soft_wrap=True)
Handler = Callable[[argparse.Namespace], int]


def _service(args: argparse.Namespace):
    from digest.service import DigestService

    settings = load_settings()
    service = DigestService(settings)
    if getattr(args, "classifier", None):
        service.use_classifier(args.classifier)
    return service


def _day(service, text: str | None) -> date | None:
    return service.parse_day(text) if text else None


def _check_writable(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        raise DigestError(f"cannot write to {folder}: {err.strerror}") from None


@contextmanager
def _progress():
    """A spinner with the current stage on a terminal; nothing when output is piped."""
    if not err_console.is_terminal:
        yield lambda stage: logging.getLogger("digest").info(stage)
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=err_console, transient=True) as bar:
        task = bar.add_task("starting")
        yield lambda stage: bar.update(task, description=stage)


def cmd_build(args: argparse.Namespace) -> int:
    service = _service(args)
    if service.llm is None:
        err_console.print("No OPENAI_API_KEY set: using the offline classifier and extractive "
                          "summaries (set it in .env for AI-written ones).")
    day = _day(service, args.date) or service.today()
    folder = Path(args.out or service.settings.digest_out)
    _check_writable(folder)
    try:
        with _progress() as report:
            digest = service.build(day, sources=args.source or None, language=args.language,
                                   progress=report)
    except NoPapersError as err:
        out.print(str(err))
        return 0
    return _write(digest, folder)


def _write(digest, folder: Path) -> int:
    report_path = folder / report_filename(digest.day)
    chart_path = folder / chart_filename(digest.day)
    for path, data in ((chart_path, digest.chart_png), (report_path, render_markdown(digest).encode())):
        try:
            path.write_bytes(data)
        except OSError as err:  # e.g. a full disk: the digest itself is saved already
            path.unlink(missing_ok=True)
            raise DigestError(f"cannot write {path}: {err.strerror} (the digest is saved: "
                              f"digest show {digest.day.isoformat()} prints it)") from None
    for note in digest.notes:
        if note.startswith("source failed"):
            err_console.print(f"warning: {note}")
    out.print(f"{digest.total_papers} papers in {len(digest.counts)} categories "
              f"for {digest.day.isoformat()}")
    out.print(f"report: {report_path}")
    out.print(f"chart:  {chart_path}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from digest.query.parse import parse_query

    service = _service(args)
    query = parse_query(" ".join(args.terms), service.taxonomy, service.today())
    if query.kind not in ("digest", "category", "help", "categories"):
        raise DigestError(query.message or "usage: digest show [CATEGORY] [DATE]")
    reply = service.resolve(query, args.language)
    if reply.error:
        raise DigestError(reply.text)
    if reply.digest is None:  # help, categories
        out.print(reply.text, markup=False)
    else:
        out.print(render_markdown(reply.digest, reply.category), markup=False)
    return 0


def cmd_classify(args: argparse.Namespace) -> int:
    service = _service(args)
    day = _day(service, args.date) or service.today()
    collected = service.loader.collect(args.source, day)
    for e in collected.errors:
        err_console.print(f"warning: {e}")
    if not collected.papers:
        raise DigestError("no papers in the given sources")
    labels = service.classifier.classify(collected.papers)
    for p in collected.papers:
        label = labels.get(p.arxiv_id) or service.offline_classifier.classify_one(p)
        if args.json:
            print(json.dumps({"arxiv_id": p.arxiv_id, "category": label.category,
                              "confidence": round(label.confidence, 3)}, ensure_ascii=False))
        else:
            out.print(f"{p.arxiv_id}\t{label.category}\t{label.confidence:.2f}\t{p.title}", markup=False)
    return 0


def cmd_categories(args: argparse.Namespace) -> int:
    from digest.classify.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(load_settings().digest_taxonomy)
    for cat in taxonomy:
        aliases = f"  (aliases: {', '.join(cat.aliases)})" if cat.aliases else ""
        out.print(f"{cat.emoji} {cat.name} — {cat.description}{aliases}", markup=False)
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    """Answer a question about a stored digest; print the answer and the cited papers."""
    service = _service(args)
    day = _day(service, args.date)
    if day is None and not service.store.digest_days(limit=1):
        raise DigestError("no digest stored yet: run `digest build` first")
    answer = service.answer(" ".join(args.question), day=day, language=args.language)
    if args.json:
        print(json.dumps({"text": answer.text, "grounded": answer.grounded, "cited": [
            {"arxiv_id": p.arxiv_id, "title": p.title, "link": p.link} for p in answer.cited]},
            ensure_ascii=False))
        return 0
    out.print(answer.text, markup=False)
    if answer.cited:  # the links are in the text; one line of ids for scripts and skimming
        out.print("\ncited: " + ", ".join(f"arXiv:{p.arxiv_id}" for p in answer.cited), markup=False)
    return 0


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
    from digest.deliver.subscriptions import cli_subscriptions

    return cli_subscriptions(args, lambda line: out.print(line, markup=False))


def cmd_status(args: argparse.Namespace) -> int:
    from digest.deliver.subscriptions import cli_status

    out.print(f"Database: {load_settings().digest_db.resolve()}", markup=False)
    return cli_status(args, lambda line: out.print(line, markup=False))


def cmd_prune(args: argparse.Namespace) -> int:
    """Retention: drop the papers of old days (digests and posts stay); VACUUM on request."""
    service = _service(args)
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


# --- run, backup: the first command of a fresh clone, and the one that keeps the data ------------
SAMPLE_DAY = date(2024, 11, 22)
SAMPLE = Path(__file__).parents[1] / "samples" / f"hf_daily_papers_{SAMPLE_DAY.isoformat()}.json"
LOOKBACK_DAYS = 7  # Hugging Face lists nothing on weekends and early in the day


def cmd_run(args: argparse.Namespace) -> int:
    """``make run``: the newest day that has papers; with no source readable (no network), the
    bundled sample day, said in one line, exit 0. ``--date``/``--source`` make it a plain build
    (exit 2 when nothing can be read, as scripts expect of ``digest build``)."""
    if args.date or args.source:
        return cmd_build(args)
    service = _service(args)
    if service.llm is None:
        err_console.print("No OPENAI_API_KEY set: using the offline classifier and extractive "
                          "summaries (set it in .env for AI-written ones).")
    folder = Path(args.out or service.settings.digest_out)
    _check_writable(folder)
    today, digest, reason = service.today(), None, None
    with _progress() as report:
        for back in range(LOOKBACK_DAYS):
            try:
                digest = service.build(today - timedelta(days=back), language=args.language,
                                       progress=report)
                break
            except NoPapersError:
                continue
            except SourceError as err:
                reason = str(err)
                break
        else:
            reason = f"no papers in the last {LOOKBACK_DAYS} days from DIGEST_SOURCES"
        if digest is None:
            reason = reason.split(" (offline?")[0]
            err_console.print(f"Built the bundled sample day {SAMPLE_DAY.isoformat()} ({SAMPLE.name}) "
                              f"instead, because {reason}", markup=False, highlight=False)
            digest = service.build(SAMPLE_DAY, sources=[str(SAMPLE)], language=args.language,
                                   progress=report)
    return _write(digest, folder)


def cmd_backup(args: argparse.Namespace) -> int:
    from digest.backup import backup_database

    source = load_settings().digest_db
    folder = args.path.endswith(("/", os.sep))  # a folder that does not exist yet
    if folder:
        _check_writable(Path(args.path))
    target = backup_database(source, Path(args.path))
    out.print(f"Backed up {source} to {target} ({target.stat().st_size:,} bytes, integrity ok)",
              markup=False)
    return 0


COMMANDS: dict[str, Handler] = {
    "build": cmd_build, "show": cmd_show, "classify": cmd_classify, "categories": cmd_categories,
    "ask": cmd_ask, "usage": cmd_usage,
    "subscriptions": cmd_subscriptions, "status": cmd_status, "prune": cmd_prune,
    "doctor": cmd_doctor, "run": cmd_run, "backup": cmd_backup,
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
    from digest.store import storage_error

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
