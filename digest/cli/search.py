"""``digest search <words> [--page N]``: the archive search of ``/digest search`` on the command
line (``digest.ask.search``); empty or hostile words print the help line and exit 2."""

from __future__ import annotations

import argparse

from digest.ask.search import render_page
from digest.cli.common import err_console, out, service_for


def cmd_search(args: argparse.Namespace) -> int:
    service = service_for(args)
    language = args.language or service.settings.digest_language
    result = service.search_archive(" ".join(args.words), max(0, args.page - 1))
    text = render_page(result, language, more_hint="search_more_cli")
    if result is None:
        err_console.print(f"error: {text}", markup=False, highlight=False)
        return 2
    out.print(text, markup=False, highlight=False)
    return 0
