"""A year of arXiv on one machine: thread questions over a big archive, and start-up times.

    .venv/bin/python bench/bench_archive.py [--days 90] [--papers 1000] [--questions 150]
    .venv/bin/python bench/bench_archive.py --days 365 --keep /tmp/year.db   # the full year (~4 min fill)

Fills a database with ``--days`` days of ``--papers`` papers each, every day built through the
product's own ``DigestService.build`` (offline: keyword classifier, extractive summaries, chart)
from a Hugging Face daily-papers file made of the real abstracts in ../shared/data with new ids
and varied titles. A second database holds one such day. The same thread questions (the labelled
questions of bench/eval_qa.py) are then asked through ``QAService.answer`` — the whole offline
answer path — about one day of each database (day-scoped), and with "In earlier digests, ..."
about the whole archive; p50/p99 of both and their ratio are printed. Then the wall time of
``digest show`` and of the console to its first prompt, in fresh interpreters.

``--keep PATH`` keeps the filled database (and reuses it when it already holds the days asked
for), so the question timings can be repeated without filling again.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from common import hf_json, machine, real_papers  # noqa: E402

FIRST_DAY = date(2025, 1, 1)
LABELS = ROOT / "bench" / "labels" / "qa_questions.jsonl"
PREFIXES = ("", "Towards ", "Revisiting ", "On ", "Rethinking ", "Scaling ", "Learning ", "Beyond ",
            "Efficient ", "Robust ", "Understanding ", "Improving ", "A Study of ")
SUFFIXES = ("", " at Scale", ": A Closer Look", " Revisited", " in the Wild", " with Less Data",
            " for Everyone", ": Lessons Learned", " without Labels", " via Self-Play", "")


def day_papers(i: int, n: int, real: list[dict]) -> list[dict]:
    """Day ``i``: ``n`` real abstracts (rotating through the pool), new ids, varied titles."""
    out = []
    for j in range(n):
        p = real[(i * 7919 + j) % len(real)]
        k = i * n + j
        title = f"{PREFIXES[k % len(PREFIXES)]}{p['title']}{SUFFIXES[(k // 13) % len(SUFFIXES)]}"
        out.append({**p, "id": f"{3000 + k // 100_000:04d}.{k % 100_000:05d}", "title": title})
    return out


def fill(db: Path, days: int, papers: int, real: list[dict], log=print) -> float:
    """Build ``days`` days into ``db`` through DigestService.build; returns the seconds it took."""
    from digest.config import load_settings
    from digest.service import DigestService

    last = FIRST_DAY + timedelta(days=days - 1)
    clock = lambda: datetime.combine(last + timedelta(days=1), datetime.min.time(),  # noqa: E731
                                     tzinfo=timezone.utc)
    service = DigestService(load_settings(digest_db=db, digest_language="en", openai_api_key=None,
                                          digest_keep_days=0), clock=clock)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "day.json"
        for i in range(days):
            source.write_bytes(hf_json(day_papers(i, papers, real)))
            service.build(FIRST_DAY + timedelta(days=i), sources=[str(source)])
            if (i + 1) % 30 == 0:
                log(f"  filled {i + 1}/{days} days ({time.perf_counter() - started:.0f} s)")
    service.store.close()
    return time.perf_counter() - started


def stored_days(db: Path) -> int:
    import sqlite3

    try:
        with sqlite3.connect(db) as conn:
            return conn.execute("select count(distinct day) from day_papers").fetchone()[0]
    except sqlite3.Error:
        return 0


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def time_questions(db: Path, day: date, questions: list[str], archive: bool) -> list[float]:
    """Milliseconds per question through QAService.answer (offline: the search-result answer)."""
    from digest.config import load_settings
    from digest.ask.service import QAService
    from digest.store import Store
    from digest.classify.taxonomy import load_taxonomy

    settings = load_settings(digest_db=db, digest_language="en", openai_api_key=None,
                             digest_qa_per_user_per_hour=0)
    store = Store(db)
    qa = QAService(store, load_taxonomy(None), settings, llm=None)
    qa.answer(questions[0], day=day)  # warm the page cache and the statement cache once
    out = []
    for q in questions:
        text = f"In earlier digests, {q[0].lower()}{q[1:]}" if archive else q
        t = time.perf_counter()
        qa.answer(text, day=day)
        out.append(1000 * (time.perf_counter() - t))
    store.close()
    return out


def startup(args: list[str], env: dict, stdin: str | None = None, runs: int = 5) -> float:
    """Best-of-``runs`` wall seconds of a fresh ``python -m ...`` process."""
    best = float("inf")
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([sys.executable, *args], input=stdin, capture_output=True, text=True,
                       env=env, cwd=ROOT, check=True)
        best = min(best, time.perf_counter() - t)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=90, help="days in the big archive (365: a year)")
    parser.add_argument("--papers", type=int, default=1000, help="papers per day")
    parser.add_argument("--questions", type=int, default=150, help="questions timed per setting")
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the big database at this path")
    args = parser.parse_args(argv)
    real = real_papers()
    print(f"machine: {machine()}; {date.today().isoformat()}")
    labels = [json.loads(line)["question"] for line in LABELS.read_text("utf-8").splitlines() if line]
    questions = (labels * (args.questions // len(labels) + 1))[: args.questions]

    with tempfile.TemporaryDirectory() as tmp:
        one = Path(tmp) / "one.db"
        big = args.keep or Path(tmp) / "big.db"
        fill(one, 1, args.papers, real)
        if stored_days(big) != args.days:
            if big.exists():
                big.unlink()
            print(f"filling {args.days} days x {args.papers} papers through DigestService.build ...")
            secs = fill(big, args.days, args.papers, real)
            print(f"filled in {secs:.0f} s ({secs / args.days:.2f} s per day); "
                  f"database {big.stat().st_size / 1e6:.0f} MB")
        else:
            print(f"reusing {big} ({args.days} days, {big.stat().st_size / 1e6:.0f} MB)")
        last = FIRST_DAY + timedelta(days=args.days - 1)
        middle = FIRST_DAY + timedelta(days=args.days // 2)
        rows = []
        one_day = time_questions(one, FIRST_DAY, questions, archive=False)
        for label, db, day, archive in (
                ("one day stored, day-scoped", one, FIRST_DAY, False),
                (f"{args.days} days stored, day-scoped (latest day)", big, last, False),
                (f"{args.days} days stored, day-scoped (a middle day)", big, middle, False),
                (f"{args.days} days stored, \"earlier ...\" (whole archive)", big, last, True)):
            ms = one_day if db is one and not archive else time_questions(db, day, questions, archive)
            rows.append((label, statistics.median(ms), pct(ms, 0.99), max(ms)))
        base50, base99 = rows[0][1], rows[0][2]
        print(f"\n{len(questions)} questions each, QAService.answer offline, ms:")
        print(f"{'setting':<55}{'p50':>8}{'p99':>8}{'max':>8}{'p99 / one day':>15}")
        for label, p50, p99, mx in rows:
            print(f"{label:<55}{p50:>8.1f}{p99:>8.1f}{mx:>8.1f}{p99 / base99:>14.1f}x")
        print(f"(one-day p50 {base50:.1f} ms)")

        env = {**os.environ, "DIGEST_DB": str(big), "DIGEST_LANGUAGE": "en", "OPENAI_API_KEY": "",
               "PYTHONDONTWRITEBYTECODE": "1"}
        show = startup(["-m", "digest.cli", "show", last.isoformat()], env)
        ask = startup(["-m", "digest.cli", "ask", "--date", last.isoformat(), questions[0]], env)
        console = startup(["-m", "bot", "console"], env, stdin="")
        bare = startup(["-c", "pass"], env)
        print(f"\nstart-up, best of 5 (a bare interpreter: {bare:.2f} s):")
        print(f"  digest show {last.isoformat()}: {show:.2f} s")
        print(f"  digest ask: {ask:.2f} s")
        print(f"  console to its first prompt (empty input, so it leaves at once): {console:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
