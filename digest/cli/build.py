"""``digest build``, ``run``, ``show``, ``classify``, ``categories`` and ``ask``: making digests
and reading them."""

from __future__ import annotations

import argparse
import json
from datetime import date, timedelta
from pathlib import Path

from digest.cli.common import check_writable, day_arg, err_console, out, progress, service_for
from digest.config import load_settings
from digest.errors import DigestError, NoPapersError, SourceError
from digest.present.markdown import chart_filename, render_markdown, report_filename


def cmd_build(args: argparse.Namespace) -> int:
    service = service_for(args)
    if service.llm is None:
        err_console.print("No OPENAI_API_KEY set: using the offline classifier and extractive "
                          "summaries (set it in .env for AI-written ones).")
    day = day_arg(service, args.date) or service.today()
    folder = Path(args.out or service.settings.digest_out)
    check_writable(folder)
    try:
        with progress() as report:
            digest = service.build(day, sources=args.source or None, language=args.language,
                                   progress=report)
    except NoPapersError as err:
        out.print(str(err))
        return 0
    return _write(digest, folder)


def _write(digest, folder: Path) -> int:
    report_path = folder / report_filename(digest.day)
    chart_path = folder / chart_filename(digest.day)
    for path, data in ((chart_path, digest.chart_png), (report_path, render_markdown(digest).encode())):
        try:
            path.write_bytes(data)
        except OSError as err:  # e.g. a full disk: the digest itself is saved already
            path.unlink(missing_ok=True)
            raise DigestError(f"cannot write {path}: {err.strerror} (the digest is saved: "
                              f"digest show {digest.day.isoformat()} prints it)") from None
    for note in digest.notes:
        if note.startswith("source failed"):
            err_console.print(f"warning: {note}")
    out.print(f"{digest.total_papers} papers in {len(digest.counts)} categories "
              f"for {digest.day.isoformat()}")
    out.print(f"report: {report_path}")
    out.print(f"chart:  {chart_path}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from digest.query.parse import parse_query

    service = service_for(args)
    query = parse_query(" ".join(args.terms), service.taxonomy, service.today())
    if query.kind not in ("digest", "category", "help", "categories"):
        raise DigestError(query.message or "usage: digest show [CATEGORY] [DATE]")
    reply = service.resolve(query, args.language)
    if reply.error:
        raise DigestError(reply.text)
    if reply.digest is None:  # help, categories
        out.print(reply.text, markup=False)
    else:
        out.print(render_markdown(reply.digest, reply.category), markup=False)
    return 0


def cmd_classify(args: argparse.Namespace) -> int:
    service = service_for(args)
    day = day_arg(service, args.date) or service.today()
    collected = service.loader.collect(args.source, day)
    for e in collected.errors:
        err_console.print(f"warning: {e}")
    if not collected.papers:
        raise DigestError("no papers in the given sources")
    labels = service.classifier.classify(collected.papers)
    for p in collected.papers:
        label = labels.get(p.arxiv_id) or service.offline_classifier.classify_one(p)
        if args.json:
            print(json.dumps({"arxiv_id": p.arxiv_id, "category": label.category,
                              "confidence": round(label.confidence, 3)}, ensure_ascii=False))
        else:
            out.print(f"{p.arxiv_id}\t{label.category}\t{label.confidence:.2f}\t{p.title}", markup=False)
    return 0


def cmd_categories(args: argparse.Namespace) -> int:
    from digest.classify.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(load_settings().digest_taxonomy)
    for cat in taxonomy:
        aliases = f"  (aliases: {', '.join(cat.aliases)})" if cat.aliases else ""
        out.print(f"{cat.emoji} {cat.name} — {cat.description}{aliases}", markup=False)
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    """Answer a question about a stored digest; print the answer and the cited papers."""
    service = service_for(args)
    day = day_arg(service, args.date)
    if day is None and not service.store.digest_days(limit=1):
        raise DigestError("no digest stored yet: run `digest build` first")
    answer = service.answer(" ".join(args.question), day=day, language=args.language)
    if args.json:
        print(json.dumps({"text": answer.text, "grounded": answer.grounded, "cited": [
            {"arxiv_id": p.arxiv_id, "title": p.title, "link": p.link} for p in answer.cited]},
            ensure_ascii=False))
        return 0
    out.print(answer.text, markup=False)
    if answer.cited:  # the links are in the text; one line of ids for scripts and skimming
        out.print("\ncited: " + ", ".join(f"arXiv:{p.arxiv_id}" for p in answer.cited), markup=False)
    return 0


# --- run: the first command of a fresh clone ------------------------------------------------
SAMPLE_DAY = date(2024, 11, 22)
SAMPLE = Path(__file__).parents[1] / "samples" / f"hf_daily_papers_{SAMPLE_DAY.isoformat()}.json"
LOOKBACK_DAYS = 7  # Hugging Face lists nothing on weekends and early in the day


def cmd_run(args: argparse.Namespace) -> int:
    """``make run``: the newest day that has papers; with no source readable (no network), the
    bundled sample day, said in one line, exit 0. ``--date``/``--source`` make it a plain build
    (exit 2 when nothing can be read, as scripts expect of ``digest build``)."""
    if args.date or args.source:
        return cmd_build(args)
    service = service_for(args)
    if service.llm is None:
        err_console.print("No OPENAI_API_KEY set: using the offline classifier and extractive "
                          "summaries (set it in .env for AI-written ones).")
    folder = Path(args.out or service.settings.digest_out)
    check_writable(folder)
    today, digest, reason = service.today(), None, None
    with progress() as report:
        for back in range(LOOKBACK_DAYS):
            try:
                digest = service.build(today - timedelta(days=back), language=args.language,
                                       progress=report)
                break
            except NoPapersError:
                continue
            except SourceError as err:
                reason = str(err)
                break
        else:
            reason = f"no papers in the last {LOOKBACK_DAYS} days from DIGEST_SOURCES"
        if digest is None:
            reason = reason.split(" (offline?")[0]
            err_console.print(f"Built the bundled sample day {SAMPLE_DAY.isoformat()} ({SAMPLE.name}) "
                              f"instead, because {reason}", markup=False, highlight=False)
            digest = service.build(SAMPLE_DAY, sources=[str(SAMPLE)], language=args.language,
                                   progress=report)
    return _write(digest, folder)
