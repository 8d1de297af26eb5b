"""The team's category list (name, emoji, description, keywords, aliases) read from TOML.

The simple shape is enough for a team's own file::

    [[category]]
    name = "Security"
    emoji = "🛡️"
    description = "Attacks, defences, jailbreaks"
    keywords = ["jailbreak", "backdoor", "adversarial attack"]
    aliases = ["sec", "security"]  # Korean aliases too, in taxonomy.toml

Optional extras the classifier uses (see the shipped ``taxonomy.toml``):

* a keyword may carry a weight, Lucene style: ``"jailbreak^4"`` (default 1; a negative
  weight counts against the category); a trailing ``*`` matches any word ending
  (``"quantiz*"``: quantized, quantization);
* ``arxiv = ["cs.CR^4", "cs.CY"]``: arXiv subject classes that hint at the category;
* a top-level ``[classifier]`` table: ``title_weight``, ``min_score``, ``arxiv_cross``.
"""

from __future__ import annotations

import difflib
import math
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from digest.errors import ConfigError

DEFAULT_TAXONOMY = "taxonomy.toml"

#: Classifier settings a taxonomy may override in its ``[classifier]`` table.
DEFAULT_SETTINGS: dict[str, float] = {
    "title_weight": 3.0,  # a keyword in the title counts this many times a mention in the abstract
    "min_score": 2.0,  # below this, a paper goes to the fallback category
    "arxiv_cross": 0.5,  # a cross-listed arXiv class counts this share of the primary class
}

_BOOST = re.compile(r"^(?P<term>.*?)\s*\^\s*(?P<weight>[-+]?\d+(?:\.\d+)?)$")
_ARXIV = re.compile(r"^[a-z-]+(\.[A-Za-z-]+)?$")


def normalize(text: str) -> str:
    """Case-, width- and spacing-insensitive key used to match names and aliases."""
    text = unicodedata.normalize("NFKC", text).casefold().strip()
    return " ".join(text.replace("_", " ").replace("-", " ").split())


@dataclass(frozen=True, slots=True)
class Category:
    name: str
    emoji: str
    description: str
    keywords: tuple[str, ...]  # lower-case phrases, weights stripped
    aliases: tuple[str, ...]
    fallback: bool = False
    weights: tuple[float, ...] = ()  # one per keyword; empty means 1.0 each
    arxiv: tuple[tuple[str, float], ...] = ()  # (arXiv subject class, weight)

    @property
    def label(self) -> str:
        return f"{self.emoji} {self.name}".strip()

    def weighted_keywords(self) -> list[tuple[str, float]]:
        weights = self.weights or (1.0,) * len(self.keywords)
        return list(zip(self.keywords, weights))


class Taxonomy:
    """An ordered list of categories; exactly one is the fallback for unmatched papers."""

    def __init__(self, categories: list[Category], origin: str = "<memory>",
                 settings: dict[str, float] | None = None):
        if not categories:
            raise ConfigError(f"taxonomy {origin}: no [[category]] entries")
        seen: dict[str, str] = {}
        for c in categories:
            key = normalize(c.name)
            if key in seen:
                raise ConfigError(f"taxonomy {origin}: duplicate category name {c.name!r}")
            seen[key] = c.name
        fallbacks = [c for c in categories if c.fallback]
        if len(fallbacks) > 1:
            names = ", ".join(c.name for c in fallbacks)
            raise ConfigError(f"taxonomy {origin}: more than one category has fallback = true ({names})")
        self.categories = tuple(categories)
        self.fallback = fallbacks[0] if fallbacks else categories[-1]
        self.origin = origin
        self.settings = {**DEFAULT_SETTINGS, **(settings or {})}
        self._by_key: dict[str, Category] = {}
        for cat in categories:  # names first, so that an alias never shadows another's name
            self._by_key[normalize(cat.name)] = cat
        for cat in categories:
            for key in cat.aliases:
                self._by_key.setdefault(normalize(key), cat)

    def __iter__(self):
        return iter(self.categories)

    def __len__(self) -> int:
        return len(self.categories)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.categories]

    def get(self, name: str) -> Category | None:
        """The category for a name or alias, case-insensitively; None if unknown."""
        return self._by_key.get(normalize(name))

    def __getitem__(self, name: str) -> Category:
        cat = self.get(name)
        if cat is None:
            raise KeyError(name)
        return cat

    def suggest(self, text: str) -> str | None:
        """The closest category name to a near miss ("Secuirty" -> "Security"), if any."""
        key = normalize(text)
        if not key:
            return None
        if key in self._by_key:
            return self._by_key[key].name
        cutoff = 0.6 if len(key) >= 5 else 0.8  # short words match too much by chance
        match = difflib.get_close_matches(key, list(self._by_key), n=1, cutoff=cutoff)
        if match:
            return self._by_key[match[0]].name
        if len(key) < 3:
            return None
        for k, cat in self._by_key.items():  # "reinforcement" -> "reinforcement learning"
            if k.startswith(key) or (len(k) >= 4 and key.startswith(k + " ")):
                return cat.name
        return None

    def emoji(self, name: str) -> str:
        cat = self.get(name)
        return cat.emoji if cat else ""


def _weighted(raw: list[str], where: str, origin: str) -> list[tuple[str, float]]:
    out = []
    for item in raw:
        term, weight = item, 1.0
        m = _BOOST.match(item)
        if m:
            term, weight = m["term"].strip(), float(m["weight"])
        elif "^" in item:
            raise ConfigError(f"taxonomy {origin}: {where}: bad weight in {item!r} (write \"term^2.5\")")
        if not term or not math.isfinite(weight):
            raise ConfigError(f"taxonomy {origin}: {where}: bad entry {item!r}")
        out.append((term, weight))
    return out


def _category(raw: dict, origin: str) -> Category:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not raw["name"].strip():
        raise ConfigError(f"taxonomy {origin}: every [[category]] needs a name")
    name = raw["name"].strip()

    def strings(key: str) -> tuple[str, ...]:
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"taxonomy {origin}: {name}.{key} must be a list of strings")
        return tuple(v.strip() for v in value if v.strip())

    for key in ("emoji", "description"):
        if not isinstance(raw.get(key, ""), str):
            raise ConfigError(f"taxonomy {origin}: {name}.{key} must be a string")
    if not isinstance(raw.get("fallback", False), bool):
        raise ConfigError(f"taxonomy {origin}: {name}.fallback must be true or false")

    keywords = _weighted(list(strings("keywords")), f"{name}.keywords", origin)
    for term, _ in keywords:
        if "*" in term.rstrip("*") or (term.endswith("*") and (" " in term or len(term) < 4)):
            raise ConfigError(f"taxonomy {origin}: {name}.keywords: {term!r}: a * may only end "
                              "a single word of three letters or more (\"quantiz*\")")
    arxiv = _weighted(list(strings("arxiv")), f"{name}.arxiv", origin)
    for cls, _ in arxiv:
        if not _ARXIV.match(cls):
            raise ConfigError(f"taxonomy {origin}: {name}.arxiv: {cls!r} is not an arXiv class like cs.CV")
    merged: dict[str, float] = {}
    for term, weight in keywords:  # the same phrase twice: the last weight wins
        merged[" ".join(term.lower().split())] = weight
    return Category(
        name=name,
        emoji=raw.get("emoji", "").strip(),
        description=raw.get("description", "").strip(),
        keywords=tuple(merged),
        aliases=strings("aliases"),
        fallback=raw.get("fallback", False),
        weights=tuple(merged.values()) if any(w != 1.0 for w in merged.values()) else (),
        arxiv=tuple(arxiv),
    )


def _settings(raw: object, origin: str) -> dict[str, float]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigError(f"taxonomy {origin}: [classifier] must be a table")
    out = {}
    for key, value in raw.items():
        if key not in DEFAULT_SETTINGS:
            known = ", ".join(DEFAULT_SETTINGS)
            raise ConfigError(f"taxonomy {origin}: unknown [classifier] setting {key!r} (known: {known})")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ConfigError(f"taxonomy {origin}: [classifier] {key} must be a number >= 0")
        out[key] = float(value)
    return out


def parse_taxonomy(text: str, origin: str = "<string>") -> Taxonomy:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"taxonomy {origin} is not valid TOML: {err}") from None
    entries = data.get("category")
    if not isinstance(entries, list):
        raise ConfigError(f"taxonomy {origin}: expected [[category]] tables")
    return Taxonomy([_category(e, origin) for e in entries], origin, _settings(data.get("classifier"), origin))


def load_taxonomy(path: Path | str | None = None) -> Taxonomy:
    """The team's taxonomy at ``path`` (DIGEST_TAXONOMY), else the one shipped with the package."""
    if path is None:
        text = resources.files("digest.classify").joinpath(DEFAULT_TAXONOMY).read_text("utf-8")
        return parse_taxonomy(text, "default taxonomy")
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"cannot read taxonomy {path}: not UTF-8 text") from None
    except OSError as err:
        raise ConfigError(f"cannot read taxonomy {path}: {err.strerror}") from None
    return parse_taxonomy(text, str(path))
