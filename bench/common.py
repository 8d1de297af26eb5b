"""Real papers from ../shared/data for benchmarks and evaluations (skips when it is absent)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def require_shared() -> Path:
    if not SHARED.exists():
        print(f"skipped: {SHARED} is absent (benchmarks use the real data beside the project)")
        sys.exit(0)
    return SHARED


def real_papers() -> list[dict]:
    """Every real paper with an abstract: {'id','title','abstract','categories'} (deduplicated)."""
    data = require_shared()
    seen: dict[str, dict] = {}
    for path in sorted((data / "daily_lists").glob("dw-dengwei*.jsonl")):
        for line in path.read_text().splitlines():
            r = json.loads(line)
            seen.setdefault(r["id"], {"id": r["id"], "title": r["title"], "abstract": r["summary"],
                                      "categories": r.get("categories") or []})
    for line in (data / "daily_lists/arxiv_rss_cs.AI_2024-11-19.derived.jsonl").read_text().splitlines():
        r = json.loads(line)
        seen.setdefault(r["arxiv_id"], {"id": r["arxiv_id"], "title": r["title"], "abstract": r["abstract"],
                                        "categories": r.get("categories") or []})
    return [p for p in seen.values() if p["abstract"]]


def machine() -> str:
    import os
    import platform

    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def hf_json(papers: list[dict], upvotes: bool = True) -> bytes:
    """Papers in the Hugging Face daily-papers format, for feeding a build."""
    return json.dumps([{"paper": {"id": p["id"], "title": p["title"], "summary": p["abstract"],
                                  "authors": [{"name": "A. Author"}],
                                  "upvotes": (len(p["title"]) * 7919) % 50 if upvotes else 0}}
                       for p in papers]).encode()
