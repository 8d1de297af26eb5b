"""What a failing database file means to a user: one line (full, corrupt, read-only, busy), and
whether this process may write the file at all (else it is opened read-only)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from digest.errors import StorageError

BUSY_TIMEOUT = 30.0  # seconds a writer waits for another process's write lock before giving up
_FULL = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}


def storage_error(err: BaseException, path: str) -> StorageError | None:
    """The one-line error for a database file that is full, corrupt, read-only or busy;
    None when ``err`` is about something else (a bug, a bad query)."""
    name = getattr(err, "sqlite_errorname", "") or ""
    text = str(err).lower()
    if name.startswith("SQLITE_READONLY") or "readonly" in text:
        return StorageError(f"{path} is read-only: reading works (show, ask, status), "
                            "saving needs write access to the file")
    if name == "SQLITE_FULL" or "disk is full" in text or getattr(err, "errno", None) in _FULL:
        return StorageError(f"{path}: the disk is full: nothing was saved and nothing stored "
                            "was lost; free some space and run again")
    if name.startswith("SQLITE_IOERR") or "disk i/o error" in text:
        return StorageError(f"{path}: disk I/O error while writing (disk full or a file size "
                            "limit?): nothing was saved and nothing stored was lost")
    if name in ("SQLITE_CORRUPT", "SQLITE_NOTADB") or "malformed" in text:
        return StorageError(f"{path} is corrupt ({err}): it was left as it is; restore it from "
                            f"a backup (check it with: sqlite3 {path} 'PRAGMA integrity_check')")
    if name.startswith("SQLITE_BUSY") or "database is locked" in text:
        return StorageError(f"{path} is busy: another process held its write lock for over "
                            f"{BUSY_TIMEOUT:.0f} s; run again")
    return None


def writable(path: str) -> bool:
    """False for an existing file this process may not write (permissions, ``chattr +i``,
    a read-only mount): such a database is opened read-only instead of failing every command."""
    return path == ":memory:" or not Path(path).exists() or os.access(path, os.W_OK)
