"""``digest backup PATH``: a consistent copy of the live database with SQLite's online backup API.

Copying the file of a running bot is not a backup: with WAL, the latest transactions live in
``digest.db-wal`` and a copy taken mid-write is torn. The backup API reads a consistent snapshot
while the bot keeps writing; the copy is checked and only then renamed into place.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from digest.errors import DigestError


def backup_database(source: Path, target: Path) -> Path:
    """Copy ``source`` to ``target`` (a file, or a folder for a time-stamped name); the path."""
    if not source.is_file():
        raise DigestError(f"no database at {source}: nothing to back up")
    if target.is_dir():
        target = target / f"{source.stem}-{time.strftime('%Y%m%d-%H%M%S')}.db"
    if target.resolve() == source.resolve():
        raise DigestError(f"the backup must go to another file than the database ({source})")
    partial = target.with_name(target.name + ".part")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        src = sqlite3.connect(source, timeout=30)
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst, pages=1024, sleep=0.05)  # in steps: the bot's writes are not held up
            check = dst.execute("pragma integrity_check").fetchone()[0]
        finally:
            dst.close()
            src.close()
        if check != "ok":
            raise DigestError(f"the backup of {source} failed its integrity check: {check}")
        os.replace(partial, target)
    except sqlite3.Error as err:
        raise DigestError(f"cannot back up {source}: {err}") from None
    except OSError as err:
        raise DigestError(f"cannot write {target}: {err.strerror}") from None
    finally:
        partial.unlink(missing_ok=True)
    return target
