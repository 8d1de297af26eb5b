"""Prompt templates, versioned by file name (``summarize_v1.txt``, ``classify_v1.txt``, ``qa_v1.txt``).

A template is a system part and a user part separated by a ``---- user ----`` line, with
``$name`` placeholders (``string.Template``). Untrusted text (titles, abstracts, questions)
only ever enters the user part, as JSON inside a delimited block (:func:`quote_data`).

Bump ``PROMPT_VERSION`` (and add ``*_v2.txt`` files) when a prompt changes meaning; cache keys
include both the version and a hash of the template text, so even an edit made without a bump
never serves a reply written for the old prompt.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import lru_cache
from importlib import resources
from string import Template

PROMPT_VERSION = "v1"
USER_MARK = "---- user ----"
_TAG = re.compile(r"<(\s*/?\s*(?:papers|question)\b)", re.IGNORECASE)


@lru_cache(maxsize=None)
def load(name: str, version: str = PROMPT_VERSION) -> tuple[str, str]:
    """(system, user) template text of ``{name}_{version}.txt``."""
    text = resources.files(__name__).joinpath(f"{name}_{version}.txt").read_text("utf-8")
    system, sep, user = text.partition(USER_MARK)
    if not sep:
        raise ValueError(f"prompt {name}_{version}.txt has no {USER_MARK!r} line")
    return system.strip(), user.strip()


def fingerprint(name: str, version: str = PROMPT_VERSION) -> str:
    """Version plus a short hash of the template text: part of every cache key."""
    system, user = load(name, version)
    digest = hashlib.sha256(f"{system}\n{USER_MARK}\n{user}".encode()).hexdigest()[:12]
    return f"{name}_{version}:{digest}"


def render(name: str, version: str = PROMPT_VERSION, **values: object) -> list[dict]:
    """Chat messages (system + user) with ``values`` substituted; a missing value raises KeyError."""
    system, user = load(name, version)
    values = {k: str(v) for k, v in values.items()}
    return [{"role": "system", "content": Template(system).substitute(values)},
            {"role": "user", "content": Template(user).substitute(values)}]


def quote_data(items: list[dict]) -> str:
    """Untrusted records as a JSON array, one record a line, that cannot close its block.

    JSON quoting keeps every title and abstract a string value; a ``</papers>`` or
    ``<question>`` written inside one is escaped (``\\u003c``) so it cannot end the data block.
    """
    lines = [json.dumps(item, ensure_ascii=False) for item in items]
    return "[\n" + ",\n".join(_TAG.sub(r"\\u003c\1", line) for line in lines) + "\n]"


def quote_text(text: str) -> str:
    """One untrusted string for a delimited block (e.g. a question): its tags neutralized."""
    return _TAG.sub(r"\\u003c\1", text)


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters at a word boundary, marked with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"
