"""The schema, as sqlite-utils ``Migrations``: each runs once, in the order declared.

Releases up to 0.1 tracked applied migrations in their own ``_migrations`` table (one row per
name); sqlite-utils tracks them in ``_sqlite_migrations``. ``bridge`` copies the old names into
the new table before anything is applied, so an existing database neither re-runs a migration
(which would fail on "table already exists") nor skips one. The old table is left in place, so an
older release opened on the same file still sees itself up to date.
"""

from __future__ import annotations

import datetime

from digest.store.sqlite import sqlite_utils

Migrations = sqlite_utils.Migrations

SET = "digest"
LEGACY_TABLE = "_migrations"
migrations = Migrations(SET)  # tracked in _sqlite_migrations, set "digest"


def names() -> list[str]:
    """Every migration, in the order they apply (all are pending on an empty database)."""
    return [m.name for m in migrations.pending(sqlite_utils.Database(memory=True))]


def legacy_applied(db: sqlite_utils.Database) -> set[str]:
    """Names recorded by releases up to 0.1 in their own tracking table."""
    table = db[LEGACY_TABLE]
    return {r["name"] for r in table.rows} if table.exists() else set()


def pending(db: sqlite_utils.Database) -> list[str]:
    """Names not yet applied by either tracking table (reads only)."""
    done = legacy_applied(db)
    return [m.name for m in migrations.pending(db) if m.name not in done]


def needs_bridge(db: sqlite_utils.Database) -> bool:
    done = {m.name for m in migrations.applied(db)}
    return bool(legacy_applied(db) - done)


def bridge(db: sqlite_utils.Database) -> list[str]:
    """Record in ``_sqlite_migrations`` every migration the old table says was applied (in the
    old order, keeping its time); returns the names copied. Call inside the write transaction."""
    migrations.ensure_migrations_table(db)
    done = {m.name for m in migrations.applied(db)}
    old = db[LEGACY_TABLE]
    if not old.exists():
        return []
    copied = []
    order = {name: i for i, name in enumerate(names())}
    for row in sorted(old.rows, key=lambda r: (order.get(r["name"], len(order)), r["applied_at"] or 0)):
        if row["name"] in done:
            continue
        at = datetime.datetime.fromtimestamp(row["applied_at"] or 0, datetime.timezone.utc)
        db[migrations.migrations_table].insert(
            {"migration_set": SET, "name": row["name"], "applied_at": str(at)})
        copied.append(row["name"])
    return copied


def apply(db: sqlite_utils.Database) -> list[str]:
    """Bridge the old tracking table, then apply what is pending; returns the names applied.
    Call inside the write transaction (``BEGIN IMMEDIATE``): each migration and its record
    land together (a savepoint each)."""
    bridge(db)
    todo = [m.name for m in migrations.pending(db)]
    migrations.apply(db)
    return todo


@migrations(name="001_papers_and_digests")
def _m001(db: sqlite_utils.Database) -> None:
    db["papers"].create({
        "arxiv_id": str, "title": str, "abstract": str, "authors": str, "url": str,
        "published": str, "categories": str, "source": str, "popularity": int, "updated_at": float,
    }, pk="arxiv_id")
    db["papers"].enable_fts(["title", "abstract"], create_triggers=True, tokenize="porter unicode61")
    db["day_papers"].create({
        "day": str, "arxiv_id": str, "source": str, "popularity": int,
        "category": str, "confidence": float, "method": str,
    }, pk=("day", "arxiv_id"))
    db["day_papers"].create_index(["day"])
    db["digests"].create({
        "day": str, "language": str, "counts": str, "notes": str, "chart_png": bytes,
        "created_at": float,
    }, pk=("day", "language"))
    db["summaries"].create({
        "day": str, "language": str, "category": str, "position": int, "emoji": str,
        "text": str, "model": str, "note": str, "paper_ids": str,
    }, pk=("day", "language", "category"))
    db["summaries"].enable_fts(["category", "text"], create_triggers=True, tokenize="unicode61")
    db["feed_state"].create({"url": str, "etag": str, "modified": str, "checked_at": float}, pk="url")


@migrations(name="002_llm_cache_and_usage")
def _m002(db: sqlite_utils.Database) -> None:
    db["llm_cache"].create({"key": str, "kind": str, "model": str, "response": str,
                            "created_at": float}, pk="key")
    db["llm_usage"].create({"id": int, "day": str, "ts": float, "kind": str, "model": str,
                            "prompt_tokens": int, "completion_tokens": int, "ok": int,
                            "error": str}, pk="id")
    db["llm_usage"].create_index(["day"])


@migrations(name="003_chat_state")
def _m003(db: sqlite_utils.Database) -> None:
    # thread -> digest link, so a question in a thread is answered from that day's papers
    db["threads"].create({"platform": str, "channel": str, "thread_id": str, "day": str,
                          "language": str, "created_at": float},
                         pk=("platform", "channel", "thread_id"))
    # platform events already handled (Slack event_id, Discord message id): answer once
    db["handled_events"].create({"platform": str, "event_id": str, "handled_at": float},
                                pk=("platform", "event_id"))
    db["qa_turns"].create({"id": int, "platform": str, "channel": str, "thread_id": str,
                           "user": str, "role": str, "text": str, "ts": float}, pk="id")
    db["qa_turns"].create_index(["platform", "channel", "thread_id"])
    db["qa_requests"].create({"id": int, "user": str, "ts": float}, pk="id")
    db["qa_requests"].create_index(["user", "ts"])


@migrations(name="004_subscriptions_and_posts")
def _m004(db: sqlite_utils.Database) -> None:
    db["subscriptions"].create({
        "platform": str, "channel": str, "post_time": str, "timezone": str, "language": str,
        "categories": str, "paused": int, "notify_empty": int, "created_by": str,
        "created_at": float,
    }, pk=("platform", "channel"))
    db["posts"].create({
        "platform": str, "channel": str, "day": str, "language": str, "state": str,
        "message_id": str, "thread_id": str, "detail": str, "updated_at": float,
    }, pk=("platform", "channel", "day"))


@migrations(name="005_feed_state_body")
def _m005(db: sqlite_utils.Database) -> None:
    db["feed_state"].add_column("body", bytes)


@migrations(name="006_llm_usage_cached")
def _m006(db: sqlite_utils.Database) -> None:
    db["llm_usage"].add_column("cached", int, not_null_default=0)


@migrations(name="007_day_builds")
def _m007(db: sqlite_utils.Database) -> None:
    # when a day was last built, and whether its day was still running then (sources not final)
    db["day_builds"].create({"day": str, "built_at": float, "provisional": int}, pk="day")


@migrations(name="008_leases")
def _m008(db: sqlite_utils.Database) -> None:
    db["leases"].create({"name": str, "owner": str, "expires_at": float}, pk="name")


@migrations(name="009_day_papers_by_paper_and_retention")
def _m009(db: sqlite_utils.Database) -> None:
    # "which digest was this paper in" (answers over the archive) without reading every day
    db["day_papers"].create_index(["arxiv_id"], if_not_exists=True)
    # when the papers of a day were pruned (DIGEST_KEEP_DAYS); its digest stays
    db["day_builds"].add_column("pruned_at", float)


@migrations(name="010_weekly_posts")
def _m010(db: sqlite_utils.Database) -> None:
    # weekly posts (digest.week.subscriptions): a channel may get the week as well as the day
    db["week_subscriptions"].create({
        "platform": str, "channel": str, "weekday": int, "post_time": str, "timezone": str,
        "language": str, "paused": int, "created_by": str, "created_at": float,
    }, pk=("platform", "channel"))
    # the ledger of weekly posts, shaped like ``posts``; ``day`` is the week's last day
    db["week_posts"].create({
        "platform": str, "channel": str, "day": str, "language": str, "state": str,
        "message_id": str, "thread_id": str, "detail": str, "updated_at": float,
    }, pk=("platform", "channel", "day"))


@migrations(name="011_follows")
def _m011(db: sqlite_utils.Database) -> None:
    # a person's follows (issue 16): (platform, user) -> normalised key, as typed
    db["follows"].create({"platform": str, "user": str, "key": str, "text": str,
                          "created_at": float}, pk=("platform", "user", "key"))
    # channels where a person used a follow command: where their follows ping them
    db["follow_channels"].create({"platform": str, "user": str, "channel": str, "seen_at": float},
                                 pk=("platform", "user", "channel"))
    db["follow_channels"].create_index(["platform", "channel"])
    # the ping ledger: one follow ping per (platform, channel, day), pending -> posted
    db["follow_pings"].create({"platform": str, "channel": str, "day": str, "state": str,
                               "message_id": str, "detail": str, "updated_at": float},
                              pk=("platform", "channel", "day"))


@migrations(name="012_subscription_filters")
def _m012(db: sqlite_utils.Database) -> None:
    # a channel's keyword filters (JSON lists; "" when none): digest.deliver.filters
    db["subscriptions"].add_column("only_words", str, not_null_default="")
    db["subscriptions"].add_column("exclude_words", str, not_null_default="")


@migrations(name="013_digest_seen_before")
def _m013(db: sqlite_utils.Database) -> None:
    # papers of a digest already in an earlier one: [[arxiv_id, title, url, first day], ...]
    db["digests"].add_column("seen_before", str, not_null_default="")
