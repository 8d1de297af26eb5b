"""``python -m bot console``: a terminal chat with the bot, no chat-platform token needed.

Type what you would type in Slack or Discord: ``/digest``, ``/digest LLM``, ``/digest 2024-11-22``,
``/digest help``; any other line is a follow-up question about the digest shown last (or the
latest), answered as in that digest's thread. ``/quit`` (or end of input) leaves.

    python -m bot console --source tests/fixtures/hf_small.json --date 2024-11-22
    echo "/digest help" | python -m bot console

With no ``--source`` and no digest stored yet, it builds yesterday's digest (or ``--date``'s)
from DIGEST_SOURCES once; offline, it says so in one line and how to start from a file.

The same grammar (``digest.query.parse``) and the same service (``DigestService``) as the Slack and
Discord adapters; digests are rendered from the report's Markdown with rich, and the chart is
written to DIGEST_OUT (a terminal cannot show it) with its path printed.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import re
import sys
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.rule import Rule
from rich.text import Text

from digest.present import links
from digest.errors import DigestError
from digest.models import Answer, Digest
from digest.follows.commands import handle_follow
from digest.follows.match import FollowMatcher
from digest.follows.ping import ping_parts
from digest.follows.store import Follows
from digest.query.follow import FOLLOW_KINDS
from digest.query.parse import parse_query
from digest.query.words import grammar_words
from digest.text import language_code, t
from digest.present.markdown import CHAT_ANSWER_CHARS, chart_filename, clip_text, render_markdown

log = logging.getLogger(__name__)

QUIT = {"/quit", "/exit", "/q", "quit", "exit", ":q"}
MORE_WORDS = grammar_words("more")  # the next page of the last archive search
HISTORY_TURNS = 10
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")

class ConsoleChat:
    """One conversation: the digest shown last is the thread that questions go to."""

    def __init__(self, service, console: Console, language: str, user: str):
        self.service = service
        self.console = console
        self.language = language
        self.user = user
        self.day: date | None = None  # the digest whose thread we are in
        self.history: list[tuple[str, str]] = []
        self.searched: tuple[str, int] | None = None  # the last archive search and its page: "more"

    # --- output ---------------------------------------------------------------------------
    def say(self, text: str, style: str | None = None) -> None:
        self.console.print(Text(text, style=style or ""), soft_wrap=True)

    def banner(self) -> None:
        self.console.print(Rule(t(self.language, "console_banner")))
        self.say(t(self.language, "console_usage"), "dim")
        settings = self.service.settings  # not service.llm: the openai SDK loads on first use
        if settings.llm_enabled:
            self.say(t(self.language, "console_online", model=settings.digest_model), "dim")
        else:
            self.say(t(self.language, "console_offline"), "dim")

    def show_digest(self, digest: Digest, category: str | None) -> None:
        chart_line = self._write_chart(digest)
        from rich.markdown import Markdown  # markdown-it: only when a digest is shown

        self.console.print(Markdown(_IMAGE.sub("", render_markdown(digest, category, chat=True), count=1)))
        if chart_line:  # a terminal cannot show the image: say where it is
            self.say(chart_line, "cyan")
        if self.day != digest.day:
            self.history = []  # a new digest is a new thread
        self.day = digest.day
        self.say(t(self.language, "console_thread", day=digest.day.isoformat()), "dim")
        if category is None:
            self.show_follows(digest.day)

    def show_follows(self, day: date) -> None:
        """The local user's follow ping for ``day``, as a chat channel's thread would get it."""
        settings = getattr(self.service, "settings", None)
        if settings is None or not settings.digest_follows:
            return
        mine = Follows(self.service.store).of("console", self.user)
        if not mine:
            return
        found = FollowMatcher(self.service.store, self.service.taxonomy).day_matches(day, {self.user: mine})
        for _, text in ping_parts(language_code(self.language), day, found, lambda u: f"@{u}",
                                  lambda p: f"• {p.title} — {p.link}", 100_000):
            self.say(text, "magenta")

    def _write_chart(self, digest: Digest) -> str:
        if not digest.chart_png:
            return ""
        folder = Path(self.service.settings.digest_out)
        path = folder / chart_filename(digest.day)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path.write_bytes(digest.chart_png)
        except OSError as err:
            return t(self.language, "console_chart_failed", why=err.strerror or err)
        return t(self.language, "console_chart", path=path.resolve())

    def show_answer(self, answer: Answer) -> None:
        self.console.print(Text(f"{t(self.language, 'console_bot')}>", style="bold green"))
        shown, dropped = clip_text(answer.text, CHAT_ANSWER_CHARS)
        text = Text(links.to_plain(shown) + (" …" if dropped else ""))
        for paper in answer.cited:
            text.highlight_words([paper.title], style="bold")
        text.highlight_regex(r"https?://\S+", style="cyan")
        self.console.print(text, soft_wrap=True)

    # --- input ----------------------------------------------------------------------------
    def handle(self, line: str) -> bool:
        """Act on one line; False when the user leaves."""
        line = line.strip()
        if not line:
            return True
        if line.lower() in QUIT:
            self.say(t(self.language, "console_bye"), "dim")
            return False
        try:
            if line.lower().strip(" /") in MORE_WORDS and self.searched is not None:
                self.search(*self.searched[:1], page=self.searched[1] + 1)
            elif line.startswith("/"):
                self.command(line)
            else:
                self.question(line)
        except DigestError as err:
            self.say(str(err), "red")
        except Exception as err:  # noqa: BLE001 - one bad line must not end the session
            log.exception("console: %r failed", line)
            self.say(t(self.language, "console_failed", err=f"{type(err).__name__}: {err}"), "red")
        return True

    def command(self, line: str) -> None:
        head, _, rest = line.partition(" ")
        head = head.lower()
        if head == "/help":
            head, rest = "/digest", "help"
        if head not in ("/digest", "/d"):
            self.say(t(self.language, "console_unknown", cmd=head), "yellow")
            return
        query = parse_query(rest, self.service.taxonomy, self.service.today(),
                            language=language_code(self.language))
        if query.kind in FOLLOW_KINDS:  # the local user's follows (digest.follows)
            self.say(handle_follow(self.service, query, "console", self.user, "console", self.language))
            return
        if query.kind in ("subscribe", "unsubscribe", "settings"):
            self.say(t(self.language, "console_subscriptions"), "yellow")
            return
        if query.kind == "search":
            self.search(" ".join(query.args))
            return
        # a day not stored yet is built, as Slack and Discord do (the question says which day)
        build = query.kind in ("digest", "category") and query.day is not None
        if (build and self.service.store.load_digest(query.day, self.language) is None
                and not self.service.store.day_papers(query.day)):
            self.say(t(self.language, "console_building_day", day=query.day.isoformat()), "dim")
        with _quiet_sources():
            reply = self.service.resolve(query, self.language, build_missing=build)
        if reply.digest is not None:
            self.show_digest(reply.digest, reply.category)
            return
        self.say(reply.text, "red" if reply.error else None)
        if reply.error and self.service.latest_day() is None:
            self.say(t(self.language, "console_no_digest_hint"), "dim")

    def search(self, words: str, page: int = 0) -> None:
        """One page of the archive search; "more" asks for the next (as the chat buttons do)."""
        from digest.ask.search import render_page  # the search modules load on first use

        result = self.service.search_archive(words, page)
        self.say(render_page(result, language_code(self.language)), None if result else "yellow")
        more = result is not None and result.has_more
        self.searched = (words, result.page) if more else None

    def build_first(self, day: date) -> None:
        """An empty store and no --source: build ``day`` from the configured sources (DIGEST_SOURCES),
        once; when that fails (offline, no papers) say so in one line, with the way out."""
        self.say(t(self.language, "console_building", day=day.isoformat()), "dim")
        try:
            with _quiet_sources():
                digest = self.service.build(day, language=self.language)
        except Exception as err:  # noqa: BLE001 - offline, a bad source: one line, no traceback
            log.debug("console: building %s from DIGEST_SOURCES failed", day, exc_info=True)
            why = (" ".join(str(err).split()) or type(err).__name__)[:300]
            self.say(t(self.language, "console_auto_failed", why=why), "yellow")
            return
        self.say(t(self.language, "console_built", day=digest.day.isoformat(), n=digest.total_papers,
                                         c=len(digest.counts)), "green")
        self.day = digest.day

    def question(self, line: str) -> None:
        answer = self.service.answer(line, day=self.day, history=list(self.history),
                                     user=self.user, language=self.language)
        self.show_answer(answer)
        if self.day is None:
            self.day = self.service.latest_day()
        self.history += [("user", line), ("assistant", answer.text)]
        self.history = self.history[-HISTORY_TURNS:]


@contextmanager
def _quiet_sources():
    """The sources' retries and errors while the console builds: its own line says what failed."""
    sources = logging.getLogger("digest.sources")
    level = sources.level
    if not log.isEnabledFor(logging.DEBUG):
        sources.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        sources.setLevel(level)


def _lines(stream: TextIO, console: Console, prompt: str, interactive: bool):
    if not interactive:
        yield from stream
        return
    while True:
        try:
            yield console.input(f"[bold cyan]{prompt}>[/] ")
        except (EOFError, KeyboardInterrupt):
            console.print()
            return


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot console", description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", action="append", metavar="S",
                        help="build a digest from this file or URL first (repeatable; see digest build)")
    parser.add_argument("--date", help="the day to build or show first: YYYY-MM-DD, today, yesterday")
    parser.add_argument("--language", help="report and reply language (default DIGEST_LANGUAGE)")
    parser.add_argument("--user", help="your user id for the per-user question limit "
                                       "(default: your login name)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    return parser


def main(argv: list[str] | None = None, *, stdin: TextIO | None = None,
         stdout: TextIO | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    console = Console(file=stdout or sys.stdout, highlight=False)
    stream = stdin or sys.stdin
    interactive = stdin is None and sys.stdin.isatty() and console.is_terminal
    try:
        from digest.config import load_settings
        from digest.service import DigestService

        service = DigestService(load_settings())
    except DigestError as err:
        Console(stderr=True).print(f"error: {err}", markup=False, highlight=False)
        return 2
    language = args.language or service.settings.digest_language
    chat = ConsoleChat(service, console, language, args.user or _login())
    chat.banner()
    try:
        if args.source:
            day = service.parse_day(args.date) if args.date else service.today()
            digest = service.build(day, sources=args.source, language=language)
            chat.say(t(chat.language, "console_built", day=digest.day.isoformat(), n=digest.total_papers,
                                             c=len(digest.counts)), "green")
            chat.day = digest.day
        elif service.latest_day() is None:
            yesterday = service.today() - timedelta(days=1)
            chat.build_first(service.parse_day(args.date) if args.date else yesterday)
        elif args.date:
            chat.day = service.parse_day(args.date)
    except DigestError as err:
        chat.say(str(err), "red")
    for line in _lines(stream, console, t(chat.language, "console_you"), interactive):
        if not interactive and line.strip():  # a piped session reads like a transcript
            chat.say(f"{t(chat.language, 'console_you')}> {line.strip()}", "bold cyan")
        if not chat.handle(line):
            break
    return 0


def _login() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "console"


if __name__ == "__main__":
    sys.exit(main())
