"""``/digest subscribe weekly DAY HH:MM ZONE [ko|en]`` and ``/digest unsubscribe weekly``: the
chat side of weekly posts (the admin check is done by ``digest.deliver.chat`` before this)."""

from __future__ import annotations

from digest.deliver.schedule import SubscriptionError
from digest.deliver.status import fmt_local
from digest.models import DigestQuery
from digest.text import t
from digest.week.subscriptions import WEEKDAYS, WeekSubscriptions


def handle_weekly(query: DigestQuery, platform: str, channel: str, user: str, *, service,
                  language: str) -> str:
    subs = WeekSubscriptions(service.store, clock=getattr(service, "clock", None),
                             default_language=service.settings.digest_language)
    try:
        if query.kind == "unsubscribe":
            gone = subs.unsubscribe(platform, str(channel))
            return t(language, "week_unsubscribed" if gone else "week_not_subscribed")
        _, weekday, time, zone, *rest = query.args
        sub = subs.subscribe(platform, str(channel), weekday, time, zone, rest[0] if rest else None,
                             created_by=user)
    except SubscriptionError as err:
        return str(err)
    return t(language, "week_subscribed", weekday=WEEKDAYS[sub.weekday], time=sub.post_time,
             tz=sub.timezone, lang=sub.language, next=fmt_local(subs.next_post(sub), sub.tz))


def weekly_settings_line(platform: str, channel: str, *, service, language: str) -> str:
    """The channel's weekly post in one line, for ``/digest settings`` and ``digest status``."""
    sub = WeekSubscriptions(service.store, clock=getattr(service, "clock", None),
                            default_language=service.settings.digest_language).get(platform, str(channel))
    if sub is None:
        return t(language, "week_settings_none")
    return t(language, "week_settings_line", weekday=WEEKDAYS[sub.weekday], time=sub.post_time,
             tz=sub.timezone, lang=sub.language, paused=t(language, "week_paused_mark") if sub.paused else "")


def handle_weekly_settings(words: list[str], platform: str, channel: str, *, service,
                           language: str) -> str:
    """``/digest settings weekly [pause|resume]`` (the admin check is done before this)."""
    subs = WeekSubscriptions(service.store, clock=getattr(service, "clock", None),
                             default_language=service.settings.digest_language)
    if not words:
        return weekly_settings_line(platform, channel, service=service, language=language)
    if words not in (["pause"], ["resume"]):
        return t(language, "week_pause_usage")
    sub = subs.set_paused(platform, str(channel), words == ["pause"])
    if sub is None:
        return t(language, "week_not_subscribed")
    if sub.paused:
        return t(language, "week_paused")
    return t(language, "week_resumed", next=fmt_local(subs.next_post(sub), sub.tz))
