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
