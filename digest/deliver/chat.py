"""The chat side of subscriptions, shared by every adapter: ``/digest subscribe``,
``/digest unsubscribe`` and ``/digest settings``; the adapter only supplies ``is_admin``.
Its reply strings are the catalog's ``sub_*`` keys."""

from __future__ import annotations

import logging
from datetime import datetime

from digest.deliver.schedule import SubscriptionError
from digest.deliver.status import describe_record, fmt_local
from digest.deliver.subscriptions import Subscription, Subscriptions
from digest.models import DigestQuery
from digest.text import language_code, language_name, t

log = logging.getLogger(__name__)

def _t(language: str | None, key: str, **kw) -> str:
    return t(language, f"sub_{key}", **kw)


def is_listed_admin(user: str, settings) -> bool:
    """Whether ``user`` (a platform user id) is in DIGEST_ADMINS."""
    return bool(user) and str(user) in settings.admin_ids


def _next_text(subs: Subscriptions, sub: Subscription, now: datetime, complete_before, lang) -> str:
    nxt = subs.next_post(sub, now, complete_before)
    if nxt is None:
        return _t(lang, "paused_next")
    at = _t(lang, "now") if nxt.at <= now else fmt_local(nxt.at, sub.tz)
    return f"{at} ({nxt.day.isoformat()})"


def handle_subscription_command(query: DigestQuery, platform: str, channel: str, user: str,
                                is_admin: bool, *, service, language: str | None = None) -> str:
    """Run ``/digest subscribe|unsubscribe|settings`` for ``channel``; returns the reply text.

    ``is_admin`` is the platform's verdict (Slack: workspace admin/owner; Discord: Manage
    Server); users listed in DIGEST_ADMINS are admins everywhere. Non-admins are refused and
    nothing changes. Never raises for a user's mistake.
    """
    lang = language or service.settings.digest_language
    if query.kind == "error":
        return query.message
    if query.kind not in ("subscribe", "unsubscribe", "settings"):
        raise ValueError(f"not a subscription command: {query.kind}")
    if not (is_admin or is_listed_admin(user, service.settings)):
        who = _t(lang, {"slack": "who_slack", "discord": "who_discord"}.get(platform, "who_other"))
        log.info("event=refused_not_admin platform=%s channel=%s user=%s command=%s",
                 platform, channel, user, query.kind)
        return _t(lang, "not_admin", who=who)
    subs = Subscriptions(service.store, clock=getattr(service, "clock", None),
                         taxonomy=service.taxonomy, default_language=service.settings.digest_language)
    now = subs.clock()
    complete_before = now.astimezone(service.tz).date() if hasattr(service, "tz") else None
    channel = str(channel)
    if query.args[:1] == ("weekly",) and query.kind in ("subscribe", "unsubscribe"):
        from digest.week.chat import handle_weekly  # /digest subscribe|unsubscribe weekly

        return handle_weekly(query, platform, channel, str(user), service=service, language=lang)
    weekly = ""  # /digest settings: the weekly post's line; /digest settings weekly pause|resume
    if query.kind == "settings":
        from digest.week.chat import handle_weekly_settings, weekly_settings_line

        words = [a.casefold() for a in query.args]
        if words[:1] == ["weekly"]:
            return handle_weekly_settings(words[1:], platform, channel, service=service, language=lang)
        if not words:
            weekly = "\n" + weekly_settings_line(platform, channel, service=service, language=lang)
    try:
        if query.kind == "subscribe":
            from digest.query.subscribe import subscribe_request

            req = subscribe_request(query)
            sub = subs.subscribe(platform, channel, req.time, req.timezone, req.language,
                                 req.categories, created_by=str(user), only=req.only, exclude=req.exclude)
            return _t(lang, "subscribed", time=sub.post_time, tz=sub.timezone,
                      lang=language_name(sub.language) if language_code(lang) == "en" else sub.language,
                      cats=_cats(lang, sub), next=_next_text(subs, sub, now, complete_before, lang)) \
                + _filter_line(lang, sub)
        if query.kind == "unsubscribe":
            return _t(lang, "unsubscribed" if subs.unsubscribe(platform, channel) else "not_subscribed")
        sub = subs.get(platform, channel)
        if sub is None:
            return _t(lang, "not_subscribed") + weekly
        words = [a.casefold() for a in query.args]
        if not words:
            last = subs.last_post(sub)
            return _t(lang, "settings", time=sub.post_time, tz=sub.timezone, lang=sub.language,
                      cats=_cats(lang, sub), empty=_t(lang, "note" if sub.notify_empty else "silent"),
                      paused=_t(lang, "is_paused") if sub.paused else "",
                      last=describe_record(last) if last else _t(lang, "never"),
                      next=_next_text(subs, sub, now, complete_before, lang)) + _filter_line(lang, sub) + weekly
        if words == ["pause"]:
            subs.pause(platform, channel)
            return _t(lang, "paused")
        if words == ["resume"]:
            sub = subs.resume(platform, channel)
            return _t(lang, "resumed", next=_next_text(subs, sub, now, complete_before, lang))
        if len(words) == 2 and words[0] in ("empty", "notify-empty", "notify_empty") \
                and words[1] in ("on", "off"):
            subs.update(platform, channel, notify_empty=words[1] == "on")
            return _t(lang, "empty_on" if words[1] == "on" else "empty_off")
        return _t(lang, "settings_usage")
    except SubscriptionError as err:
        return str(err)


def _cats(lang: str, sub: Subscription) -> str:
    return _t(lang, "only", names=", ".join(sub.categories)) if sub.categories else _t(lang, "all")


def _filter_line(lang: str, sub: Subscription) -> str:
    """The channel's keyword filters, on a line of their own (nothing when there are none)."""
    from digest.text import t

    return "\n" + t(lang, "filter_set", filters=sub.filter.describe(lang)) if sub.filter else ""
