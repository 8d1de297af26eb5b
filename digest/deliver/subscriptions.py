"""Daily-post subscriptions per (platform, channel) and the schedule rules (engine side, no chat SDK).

The rules (docs/scheduling.md says the same for users):

* **Which day a post covers.** On local date ``L`` (in the subscription's time zone) a channel
  receives the digest of day ``L - 1``: the last complete day of announcements.
* **When.** At ``post_time`` on ``L``. The day must also be over where digests are made
  (``DIGEST_TIMEZONE``, UTC by default), so it is never frozen half-full: where the post time
  comes before that (Asia/Seoul before 09:00 with UTC), the post goes out as soon as the day ends.
* **Catch-up.** If the bot was down at post time, it posts once later the same local day. When
  that local day has passed, the post is skipped: old days never flood a channel.
* **New subscriptions** start with the first post time after they were made (no immediate post).
* **Exactly once.** A post is recorded per (platform, channel, day) in ``digest.deliver.ledger``
  (pending -> posted); a recorded ``posted`` day is never posted again, a ``pending``/``failed``
  one is reconciled by the adapter (its marker is searched before posting again).

``handle_subscription_command`` is the chat side shared by every adapter: ``/digest subscribe``,
``/digest unsubscribe`` and ``/digest settings``; the adapter only supplies ``is_admin``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from digest.errors import DigestError
from digest.models import Digest, DigestQuery
from digest.deliver.ledger import FAILED, PENDING, POSTED, PostLedger, PostRecord
from digest.store import Store

log = logging.getLogger(__name__)

NO_PAPERS = "no papers"  # ledger detail of a day that had nothing to post (nothing was sent)
INCOMPLETE_DETAILS = ("thread in progress",)  # Slack: top-level message out, thread not done
Clock = Callable[[], datetime]


class SubscriptionError(DigestError):
    """A bad post time, time zone, language, category or an unknown channel."""


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def parse_post_time(text: str) -> time:
    try:
        hh, mm = text.strip().split(":")
        return time(int(hh), int(mm))
    except (ValueError, AttributeError):
        raise SubscriptionError(f"{text!r} is not a time: use 24-hour HH:MM, e.g. 09:00") from None


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, IsADirectoryError):
        raise SubscriptionError(f"unknown time zone {name!r}: use an IANA name such as "
                                "Asia/Seoul, Europe/London or UTC") from None


def covered_day(local_date: date) -> date:
    """The digest day posted on ``local_date``: the day before (the last complete day)."""
    return local_date - timedelta(days=1)


def is_complete(record: PostRecord | None) -> bool:
    """Whether a ledger record means "done for that day".

    ``posted`` is done, except where the adapter says the thread is not finished yet (Slack
    records ``posted`` as soon as the top-level message is out, with detail "thread in progress",
    and "failed: ..." when thread replies failed): those are resumed, never posted again.
    """
    if record is None or record.state != POSTED:
        return False
    return not (record.detail in INCOMPLETE_DETAILS or record.detail.startswith("failed"))


@dataclass(frozen=True)
class Subscription:
    platform: str
    channel: str
    post_time: str  # "HH:MM", 24-hour
    timezone: str  # IANA name
    language: str
    categories: tuple[str, ...] = ()  # empty: every category
    paused: bool = False
    notify_empty: bool = False  # post a one-line note on days without papers
    created_by: str = ""
    created_at: float = 0.0  # POSIX seconds; posts start with the first slot after this

    @property
    def tz(self) -> ZoneInfo:
        return zone(self.timezone)

    def local_date(self, now: datetime) -> date:
        return now.astimezone(self.tz).date()

    def slot(self, local_date: date) -> datetime:
        """The UTC instant of the post on ``local_date``.

        In a DST gap (02:30 on a spring-forward night) this is the wall time read with the old
        offset, i.e. one hour later on the clock (03:30); in a repeated hour, the first one.
        """
        wall = datetime.combine(local_date, parse_post_time(self.post_time), tzinfo=self.tz)
        return wall.astimezone(timezone.utc)

    def describe(self) -> str:
        cats = ", ".join(self.categories) if self.categories else "all categories"
        state = " (paused)" if self.paused else ""
        return f"{self.post_time} {self.timezone}, {self.language}, {cats}{state}"


@dataclass(frozen=True)
class Due:
    """A subscription whose post for ``day`` should go out now."""

    subscription: Subscription
    day: date
    slot: datetime  # UTC
    record: PostRecord | None  # pending/failed: the adapter reconciles before posting again

    @property
    def key(self) -> tuple[str, str, date]:
        return self.subscription.platform, self.subscription.channel, self.day


@dataclass(frozen=True)
class Next:
    """When a channel's next post goes out (UTC), and which day it covers."""

    at: datetime
    day: date
    waiting_for_day: bool = False  # the slot has passed but the day is not over yet


def _row(s: Subscription) -> dict:
    return {"platform": s.platform, "channel": s.channel, "post_time": s.post_time,
            "timezone": s.timezone, "language": s.language,
            "categories": ",".join(s.categories), "paused": int(s.paused),
            "notify_empty": int(s.notify_empty), "created_by": s.created_by,
            "created_at": s.created_at}


def _from_row(r: dict) -> Subscription:
    return Subscription(platform=r["platform"], channel=r["channel"], post_time=r["post_time"],
                        timezone=r["timezone"], language=r["language"],
                        categories=tuple(c for c in (r["categories"] or "").split(",") if c),
                        paused=bool(r["paused"]), notify_empty=bool(r["notify_empty"]),
                        created_by=r["created_by"] or "", created_at=float(r["created_at"] or 0))


class Subscriptions:
    """CRUD over the ``subscriptions`` table plus the schedule: ``due``, ``next_post``, ``last_post``."""

    def __init__(self, store: Store, clock: Clock | None = None, taxonomy=None,
                 default_language: str = "ko"):
        self.store = store
        self.clock = clock or utc_now
        self.taxonomy = taxonomy
        self.default_language = default_language
        self.ledger = PostLedger(store)

    # --- CRUD -----------------------------------------------------------------------------
    def _canonical_categories(self, categories) -> tuple[str, ...]:
        names: list[str] = []
        for raw in categories or ():
            raw = raw.strip()
            if not raw:
                continue
            name = raw
            if self.taxonomy is not None:
                cat = self.taxonomy.get(raw)
                if cat is None:
                    hint = self.taxonomy.suggest(raw)
                    raise SubscriptionError(f"unknown category {raw!r}"
                                            + (f": did you mean {hint!r}?" if hint else ""))
                name = cat.name
            if name not in names:
                names.append(name)
        return tuple(names)

    def subscribe(self, platform: str, channel: str, post_time: str, timezone_name: str,
                  language: str | None = None, categories=(), *, notify_empty: bool | None = None,
                  created_by: str = "") -> Subscription:
        """Create or update the channel's subscription (an update keeps ``created_at`` and
        resumes a paused one). Validates every field; raises ``SubscriptionError``."""
        if not platform or not str(channel).strip():
            raise SubscriptionError("a subscription needs a platform and a channel")
        t = parse_post_time(post_time)
        zone(timezone_name)
        language = (language or self.default_language).strip()
        if not language or len(language) > 20 or not language.replace("-", "").isalnum():
            raise SubscriptionError(f"{language!r} is not a language code (e.g. ko, en, ja)")
        cats = self._canonical_categories(categories)
        old = self.get(platform, channel)
        sub = Subscription(
            platform=platform, channel=str(channel), post_time=f"{t.hour:02d}:{t.minute:02d}",
            timezone=timezone_name, language=language, categories=cats, paused=False,
            notify_empty=(old.notify_empty if old else False) if notify_empty is None else notify_empty,
            created_by=old.created_by if old and old.created_by else created_by,
            created_at=old.created_at if old else self.clock().timestamp())
        with self.store.transaction() as db:
            db["subscriptions"].upsert(_row(sub), pk=("platform", "channel"))
        log.info("event=subscribed platform=%s channel=%s time=%s tz=%s language=%s categories=%s by=%s",
                 platform, channel, sub.post_time, sub.timezone, sub.language,
                 ",".join(cats) or "all", created_by or "-")
        return sub

    def unsubscribe(self, platform: str, channel: str) -> bool:
        with self.store.transaction() as db:
            cur = db.execute("delete from subscriptions where platform = ? and channel = ?",
                             [platform, str(channel)])
        if cur.rowcount:
            log.info("event=unsubscribed platform=%s channel=%s", platform, channel)
        return bool(cur.rowcount)

    def update(self, platform: str, channel: str, **changes) -> Subscription:
        """Change ``paused`` / ``notify_empty`` / ``language`` / ``categories`` of a subscription."""
        old = self.get(platform, channel)
        if old is None:
            raise SubscriptionError(f"{platform} channel {channel} has no subscription")
        if "categories" in changes:
            changes["categories"] = self._canonical_categories(changes["categories"])
        new = replace(old, **changes)
        with self.store.transaction() as db:
            db["subscriptions"].upsert(_row(new), pk=("platform", "channel"))
        log.info("event=subscription_changed platform=%s channel=%s %s", platform, channel,
                 " ".join(f"{k}={v}" for k, v in changes.items()))
        return new

    def pause(self, platform: str, channel: str) -> Subscription:
        return self.update(platform, channel, paused=True)

    def resume(self, platform: str, channel: str) -> Subscription:
        return self.update(platform, channel, paused=False)

    def get(self, platform: str, channel: str) -> Subscription | None:
        with self.store.lock:
            rows = self.store.db.execute_returning_dicts(
                "select * from subscriptions where platform = ? and channel = ?",
                [platform, str(channel)])
        return _from_row(rows[0]) if rows else None

    def all(self, platform: str | None = None) -> list[Subscription]:
        sql = "select * from subscriptions" + (" where platform = ?" if platform else "")
        with self.store.lock:
            rows = self.store.db.execute_returning_dicts(
                sql + " order by platform, channel", [platform] if platform else [])
        return [_from_row(r) for r in rows]

    # --- schedule -------------------------------------------------------------------------
    def due(self, now: datetime | None = None, complete_before: date | None = None,
            platforms=None) -> list[Due]:
        """Subscriptions to post now: the slot of their local today has come (and not before
        they subscribed), its day is complete (``day < complete_before``, the digest calendar's
        today) and the ledger has no ``posted`` record for it. Paused ones never are."""
        now = (now or self.clock()).astimezone(timezone.utc)
        records = self._records_for_recent(now)
        out = []
        for sub in self.all():
            if sub.paused or (platforms is not None and sub.platform not in platforms):
                continue
            try:
                local = sub.local_date(now)
                slot = sub.slot(local)
            except SubscriptionError:
                log.warning("event=bad_subscription platform=%s channel=%s tz=%s time=%s",
                            sub.platform, sub.channel, sub.timezone, sub.post_time)
                continue
            if now < slot or slot.timestamp() < sub.created_at:
                continue
            day = covered_day(local)
            if complete_before is not None and day >= complete_before:
                continue
            record = records.get((sub.platform, sub.channel, day.isoformat()))
            if is_complete(record):
                continue
            out.append(Due(sub, day, slot, record))
        out.sort(key=lambda d: (d.slot, d.subscription.platform, d.subscription.channel))
        return out

    def _records_for_recent(self, now: datetime) -> dict[tuple[str, str, str], PostRecord]:
        since = (now.date() - timedelta(days=3)).isoformat()  # any zone's "yesterday" is in here
        with self.store.lock:
            rows = self.store.db.execute_returning_dicts(
                "select * from posts where day >= ?", [since])
        return {(r["platform"], r["channel"], r["day"]): PostRecord(
            r["platform"], r["channel"], date.fromisoformat(r["day"]), r["language"], r["state"],
            r["message_id"] or "", r["thread_id"] or "", r["detail"] or "") for r in rows}

    def next_post(self, sub: Subscription, now: datetime | None = None,
                  complete_before: date | None = None) -> Next | None:
        """When the channel's next post goes out; None while paused."""
        if sub.paused:
            return None
        now = (now or self.clock()).astimezone(timezone.utc)
        local = sub.local_date(now)
        for offset in (0, 1):
            day_local = local + timedelta(days=offset)
            slot = sub.slot(day_local)
            day = covered_day(day_local)
            if slot.timestamp() < sub.created_at:
                continue
            if is_complete(self.ledger.get(sub.platform, sub.channel, day)):
                continue
            if offset == 0 and slot <= now:  # due now (catching up, or waiting for the day)
                waiting = complete_before is not None and day >= complete_before
                return Next(now, day, waiting)
            return Next(slot, day)
        return Next(sub.slot(local + timedelta(days=2)), covered_day(local + timedelta(days=2)))

    def last_post(self, sub: Subscription) -> PostRecord | None:
        with self.store.lock:
            rows = self.store.db.execute_returning_dicts(
                "select * from posts where platform = ? and channel = ? order by day desc limit 1",
                [sub.platform, sub.channel])
        if not rows:
            return None
        r = rows[0]
        return PostRecord(r["platform"], r["channel"], date.fromisoformat(r["day"]), r["language"],
                          r["state"], r["message_id"] or "", r["thread_id"] or "", r["detail"] or "")


# --- digests per subscription --------------------------------------------------------------
def filter_digest(digest: Digest, categories) -> Digest:
    """Only the sections of ``categories`` (all when empty); counts and chart stay the day's."""
    if not categories:
        return digest
    wanted = set(categories)
    return replace(digest, summaries=tuple(s for s in digest.summaries if s.category in wanted))


_EMPTY_NOTE = {
    "en": "No new AI papers for {day}: nothing to post today.",
    "ko": "{day}에는 새 AI 논문이 없어 오늘은 다이제스트가 없습니다.",
}


def empty_note(day: date, language: str, categories=()) -> str:
    """The one-line note posted on a day without papers (when the channel asked for it)."""
    text = _EMPTY_NOTE.get(language, _EMPTY_NOTE["en"]).format(day=day.isoformat())
    if categories:
        text = text.replace("AI papers", "papers in " + ", ".join(categories)) if language != "ko" \
            else text.replace("새 AI 논문", "새 논문(" + ", ".join(categories) + ")")
    return text


# --- status --------------------------------------------------------------------------------
def _fmt_local(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")


def _describe_record(r: PostRecord | None) -> str:
    if r is None:
        return "never"
    day = r.day.isoformat()
    if r.state == POSTED:
        if r.detail == NO_PAPERS:
            return f"{day}: no papers, nothing posted"
        if r.detail == "note":
            return f"{day}: no papers, note posted (message {r.message_id})"
        if not is_complete(r):
            return f"{day} posted (message {r.message_id}) but the thread is unfinished: {r.detail}"
        return f"{day} posted (message {r.message_id})"
    if r.state == PENDING:
        return f"{day} pending (interrupted; reconciled on the next tick)"
    if r.state == FAILED:
        return f"{day} FAILED: {r.detail}"
    return f"{day} {r.state}"


def status_lines(subs: Subscriptions, now: datetime | None = None,
                 complete_before: date | None = None) -> list[str]:
    """One line per subscription: schedule, last post, next post (local time of the channel)."""
    now = (now or subs.clock()).astimezone(timezone.utc)
    lines = []
    for sub in subs.all():
        last = _describe_record(subs.last_post(sub))
        nxt = subs.next_post(sub, now, complete_before)
        if nxt is None:
            when = "paused"
        elif nxt.at <= now:
            when = (f"waiting for {nxt.day.isoformat()} to end" if nxt.waiting_for_day
                    else f"now (catching up {nxt.day.isoformat()})")
        else:
            when = f"{_fmt_local(nxt.at, sub.tz)} ({nxt.day.isoformat()})"
        lines.append(f"{sub.platform}:{sub.channel}  {sub.describe()}\n"
                     f"    last: {last}\n    next: {when}")
    return lines


# --- chat commands -------------------------------------------------------------------------
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
    at = "now" if nxt.at <= now else _fmt_local(nxt.at, sub.tz)
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
                                 req.categories, created_by=str(user))
            return _t(lang, "subscribed", time=sub.post_time, tz=sub.timezone,
                      lang=_LANG_NAMES.get(sub.language, sub.language) if lang == "en" else sub.language,
                      cats=_cats(lang, sub), next=_next_text(subs, sub, now, complete_before, lang))
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
                      last=_describe_record(last) if last else _t(lang, "never"),
                      next=_next_text(subs, sub, now, complete_before, lang))
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


# --- command line (``digest subscriptions ...``, ``digest status``) ----------------------------
def _cli_parts(args):
    from digest.config import load_settings
    from digest.store import Store
    from digest.classify.taxonomy import load_taxonomy

    settings = load_settings()
    store = Store(settings.digest_db)
    subs = Subscriptions(store, taxonomy=load_taxonomy(settings.digest_taxonomy),
                         default_language=settings.digest_language)
    return settings, store, subs


def _digest_today(settings, now: datetime) -> date:
    try:
        return now.astimezone(ZoneInfo(settings.digest_timezone)).date()
    except (ZoneInfoNotFoundError, ValueError):
        return now.date()


def cli_subscriptions(args, echo: Callable[[str], None]) -> int:
    """``digest subscriptions list|add|remove|pause|resume``; returns the exit status."""
    settings, store, subs = _cli_parts(args)
    action = args.action
    if action == "list":
        rows = subs.all(getattr(args, "platform", None))
        if not rows:
            echo("No subscriptions. Add one: digest subscriptions add slack C0123456789 09:00 Asia/Seoul")
        for sub in rows:
            echo(f"{sub.platform}:{sub.channel}  {sub.describe()}"
                 + ("  notify-empty" if sub.notify_empty else ""))
        return 0
    if args.platform not in ("slack", "discord"):
        raise SubscriptionError(f"platform must be slack or discord, not {args.platform!r}")
    if action == "add":
        from digest.query.subscribe import canonical_zone  # the same time-zone spelling rules as /digest subscribe

        tz_name = canonical_zone(args.timezone) or args.timezone
        sub = subs.subscribe(args.platform, args.channel, args.time, tz_name, args.language,
                             args.category or (), notify_empty=True if args.notify_empty else None,
                             created_by="cli")
        nxt = subs.next_post(sub, complete_before=_digest_today(settings, subs.clock()))
        echo(f"subscribed {sub.platform}:{sub.channel}  {sub.describe()}")
        if nxt is not None:
            echo(f"next post: {_fmt_local(nxt.at, sub.tz)} (papers of {nxt.day.isoformat()})")
        return 0
    if action == "remove":
        if not subs.unsubscribe(args.platform, args.channel):
            raise SubscriptionError(f"{args.platform}:{args.channel} has no subscription")
        echo(f"unsubscribed {args.platform}:{args.channel}")
        return 0
    if action in ("pause", "resume"):
        sub = subs.pause(args.platform, args.channel) if action == "pause" else \
            subs.resume(args.platform, args.channel)
        echo(f"{action}d {sub.platform}:{sub.channel}  {sub.describe()}")
        return 0
    raise SubscriptionError(f"unknown action {action!r}")


def cli_status(args, echo: Callable[[str], None]) -> int:
    """``digest status``: subscriptions with their last and next post, and today's LLM budget."""
    settings, store, subs = _cli_parts(args)
    now = subs.clock()
    lines = status_lines(subs, now, complete_before=_digest_today(settings, now))
    echo(f"Subscriptions ({len(lines)}):" if lines else
         "No subscriptions (digest subscriptions add ..., or /digest subscribe in a channel).")
    for line in lines:
        echo("  " + line.replace("\n", "\n  "))
    today = now.astimezone(timezone.utc).date().isoformat()
    with store.lock:
        calls = ("sum(case when coalesce(cached, 0) = 0 then 1 else 0 end)"
                 if "cached" in store.db["llm_usage"].columns_dict else "count(*)")
        row = store.db.execute(
            f"select coalesce({calls}, 0), coalesce(sum(prompt_tokens), 0), "
            "coalesce(sum(completion_tokens), 0) from llm_usage where day = ?", [today]).fetchone()
    used = int(row[1]) + int(row[2])
    budget = settings.digest_daily_token_budget
    share = f" ({used / budget:.0%})" if budget else ""
    echo(f"LLM today (UTC {today}): {int(row[0])} calls, {used:,} of {budget:,} tokens{share}"
         + ("" if settings.llm_enabled else "; no OPENAI_API_KEY: offline summaries"))
    return 0
