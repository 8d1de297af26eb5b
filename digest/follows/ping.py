"""The text of one day's ping in a channel: each follower with matches, their papers (title, link,
category; at most ``PER_USER``, then "and N more"), cut into messages of at most ``limit``
characters, never inside one person's block. Mentions and paper lines are written by the
platform's functions, so the engine never knows a chat syntax; users without a match are not in
``matches`` at all. Each message starts with :func:`part_head`, which the adapters look for to
find the messages sent before a crash."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from digest.follows.match import Match
from digest.models import Paper
from digest.text import t

PER_USER = 5


def part_head(language: str, day: date, index: int, parts: int) -> str:
    head = t(language, "follows.ping_head", day=day.isoformat())
    return head if parts == 1 else f"{head} ({index + 1}/{parts})"


def ping_parts(language: str, day: date, matches: dict[str, list[Match]],
               mention: Callable[[str], str | None], line: Callable[[Paper], str],
               limit: int) -> list[tuple[list[str], str]]:
    """``[(users mentioned, text)]``, one per message; empty when nobody has a match."""
    blocks: list[tuple[str, str]] = []
    for user in sorted(matches):
        who = mention(user)
        if not who:  # an id the platform could not mention: nobody to ping
            continue
        found = matches[user]
        rows = [who] + [f"{line(m.paper)} ({m.category})" for m in found[:PER_USER]]
        if len(found) > PER_USER:
            rows.append("  " + t(language, "follows.more", n=len(found) - PER_USER))
        blocks.append((user, "\n".join(rows)[: limit - 80]))
    groups: list[list[tuple[str, str]]] = []
    size = 0
    for block in blocks:
        if not groups or size + len(block[1]) + 1 > limit - 80:
            groups.append([])
            size = 0
        groups[-1].append(block)
        size += len(block[1]) + 1
    return [([u for u, _ in g], "\n".join([part_head(language, day, i, len(groups))] + [b for _, b in g]))
            for i, g in enumerate(groups)]
