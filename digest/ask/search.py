"""Archive search (``/digest search <words>``, ``digest search``): the best matching papers of
every stored day, a page at a time.

It is the Q&A's archive search (``Retriever.match_archive``: bounded work whatever the archive's
size) with the Q&A's query terms (Korean through the glossary), not a second search: only the
paging, the labels (day, category) and the one-line refusals live here. Pages are cut from one
ranked list of at most ``MAX_RESULTS`` papers, so page 2 never repeats page 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from digest.ask.guards import clean_question
from digest.ask.retrieve import Retriever
from digest.ask.terms import TermExtractor
from digest.text import t
from digest.untrusted import is_injection

PAGE_SIZE = 5
MAX_RESULTS = 50  # ten pages: further down, nobody reads an archive search
MAX_QUERY_CHARS = 200  # a search is a few words; longer input is not a search


@dataclass(frozen=True)
class Found:
    arxiv_id: str
    title: str
    url: str
    day: date | None  # the latest digest day the paper was in
    category: str | None


@dataclass(frozen=True)
class SearchPage:
    query: str
    results: tuple[Found, ...]
    page: int  # 0-based
    total: int  # matches over every page (at most MAX_RESULTS)

    @property
    def has_more(self) -> bool:
        return (self.page + 1) * PAGE_SIZE < self.total

    @property
    def first_rank(self) -> int:
        return self.page * PAGE_SIZE + 1


def search_words(text: str | None) -> str | None:
    """The words of a search, cleaned; None for empty, over-long or hostile input (it gets the
    help line, never a search)."""
    cleaned, cut = clean_question(text or "")
    if not cleaned or cut or len(cleaned) > MAX_QUERY_CHARS or is_injection(cleaned):
        return None
    return cleaned


class ArchiveSearch:
    """Searches one store's archive; stateless between calls (a page is asked for by number)."""

    def __init__(self, store, taxonomy):
        self.store = store
        self.extractor = TermExtractor(taxonomy)
        self.retriever = Retriever(store)

    def ranked(self, words: str) -> list[str]:
        """arXiv ids best first (at most MAX_RESULTS), each in at least one stored digest."""
        terms = self.extractor.extract(words)
        ids = [aid for aid, _ in self.retriever.match_papers(terms, None, limit=MAX_RESULTS)]
        return list(dict.fromkeys(ids))[:MAX_RESULTS]

    def page(self, text: str | None, page: int = 0) -> SearchPage | None:
        """Page ``page`` (0-based) of the search for ``text``; None when ``text`` is no search."""
        words = search_words(text)
        if words is None:
            return None
        ids = self.ranked(words)
        labels = self.retriever.labels(ids, None)
        ids = [aid for aid in ids if aid in labels]  # a paper in no digest is not in the archive
        page = max(0, min(int(page), max(0, (len(ids) - 1) // PAGE_SIZE)))
        shown = ids[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
        papers = self.store.get_papers(shown)
        results = tuple(Found(aid, papers[aid].title, papers[aid].link, *labels[aid])
                        for aid in shown if aid in papers)
        return SearchPage(words, results, page, len(ids))


def render_page(result: SearchPage | None, language: str, more_hint: str = "search_more_hint") -> str:
    """Plain text of a page (console and CLI; the chat adapters lay out the same fields).
    ``more_hint``: the catalog key that says how to get the next page where this text is read."""
    if result is None:
        return t(language, "search_help")
    if not result.results:
        return t(language, "search_none", query=result.query)
    lines = [t(language, "search_header", query=result.query, total=result.total)]
    for rank, found in enumerate(result.results, start=result.first_rank):
        lines.append(found_line(found, rank, language))
    if result.has_more:
        lines.append(t(language, more_hint, page=result.page + 2))
    return "\n".join(lines)


def found_line(found: Found, rank: int, language: str) -> str:
    day = found.day.isoformat() if found.day else "?"
    return t(language, "search_line", rank=rank, title=" ".join(found.title.split()), day=day,
             category=found.category or t(language, "search_no_category"), url=found.url)
