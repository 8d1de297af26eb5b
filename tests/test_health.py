"""``/healthz`` tells the truth: a running bot (a real subprocess, Slack against the fake Web API)
answers 200 with every part, and 503 naming the part when its database turns read-only or
another process takes its scheduler lease."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager

import pytest

from test_lifecycle import ROOT, assert_clean, bot_env, fake_slack, free_port, healthz, terminate, until


@contextmanager
def running_bot(tmp_path, db_dir):
    api = fake_slack.FakeSlack().start()
    port = free_port()
    env = bot_env(tmp_path, SLACK_BOT_TOKEN=fake_slack.BOT_TOKEN, SLACK_API_URL=api.api_url,
                  DIGEST_DB=str(db_dir / "bot.db"), DIGEST_HEALTH_PORT=str(port),
                  DIGEST_SCHEDULER_INTERVAL="0.5")
    proc = subprocess.Popen([sys.executable, "-m", "bot"], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        status, body = until(lambda: (lambda r: r if r[0] == 200 else None)(healthz(port)),
                             what="/healthz 200")
        assert set(body["parts"]) == {"database", "scheduler", "slack"}
        assert body["parts"]["scheduler"]["detail"].startswith("lease held")
        yield proc, port
    finally:
        if proc.poll() is None:
            seconds, err = terminate(proc)
            assert seconds < 10
            assert_clean(err)
        api.stop()


def test_503_when_another_process_took_the_scheduler_lease(tmp_path):
    with running_bot(tmp_path, tmp_path) as (proc, port):
        db = sqlite3.connect(tmp_path / "bot.db")
        db.execute("update leases set owner = 'other-host:1:x', expires_at = ? where name = 'scheduler'",
                   [time.time() + 600])
        db.commit()
        db.close()
        status, body = healthz(port)
        assert status == 503 and body["status"] == "failing"
        assert body["failing"] == ["scheduler: lease lost to other-host:1:x: this process stopped "
                                   "renewing it in time"]
        assert body["parts"]["database"]["ok"] and body["parts"]["slack"]["ok"]


@contextmanager
def read_only_later(folder):
    """``make_read_only()`` lays a read-only bind mount of ``folder`` over it (as a volume
    remounted read-only, or a disk gone read-only after errors, looks to a new open);
    ``restore()`` takes it away. Needs root: skipped where mounting is not permitted."""
    folder.mkdir()
    mounted = []

    def make_read_only() -> None:
        if subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True).returncode:
            pytest.skip("mount --bind is not permitted here (needs root): no read-only volume")
        mounted.append(folder)
        subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True, capture_output=True)

    def restore() -> None:
        while mounted:
            subprocess.run(["umount", str(mounted.pop())], check=True, capture_output=True)

    try:
        yield make_read_only, restore
    finally:
        for path in mounted:
            subprocess.run(["umount", "-l", str(path)], capture_output=True)


def test_503_when_the_database_turns_read_only(tmp_path):
    with read_only_later(tmp_path / "volume") as (make_read_only, restore):
        with running_bot(tmp_path, tmp_path / "volume") as (proc, port):
            make_read_only()
            try:
                status, body = healthz(port)
            finally:
                restore()
            assert status == 503
            assert body["failing"][0].startswith("database: not writable (")
            assert "readonly database" in body["failing"][0] or "unable to open" in body["failing"][0]
            status, body = healthz(port)  # writable again: healthy again
            assert status == 200 and body["parts"]["database"]["detail"] == "writable"
