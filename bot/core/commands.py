"""The one ``/digest`` dispatch both adapters call: the command's text parsed by the engine's
grammar in the bot's language, and routed by kind.

* ``instant`` (help, categories, a mistake): text only, no I/O: Slack answers in its ack;
* ``subscription`` (subscribe, unsubscribe, settings): the channel's subscription, changed by
  ``digest.deliver.subscriptions`` with each platform's own permission check;
* ``follow`` (follow, following, unfollow): the author's own follows (``digest.follows``);
* ``digest``: a digest (a day, a category), resolved off the event loop (it may build).

Each adapter renders and sends the reply its own way (Block Kit / embeds).
"""

from __future__ import annotations

from typing import NamedTuple

from digest.models import DigestQuery
from digest.query.follow import FOLLOW_KINDS
from digest.query.parse import parse_query

INSTANT, SUBSCRIPTION, DIGEST, FOLLOW = "instant", "subscription", "digest", "follow"
INSTANT_KINDS = frozenset({"help", "categories", "error"})
SUBSCRIPTION_KINDS = frozenset({"subscribe", "unsubscribe", "settings"})


class Command(NamedTuple):
    query: DigestQuery
    route: str  # INSTANT, SUBSCRIPTION or DIGEST


def route_of(query: DigestQuery) -> str:
    if query.kind in FOLLOW_KINDS:  # the person's own follows: digest.follows.commands.handle_follow
        return FOLLOW
    if query.kind in SUBSCRIPTION_KINDS:
        return SUBSCRIPTION
    if query.kind in INSTANT_KINDS:
        return INSTANT
    return DIGEST


def dispatch(service, text: str | None, language: str) -> Command:
    """``/digest <text>`` -> what it asks for and which way it is answered."""
    query = parse_query(text or "", service.taxonomy, service.today(), language=language)
    return Command(query, route_of(query))
