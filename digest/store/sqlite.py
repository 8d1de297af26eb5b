"""sqlite-utils, loaded without numpy (see ``_import_sqlite_utils``)."""

from __future__ import annotations


def _import_sqlite_utils():
    """sqlite-utils imports numpy when it is installed (matplotlib brings it), only to map numpy
    types we never store; hiding it while sqlite-utils loads saves ~0.1 s on every start-up."""
    import sys

    hide = "numpy" not in sys.modules
    if hide:
        sys.modules["numpy"] = None  # type: ignore[assignment]  # "import numpy" -> ImportError
    try:
        import sqlite_utils
    finally:
        if hide:
            del sys.modules["numpy"]
    return sqlite_utils


sqlite_utils = _import_sqlite_utils()
