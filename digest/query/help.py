"""The ``/digest help`` and ``/digest categories`` texts (their words are in the catalog)."""

from __future__ import annotations

from digest.classify.taxonomy import Taxonomy
from digest.text import strings, t


def _examples(taxonomy: Taxonomy | None) -> tuple[str, str]:
    """A short and a multi-word category to show in examples (defaults fit the shipped taxonomy)."""
    if taxonomy is None:
        return "LLM", "computer vision"
    short = "LLM" if taxonomy.get("LLM") else taxonomy.names[0]
    multi = next((n for n in taxonomy.names if " " in n), taxonomy.names[-1])
    if taxonomy.get("computer vision"):
        multi = "computer vision"
    return short, multi.lower()


def help_text(language: str = "en", taxonomy: Taxonomy | None = None) -> str:
    """The command help, listing every form with an example, in the reader's language."""
    short, multi = _examples(taxonomy)
    lines = [line.format(short=short, multi=multi, alias_example=t("ko", "q_alias_example"))
             for line in strings(language)["help_lines"]]  # the example shows a Korean alias works
    at = next((i for i, line in enumerate(lines) if line.startswith("• /digest settings")), len(lines) - 1) + 1
    lines[at:at] = t(language, "week_help").split("\n")  # /digest week, weekly posts (digest.week)
    lines.insert(-1, t(language, "follows.help"))  # follow, following, unfollow (digest.follows)
    lines[-1:-1] = ["• " + t(language, "help_filters"), "• " + t(language, "help_search")]
    if taxonomy is not None:
        lines.append(t(language, "help_categories", names=", ".join(taxonomy.names)))
    return "\n".join(lines)


def categories_text(taxonomy: Taxonomy, language: str = "en") -> str:
    """One line per category: ``emoji name — description (aliases: ...)``."""
    alias_word = t(language, "aliases")
    lines = [t(language, "categories_head")]
    for cat in taxonomy:
        line = cat.label
        if cat.description:
            line += f" — {cat.description}"
        if cat.aliases:
            line += f" ({alias_word}: {', '.join(cat.aliases)})"
        lines.append(line)
    return "\n".join(lines)
