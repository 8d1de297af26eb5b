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
    # --- filters and search
    "search_help": "Search every stored digest: /digest search <words>, e.g. /digest search speculative decoding",
    "search_none": "No stored paper matches \"{query}\".",
    "search_header": "Papers matching \"{query}\" in every stored digest ({total} found):",
    "search_line": "{rank}. {title} ({day}, {category}) {url}",
    "search_no_category": "uncategorized",
    "search_more_hint": "Type \"more\" for the next page.",
    "search_more_button": "More",
    "filter_on": "Filter on: {filters} ({n} papers left out).",
    "filter_only": "only {words}",
    "filter_exclude": "without {words}",
    "seen_before": "Seen before",
    "seen_before_line": "{title} (in the digest of {day}) {url}",
    "chart_title_seen": "Papers per category, {day} ({total} new; {n} seen before)",
    "filter_set": "Keyword filter: {filters}. Papers left out by it are not in the post, its counts or its chart.",
    "help_search": "/digest search speculative decoding — the best matching papers of every stored day, 5 per page",
    "help_filters": "/digest subscribe 09:00 Asia/Seoul en --only \"LLM, agents\" --exclude \"medical\" — a daily post with keyword filters",
}
