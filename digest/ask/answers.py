"""The text of an answer: the LLM's (papers as numbered, quoted data; citations repaired; the
sources listed with links) or, without one, the search result itself, stated as such."""

from __future__ import annotations

import json
from datetime import date

from digest.ask.citations import check_reply, fix_citations
from digest.text import language_name, t
from digest.ask.retrieve import Hit, Retrieval
from digest.llm import prompts
from digest.models import Answer
from digest.untrusted import strip_injections

PROMPT = ("qa", "v2")
SHOWN = 3  # papers shown in a search-result answer
ABSTRACT_CHARS = 1500
THREAD_TURNS = 6
THREAD_CHARS = 600


def search_answer(retrieval: Retrieval, day: date, lang: str, reason: str,
                   notes: list[str]) -> Answer:
    if retrieval.fallback:
        hits = retrieval.hits[: SHOWN + 2]
    else:  # papers whose own text matched; a category-summary match alone is too weak to show
        hits = [h for h in retrieval.hits if h.sentences][:SHOWN] or retrieval.hits[:1]
    key = ("fallback_head" if retrieval.fallback else
           "search_head_archive" if retrieval.archive else "search_head")
    lines = [t(lang, f"ask_{key}", reason=reason, day=day.isoformat()), ""]
    for i, hit in enumerate(hits, 1):
        where = ""
        if retrieval.archive and hit.day is not None:
            where = f" ({t(lang, 'ask_in_digest', day=hit.day.isoformat())})"
        lines.append(f"[{i}] {hit.paper.title}{where} — {hit.paper.link}")
        for sentence in hit.sentences:
            lines.append(f"    “{sentence}”")
    return Answer(join_notes(notes, "\n".join(lines).rstrip()),
                  cited=tuple(h.paper for h in hits), grounded=False)


def llm_answer(llm, question: str, retrieval: Retrieval, day: date,
               history: list[tuple[str, str]], lang: str, notes: list[str]) -> Answer:
    hits = retrieval.hits
    sources = [{"n": i, "title": h.paper.title, "link": h.paper.link,
                "digest_day": h.day.isoformat() if h.day else None,
                "abstract": prompts.clip(strip_injections(h.paper.abstract), ABSTRACT_CHARS)}
               for i, h in enumerate(hits, 1)]
    scope = (f"The sources were searched in every stored digest, not only that of {day.isoformat()}."
             if retrieval.archive else
             f"The question is about the digest of {day.isoformat()}; the sources are its papers.")
    if retrieval.fallback:
        scope += (" No paper matched the question's words, so the sources are the digest's "
                  "most popular papers.")
    turns = [{"role": "assistant" if r != "user" else "user", "text": prompts.clip(t, THREAD_CHARS)}
             for r, t in history[-THREAD_TURNS:]]
    thread = json.dumps(turns, ensure_ascii=False).replace("<", "\\u003c")
    messages = prompts.render(*PROMPT, scope=scope, language=language_name(lang),
                              papers=prompts.quote_data(sources), thread=thread,
                              question=prompts.quote_text(question))
    # everything the model sees is in the key: the prompt version and the rendered messages
    key = json.dumps([prompts.fingerprint(*PROMPT), messages], ensure_ascii=False)
    reply = llm.complete(kind="qa", messages=messages, max_tokens=700, cache_key=key,
                         validate=lambda text: check_reply(text, len(sources)))
    body, numbers = fix_citations(reply, len(sources), [h.paper.title for h in hits])
    cited = [hits[n - 1].paper for n in numbers]
    lines = [body]
    if numbers:
        lines += ["", t(lang, "ask_sources")]
        lines += [f"[{n}] {hits[n - 1].paper.title} — {hits[n - 1].paper.link}" for n in sorted(numbers)]
    else:  # the answer cites nothing we can tell: show it, with what it was given to read
        lines += ["", t(lang, "sources_consulted")]
        lines += [f"[{n}] {h.paper.title} — {h.paper.link}" for n, h in enumerate(hits, 1)]
    return Answer(join_notes(notes, "\n".join(lines)), cited=tuple(cited), grounded=True)


def elsewhere_answer(hits: list[Hit], day: date, lang: str, notes: list[str], total: int) -> Answer:
    lines = [t(lang, "ask_no_match_day", day=day.isoformat()), t(lang, "ask_archive_matches")]
    for i, hit in enumerate(hits[:SHOWN], 1):
        when = f" ({t(lang, 'ask_in_digest', day=hit.day.isoformat())})" if hit.day else ""
        lines.append(f"[{i}] {hit.paper.title}{when} — {hit.paper.link}")
    lines.append(t(lang, "ask_archive_offer", total=total))
    return Answer(join_notes(notes, "\n".join(lines)), cited=tuple(h.paper for h in hits[:SHOWN]),
                  grounded=False)


def append_lines(answer: Answer, lines: list[str]) -> Answer:
    if not lines:
        return answer
    return Answer("\n\n".join([answer.text, *lines]), answer.cited, answer.grounded)


def join_notes(notes: list[str], *parts: str) -> str:
    return "\n\n".join([*notes, *[p for p in parts if p]])
