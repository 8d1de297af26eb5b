"""The chat side of subscriptions, shared by every adapter: ``/digest subscribe``,
``/digest unsubscribe`` and ``/digest settings``; the adapter only supplies ``is_admin``.
Its reply strings (en, ko) live here with it."""

from __future__ import annotations

import logging
from datetime import datetime

from digest.deliver.schedule import SubscriptionError
from digest.deliver.status import describe_record, fmt_local
from digest.deliver.subscriptions import Subscription, Subscriptions
from digest.models import DigestQuery

log = logging.getLogger(__name__)

_TEXT = {
    "en": {
        "not_admin": "Only admins can manage this channel's daily digest "
                     "({who}). Ask one of them to run this command.",
        "who_slack": "Slack workspace admins and owners, or the users in DIGEST_ADMINS",
        "who_discord": "members with Manage Server, or the users in DIGEST_ADMINS",
        "who_other": "the users in DIGEST_ADMINS",
        "subscribed": "Subscribed: this channel gets the daily digest at {time} {tz} in {lang}, "
                      "{cats}. Each post covers the previous day's papers.\nNext post: {next}.",
        "unsubscribed": "Unsubscribed: no more daily digests in this channel.",
        "not_subscribed": "This channel has no daily digest. Subscribe with "
                          "/digest subscribe 09:00 Asia/Seoul [ko|en] [categories...]",
        "settings": "Daily digest here: {time} {tz}, language {lang}, {cats}; "
                    "days without papers: {empty}{paused}.\nLast post: {last}\nNext post: {next}",
        "settings_usage": "Usage: /digest settings [pause | resume | empty on|off]",
        "paused": "Paused: no daily digest here until /digest settings resume.",
        "resumed": "Resumed: next post {next}.",
        "empty_on": "Days without new papers now get a one-line note.",
        "empty_off": "Days without new papers now post nothing.",
        "all": "all categories", "only": "categories: {names}",
        "note": "a one-line note", "silent": "nothing", "is_paused": " (PAUSED)",
        "never": "none yet", "paused_next": "paused",
    },
    "ko": {
        "not_admin": "이 채널의 일일 다이제스트 설정은 관리자만 바꿀 수 있습니다 ({who}). "
                     "관리자에게 요청하세요.",
        "who_slack": "Slack 워크스페이스 관리자/소유자 또는 DIGEST_ADMINS 사용자",
        "who_discord": "서버 관리 권한이 있는 멤버 또는 DIGEST_ADMINS 사용자",
        "who_other": "DIGEST_ADMINS 사용자",
        "subscribed": "구독 완료: 이 채널에 매일 {time} ({tz}) {lang} 다이제스트를 보냅니다, {cats}. "
                      "각 게시물은 전날의 논문을 다룹니다.\n다음 게시: {next}",
        "unsubscribed": "구독 취소: 이 채널에 더 이상 일일 다이제스트를 보내지 않습니다.",
        "not_subscribed": "이 채널은 일일 다이제스트를 구독하지 않았습니다. "
                          "/digest subscribe 09:00 Asia/Seoul [ko|en] [카테고리...] 로 구독하세요.",
        "settings": "이 채널의 일일 다이제스트: {time} ({tz}), 언어 {lang}, {cats}; "
                    "논문이 없는 날: {empty}{paused}\n마지막 게시: {last}\n다음 게시: {next}",
        "settings_usage": "사용법: /digest settings [pause | resume | empty on|off]",
        "paused": "일시 중지: /digest settings resume 전까지 게시하지 않습니다.",
        "resumed": "다시 시작: 다음 게시 {next}",
        "empty_on": "논문이 없는 날에는 한 줄 안내를 게시합니다.",
        "empty_off": "논문이 없는 날에는 아무것도 게시하지 않습니다.",
        "all": "전체 카테고리", "only": "카테고리: {names}",
        "note": "한 줄 안내", "silent": "게시 안 함", "is_paused": " (일시 중지됨)",
        "never": "아직 없음", "paused_next": "일시 중지됨",
    },
}
_LANG_NAMES = {"en": "English", "ko": "Korean"}


def _t(language: str | None, key: str, **kw) -> str:
    table = _TEXT.get((language or "en")[:2], _TEXT["en"])
    return table[key].format(**kw)


def is_listed_admin(user: str, settings) -> bool:
    """Whether ``user`` (a platform user id) is in DIGEST_ADMINS."""
    return bool(user) and str(user) in settings.admin_ids


def _next_text(subs: Subscriptions, sub: Subscription, now: datetime, complete_before, lang) -> str:
    nxt = subs.next_post(sub, now, complete_before)
    if nxt is None:
        return _t(lang, "paused_next")
    at = "now" if nxt.at <= now else fmt_local(nxt.at, sub.tz)
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
    try:
        if query.kind == "subscribe":
            from digest.query.subscribe import subscribe_request

            req = subscribe_request(query)
            sub = subs.subscribe(platform, channel, req.time, req.timezone, req.language,
                                 req.categories, created_by=str(user), only=req.only, exclude=req.exclude)
            return _t(lang, "subscribed", time=sub.post_time, tz=sub.timezone,
                      lang=_LANG_NAMES.get(sub.language, sub.language) if lang == "en" else sub.language,
                      cats=_cats(lang, sub), next=_next_text(subs, sub, now, complete_before, lang)) \
                + _filter_line(lang, sub)
        if query.kind == "unsubscribe":
            return _t(lang, "unsubscribed" if subs.unsubscribe(platform, channel) else "not_subscribed")
        sub = subs.get(platform, channel)
        if sub is None:
            return _t(lang, "not_subscribed")
        words = [a.casefold() for a in query.args]
        if not words:
            last = subs.last_post(sub)
            return _t(lang, "settings", time=sub.post_time, tz=sub.timezone, lang=sub.language,
                      cats=_cats(lang, sub), empty=_t(lang, "note" if sub.notify_empty else "silent"),
                      paused=_t(lang, "is_paused") if sub.paused else "",
                      last=describe_record(last) if last else _t(lang, "never"),
                      next=_next_text(subs, sub, now, complete_before, lang)) + _filter_line(lang, sub)
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
