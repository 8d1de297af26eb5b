"""Errors a user may see: each carries a one-line message fit to print or post as is."""


class DigestError(Exception):
    """Base for every expected failure; ``str(err)`` is the user-facing line."""


class ConfigError(DigestError):
    """A setting or a taxonomy file is missing or malformed."""


class SourceError(DigestError):
    """A paper source could not be fetched or parsed."""


class BadDateError(DigestError):
    """A date that is malformed or lies in the future."""


class NoPapersError(DigestError):
    """The sources announced no papers for the day (arXiv weekends, holidays)."""


class NotFoundError(DigestError):
    """No stored digest (or category) matches the request."""


class StorageError(DigestError):
    """The database file cannot be used as asked: disk full, corrupt, or read-only.

    The message names the file and the cause; nothing already stored is lost.
    """
