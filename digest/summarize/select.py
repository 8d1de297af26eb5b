"""Which papers each category's synthesis is written from, and the per-category counts."""

from __future__ import annotations

from collections import defaultdict

from digest.models import Classification, Paper
from digest.classify.taxonomy import Taxonomy


def group_by_category(labeled: list[tuple[Paper, Classification]],
                      taxonomy: Taxonomy) -> dict[str, list[tuple[Paper, Classification]]]:
    """Papers per category name; a label no longer in the taxonomy goes to the fallback."""
    groups: dict[str, list[tuple[Paper, Classification]]] = defaultdict(list)
    for paper, label in labeled:
        cat = taxonomy.get(label.category) or taxonomy.fallback
        groups[cat.name].append((paper, label))
    return groups


def category_counts(groups: dict[str, list]) -> tuple[tuple[str, int], ...]:
    """``(category, papers)`` for every non-empty category, largest first (ties by name)."""
    return tuple(sorted(((c, len(v)) for c, v in groups.items() if v), key=lambda kv: (-kv[1], kv[0])))


def top_papers(members: list[tuple[Paper, Classification]], k: int) -> list[Paper]:
    """Most popular first (Hugging Face upvotes), then the classifier's confidence, then id."""
    ranked = sorted(members, key=lambda pc: (-pc[0].popularity, -pc[1].confidence, pc[0].arxiv_id))
    return [p for p, _ in ranked[:k]]
