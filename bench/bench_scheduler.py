"""Benchmark: one day of the scheduler for 500 subscribed channels (250 Slack, 250 Discord).

    .venv/bin/python bench/bench_scheduler.py [--channels 500] [--scale 1] [--latency 0.5]

Real clients and the adapters' real post functions against the fake Slack and Discord servers
(tests/slack, tests/discord) on 127.0.0.1; an OpenAI-compatible stub answering after
``--latency`` seconds; the real Hugging Face list of 2024-11-25 from ../shared/data (the test
fixture when that folder is absent). Half the channels read Korean, half English.

Printed: the build (once per language) with its LLM calls and tokens - and the same for a run
with 10 channels, to show that calls do not grow with channels - then the fan-out: wall time,
messages per platform, and the highest message rates the fake servers saw (overall in any 1 s
window, and per channel in any 1 s window), against the pacing (bot/core/pacing.py).

``--scale N`` multiplies every rate limit by N (a quicker run: the fan-out, bound by pacing,
takes about 1/N of the time). The figures in docs/benchmarks.md are for --scale 1.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

import discord  # noqa: E402
from slack_sdk.web.async_client import AsyncWebClient  # noqa: E402

from bot.core import pacing as P  # noqa: E402
from bot.discord.poster import DiscordPoster  # noqa: E402
from bot.slack.poster import SlackPoster  # noqa: E402
from bot.core.scheduler import Scheduler  # noqa: E402
from common import machine  # noqa: E402
from digest.config import load_settings  # noqa: E402
from digest.service import DigestService  # noqa: E402
from digest.deliver.subscriptions import Subscriptions  # noqa: E402
from openai_stub import TEST_KEY, OpenAIStub  # noqa: E402
from schedule_fixtures import HF_DAY, import_fakes  # noqa: E402

fake_slack, fake_discord = import_fakes()

DAY = date(2024, 11, 25)
NOW = datetime(2024, 11, 26, 12, 0, tzinfo=timezone.utc)  # every channel below is due
ZONES = (("Asia/Seoul", "09:00"), ("Europe/London", "09:00"), ("America/Los_Angeles", "03:30"),
         ("UTC", "11:59"))
REAL_DAY = ROOT.parent / "shared" / "data" / "hf_daily_papers" / "hf_daily_papers_2024-11-25.json"


class TimedDiscord(fake_discord.FakeDiscord):
    """The fake, with the time of every message it creates."""

    def __init__(self):
        super().__init__()
        self.created: list[tuple[float, str]] = []

    async def handle(self, request):
        response = await super().handle(request)
        if request.method == "POST" and request.path.endswith("/messages") and response.status == 200:
            self.created.append((time.monotonic(), request.path.split("/")[-2]))
        return response


def max_rate(stamps: list[float], window: float = 1.0) -> int:
    """The most events in any ``window`` seconds."""
    stamps, best, j = sorted(stamps), 0, 0
    for i, t in enumerate(stamps):
        while stamps[j] < t - window:
            j += 1
        best = max(best, i - j + 1)
    return best


def max_channel_rate(events: list[tuple[float, str]], window: float = 1.0) -> int:
    per = defaultdict(list)
    for t, channel in events:
        per[channel].append(t)
    return max((max_rate(v, window) for v in per.values()), default=0)


def span(stamps: list[float]) -> float:
    return max(stamps) - min(stamps) if stamps else 0.0


def scaled(limits: P.Limits, n: float) -> P.Limits:
    return P.Limits(limits.per_channel * n, limits.channel_burst, limits.overall * n, limits.overall_burst)


async def run(folder: Path, spec: str, channels: int, scale: float, stub: OpenAIStub, sfake, dfake) -> dict:
    settings = load_settings(_env_file=None, digest_db=folder / "digest.db", digest_sources=spec,
                             digest_language="en", openai_api_key=TEST_KEY,
                             openai_base_url=stub.base_url, digest_llm_timeout=30,
                             digest_daily_token_budget=10_000_000)
    service = DigestService(settings, clock=lambda: NOW)
    subs = Subscriptions(service.store, clock=lambda: datetime(2024, 11, 1, tzinfo=timezone.utc))
    for i in range(channels):
        platform = "slack" if i % 2 == 0 else "discord"
        if platform == "slack":
            channel = f"C{folder.name}{i:04d}"
        else:
            channel = dfake.next_id()
            dfake.channels[channel] = dfake._text_channel(channel)
        zone, post_time = ZONES[(i // 2) % len(ZONES)]
        subs.subscribe(platform, channel, post_time, zone, "ko" if (i // 2) % 2 else "en")
    slack = AsyncWebClient(token=fake_slack.BOT_TOKEN, base_url=sfake.api_url)
    slack_pacer = P.pace_slack(slack, scaled(P.SLACK_LIMITS, scale))
    client = discord.Client(intents=discord.Intents.none())
    await client.login(fake_discord.TOKEN)
    discord_pacer = P.pace_discord(client.http, scaled(P.DISCORD_LIMITS, scale))
    scheduler = Scheduler(service, [SlackPoster(slack, service), DiscordPoster(client, service)],
                          clock=lambda: NOW)
    calls0, tokens0 = scheduler._llm_usage()
    s0, d0 = len(sfake.calls), len(dfake.created)
    started = time.monotonic()
    report = await scheduler.tick()
    wall = time.monotonic() - started
    await client.close()
    calls1, tokens1 = scheduler._llm_usage()
    build_s = sum(1 for _ in report.builds)
    slack_msgs = [c for c in sfake.calls[s0:] if c.method in ("chat.postMessage", "files.completeUploadExternal")]
    return {
        "channels": channels, "wall": wall, "builds": report.builds, "build_count": build_s,
        "posted": len(report.by_state("posted")), "failed": len(report.by_state("failed")),
        "llm_calls": calls1 - calls0, "llm_tokens": tokens1 - tokens0, "stub_calls": stub.calls,
        "slack_messages": len(slack_msgs),
        "slack_max_overall": max_rate([c.at for c in slack_msgs]),
        "slack_max_channel": max_channel_rate([(c.at, c.body.get("channel") or c.body.get("channel_id"))
                                               for c in slack_msgs]),
        "discord_messages": len(dfake.created) - d0,
        "discord_requests": discord_pacer.sent,
        "discord_max_overall": max_rate([t for t, _ in dfake.created[d0:]]),
        "discord_max_channel": max_channel_rate(dfake.created[d0:]),
        "slack_span": span([c.at for c in slack_msgs]), "discord_span": span([t for t, _ in dfake.created[d0:]]),
        "discord_max_channel_5s": max_channel_rate(dfake.created[d0:], 5.0 / scale),
        "slack_max_channel_3s": max_channel_rate([(c.at, c.body.get("channel") or c.body.get("channel_id"))
                                                  for c in slack_msgs], 3.0 / scale),
    }


async def main_async(args) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench_scheduler_"))
    source = REAL_DAY if REAL_DAY.exists() else HF_DAY
    (tmp / "sources").mkdir()
    shutil.copyfile(source, tmp / "sources" / f"hf_{DAY.isoformat()}.json")
    spec = f"hf:{tmp / 'sources'}/hf_{{date}}.json"
    sfake = fake_slack.FakeSlack().start()
    dfake = TimedDiscord()
    stop_discord = dfake.serve_in_thread()
    discord.http.Route.BASE = dfake.base
    print(f"machine: {machine()}")
    print(f"day {DAY} from {source.name}; LLM stub latency {args.latency}s; pacing x{args.scale:g}")
    try:
        with OpenAIStub(latency=args.latency) as stub:
            small = await run(tmp / "small", spec, 10, 1000.0, stub, sfake, dfake)
            stub.requests.clear()
            big = await run(tmp / "big", spec, args.channels, args.scale, stub, sfake, dfake)
    finally:
        stop_discord()
        sfake.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    for r in (small, big):
        print(f"\n{r['channels']} channels: posted {r['posted']}, failed {r['failed']}, "
              f"wall {r['wall']:.1f} s")
        print(f"  builds: {', '.join(f'{d} {lang} {how}' for d, lang, how in r['builds'])}")
        print(f"  LLM calls {r['llm_calls']} (stub saw {r['stub_calls']}), tokens {r['llm_tokens']:,}")
    b = big
    print(f"\nfan-out of {b['channels']} channels:")
    print(f"  Slack:   {b['slack_messages']} messages in {b['slack_span']:.1f} s; max {b['slack_max_overall']} "
          f"in any 1 s (pacing {P.SLACK_LIMITS.overall * args.scale:g}/s + burst "
          f"{P.SLACK_LIMITS.overall_burst:g}); max {b['slack_max_channel_3s']} per channel in any "
          f"{3 / args.scale:g} s (pacing: {P.SLACK_LIMITS.channel_burst})")
    print(f"  Discord: {b['discord_messages']} messages ({b['discord_requests']} requests) in "
          f"{b['discord_span']:.1f} s; max {b['discord_max_overall']} messages in any 1 s (pacing "
          f"{P.DISCORD_LIMITS.overall * args.scale:g} requests/s + burst {P.DISCORD_LIMITS.overall_burst:g}); "
          f"max {b['discord_max_channel_5s']} per channel in any {5 / args.scale:g} s (pacing: "
          f"{P.DISCORD_LIMITS.channel_burst})")
    same = "the same" if small["llm_calls"] == big["llm_calls"] else "DIFFERENT"
    print(f"\nLLM calls: {small['llm_calls']} for 10 channels, {big['llm_calls']} for "
          f"{big['channels']}: {same}")
    if small["llm_calls"] != big["llm_calls"] or big["failed"]:
        sys.exit(1)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--channels", type=int, default=500)
    p.add_argument("--scale", type=float, default=1.0, help="multiply every rate limit (quicker runs)")
    p.add_argument("--latency", type=float, default=0.5, help="LLM stub seconds per call")
    asyncio.run(main_async(p.parse_args()))


if __name__ == "__main__":
    main()
