"""``/digest follow | following | unfollow`` for one person in one channel: the reply text.

Every follow command also records the channel (``Follows.seen_in``): that is where the person's
follows ping them (see ``digest.follows.store``)."""

from __future__ import annotations

from digest.follows.match import compile_follow
from digest.follows.store import MAX_FOLLOWS, Follows
from digest.models import DigestQuery
from digest.query.words import show
from digest.text import t
from digest.untrusted import is_injection


def handle_follow(service, query: DigestQuery, platform: str, user: str, channel: str,
                  language: str) -> str:
    """Apply the command; one line (or a short list) to show its author only."""
    if not service.settings.digest_follows:
        return t(language, "follows.off")
    follows = Follows(service.store)
    follows.seen_in(platform, user, channel)
    if query.kind == "following":
        mine = follows.of(platform, user)
        if not mine:
            return t(language, "follows.none")
        return t(language, "follows.list", n=len(mine), items=", ".join(f"“{f.text}”" for f in mine))
    if not query.args:
        return t(language, "follows.empty_arg")
    if query.kind == "unfollow":
        if query.args == ("all",):
            return t(language, "follows.removed_all", n=follows.remove_all(platform, user))
        return "\n".join(t(language, "follows.removed" if follows.remove(platform, user, text)
                           else "follows.not_found", text=show(text)) for text in query.args)
    lines = []
    for text in query.args:
        if is_injection(text) or compile_follow(text, service.taxonomy).empty:
            lines.append(t(language, "follows.unsearchable", text=show(text)))
            continue
        if len(follows.of(platform, user)) >= MAX_FOLLOWS:
            lines.append(t(language, "follows.too_many", max=MAX_FOLLOWS))
            break
        added, follow = follows.add(platform, user, text)
        lines.append(t(language, "follows.added", text=show(follow.text), count=len(follows.of(platform, user)))
                     if added else t(language, "follows.already", text=show(follow.text)))
    return "\n".join(lines)
