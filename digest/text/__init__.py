"""One catalog for every user-facing string, looked up one way: ``t(language, key, **fields)``.

Each language the bot speaks without an LLM has a module here (``en.py``, ``ko.py``) with the
same keys and placeholders. Everything else — "ko-KR", "ko_KR", "Korean", or the Korean name — goes
through :func:`language_code`, the one fallback rule: a known code, region dropped, or a known
language name; otherwise English. An LLM can still *write* in any language (``language_name``
gives the prompt its name); only the fixed chrome falls back to English.

Persisted identifiers (Slack metadata event types and action ids, Discord nonces, footers and
custom ids) are not user-facing strings: they stay constants of their adapters.
"""

from __future__ import annotations

from digest.text import en, ko

CATALOGS: dict[str, dict[str, object]] = {"en": en.STRINGS, "ko": ko.STRINGS}
_NAMES: dict[str, str] = {name: code for code, module in (("en", en), ("ko", ko))
                          for name in module.NAMES}
LANGUAGE_NAMES = {"ko": "Korean", "en": "English", "ja": "Japanese", "zh": "Chinese",
                  "de": "German", "fr": "French", "es": "Spanish"}


def language_code(language: str | None) -> str:
    """The catalog for ``language``: ``"ko"``, ``"ko-KR"``, ``"Korean"`` (or a name in ``NAMES``) -> ``"ko"``;
    anything without a catalog -> ``"en"``."""
    key = " ".join((language or "").strip().casefold().replace("_", "-").split())
    if key in CATALOGS:
        return key
    head = key.split("-", 1)[0]
    if head in CATALOGS:
        return head
    return _NAMES.get(key, "en")


def known(language: str | None) -> bool:
    """True when ``language`` has a catalog of its own (not the English fallback)."""
    key = (language or "").strip().casefold().replace("_", "-")
    return bool(key) and (key.split("-", 1)[0] in CATALOGS or key in _NAMES)


def strings(language: str | None) -> dict[str, object]:
    """The whole catalog of ``language`` (after the fallback rule)."""
    return CATALOGS[language_code(language)]


def t(language: str | None, key: str, **fields: object) -> str:
    """The string ``key`` in ``language``, with ``fields`` filled in."""
    value = strings(language)[key]
    return str(value).format(**fields) if fields else str(value)


def papers(language: str | None, n: int) -> str:
    """"1 paper" / "{n} papers" in ``language``: the one plural rule every surface uses."""
    return t(language, "papers_one") if n == 1 else t(language, "papers_n", n=n)


def language_name(code: str) -> str:
    """``ko`` -> ``Korean`` (for prompts); any other text is taken as a language name already."""
    return LANGUAGE_NAMES.get(code.lower(), code)
