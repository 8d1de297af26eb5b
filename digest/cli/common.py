"""What every ``digest`` subcommand shares: the two consoles, the service, a day argument, and
checks made before work starts."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from rich.console import Console

from digest.config import load_settings
from digest.errors import DigestError

err_console = Console(stderr=True, soft_wrap=True, highlight=False)
out = Console(highlight=False, soft_wrap=True)
Handler = Callable[[argparse.Namespace], int]


def service_for(args: argparse.Namespace):
    from digest.service import DigestService

    settings = load_settings()
    service = DigestService(settings)
    if getattr(args, "classifier", None):
        service.use_classifier(args.classifier)
    return service


def day_arg(service, text: str | None) -> date | None:
    return service.parse_day(text) if text else None


def check_writable(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        raise DigestError(f"cannot write to {folder}: {err.strerror}") from None


@contextmanager
def progress():
    """A spinner with the current stage on a terminal; nothing when output is piped."""
    if not err_console.is_terminal:
        yield lambda stage: logging.getLogger("digest").info(stage)
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=err_console, transient=True) as bar:
        task = bar.add_task("starting")
        yield lambda stage: bar.update(task, description=stage)
