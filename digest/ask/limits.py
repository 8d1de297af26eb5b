"""The per-user question rate limit (DIGEST_QA_PER_USER_PER_HOUR), counted in ``qa_requests``:
an LLM answer costs tokens, so one user cannot spend the team's daily budget alone."""

from __future__ import annotations

import math

from digest.text import t
from digest.models import Answer

HOUR = 3600.0


def rate_limited(store, settings, clock, user: str, lang: str) -> Answer | None:
    """The refusal when ``user`` asked DIGEST_QA_PER_USER_PER_HOUR questions in the last hour,
    else None and this question is counted (rows older than a day are dropped)."""
    limit = int(getattr(settings, "digest_qa_per_user_per_hour", 0) or 0)
    if limit <= 0:
        return None
    now = clock()
    with store.transaction() as db:
        rows = db.execute("select ts from qa_requests where user = ? and ts > ? order by ts",
                          [user, now - HOUR]).fetchall()
        if len(rows) >= limit:
            wait = rows[len(rows) - limit][0] + HOUR - now
            minutes = max(1, math.ceil(wait / 60))
            return Answer(t(lang, "ask_rate_limited", count=len(rows), limit=limit,
                                  minutes=minutes), grounded=False)
        db.execute("delete from qa_requests where ts < ?", [now - 24 * HOUR])
        db["qa_requests"].insert({"user": user, "ts": now})
    return None
