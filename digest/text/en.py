"""The en catalog: every user-facing string and grammar word. English: the fallback for every language without a catalog of its own.

Keys and ``{placeholders}`` are the same in every catalog (tests/test_text_catalog.py).
"""

NAMES = ('english', 'en')  # words that name this language

STRINGS: dict[str, object] = {
    "title": "Daily Artificial Intelligence Insights : Papers",
    "chart_alt": "Category Distribution Graph",
    "summary": "Summary",
    "sources": "Sources",
    "parts": ("Key themes", "Shared keywords, trends and patterns", "Key findings per paper",
              "Impact on sectors", "Synthesis and outlook"),
    "offline_note": "_Offline summary: sentences and keywords chosen from the abstracts by an "
                    "algorithm, nothing generated. Set OPENAI_API_KEY for AI-written summaries._",
    "shared_in": "{k} of {n} papers",
    "papers_in": "{n} papers in this category: {titles}.",
    "threads": "Shared keywords: {keywords}.",
    "no_impact": "No abstract states an application or impact directly.",
    "no_outlook": "No abstract states future work directly.",
    "no_abstract": "no abstract",
    "chart_title": "Papers per category, {day} ({total} papers)",
    "chart_xlabel": "papers",
    "no_papers": "{day}: no new papers (arXiv does not announce on weekends and holidays).",
    "more_papers": "{n} more",
    "sources_consulted": "Sources consulted (the answer cites none of them):",
    "offline_note_llm": "_Offline summary: sentences and keywords chosen from the abstracts by an "
                        "algorithm, nothing generated. The LLM did not write this one: {cause}._",
    "papers_in_one": "1 paper in this category: {titles}.",
    "no_shared": "No keyword is shared by two or more of these papers.",
    "one_paper_keywords": "One paper in this category, so its own keywords: {keywords}",
    "no_finding": "no sentence of the abstract states a result",
    "finding_repeated": "its abstract repeats a sentence quoted above",
    "impact_derived": "No abstract names an application; the results bear on {field} work on {keywords}.",
    "outlook_derived": "No abstract names future work; in {field}, the next results to watch are on {keywords}.",
    "cut_chat": "… (cut here: the rest is in the report, {report})",
    "cut_report": "… ({n} more characters not shown: far longer than a summary should be)",
    "more_categories": "{n} more categories are in the report ({report}): {names}",
    # --- week
    "week_title": "Week {start} – {end}: {total} papers ({change} vs the week before: {previous})",
    "week_categories": "Papers per category (this week / the week before)",
    "week_new": "new",
    "week_rising": "Terms that rose most (papers this week / the week before)",
    "week_no_rising": "No term rose: too few papers this week to compare.",
    "week_top": "Most upvoted papers",
    "week_no_top": "No upvotes recorded this week (the sources give none).",
    "week_missing": "Days not in the store (not counted): {days}",
    "week_previous_missing": "Days of the week before not in the store: {days}",
    "week_empty": "No stored papers for {start} – {end}: run `digest build --date DAY` for those days.",
    "week_trend": "Trend",
    "week_upvotes": "{n} upvotes",
    "week_chart_title": "Papers per category: {start} – {end} vs the week before",
    "week_chart_this": "this week ({total})",
    "week_chart_last": "the week before ({total})",
    "week_trend_failed": "No trend paragraph this time: {cause}.",
    "week_subscribed": "Subscribed: this channel gets the week every {weekday} at {time} {tz} in {lang} (the 7 days before the post, against the week before).\nNext weekly post: {next}.",
    "week_unsubscribed": "Unsubscribed: no more weekly posts in this channel.",
    "week_not_subscribed": "This channel has no weekly post. Subscribe with /digest subscribe weekly mon 09:00 Asia/Seoul [ko|en]",
    "week_no_categories": "A weekly post covers every category: use /digest subscribe weekly mon 09:00 Asia/Seoul [ko|en]",
    "week_help": "• /digest week [2024-11-26] — the 7 days ending that day (default yesterday) against the week before\n• /digest subscribe weekly mon 09:00 Asia/Seoul [ko|en] — post the week here every Monday (/digest unsubscribe weekly stops it)",
}
