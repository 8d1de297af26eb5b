"""``digest site``: write the static web archive (``digest.site``) from the stored digests."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from digest.cli.common import check_writable, out
from digest.config import load_settings
from digest.text import language_code


def cmd_site(args: argparse.Namespace) -> int:
    from digest.classify.taxonomy import load_taxonomy
    from digest.site import build_site
    from digest.store import Store

    settings = load_settings()
    folder = Path(args.out or settings.digest_site_dir or settings.digest_out / "site")
    check_writable(folder)
    language = language_code(args.language or settings.digest_language)
    started = time.perf_counter()
    store = Store(settings.digest_db)
    try:
        llm = None
        if settings.llm_enabled:  # only its cache is read: cached week trend paragraphs
            from digest.llm.client import LLM

            llm = LLM(settings, store)
        result = build_site(store, folder, language, settings.digest_site_url,
                            load_taxonomy(settings.digest_taxonomy), llm)
    finally:
        store.close()
    out.print(f"{folder}: {result.days} days, {len(result.written)} files written "
              f"in {time.perf_counter() - started:.2f}s", markup=False)
    return 0
