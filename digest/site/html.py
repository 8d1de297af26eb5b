"""Untrusted text made into safe HTML for the web archive: titles, LLM Markdown, source links.

Every string a page shows goes through :func:`esc` or :func:`markdown_html`; nothing is pasted raw.
The Markdown synthesis is rendered by markdown-it-py (installed with rich) with raw HTML *disabled*
(``<script>`` becomes text) and images off, after ``digest.present.links.safe_markdown`` applied
the one link policy (only http/https; a non-paper host is shown next to its label). markdown-it's
own ``validateLink`` drops ``javascript:``/``data:`` on top, so two independent guards agree.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

from digest.models import Paper
from digest.present import links
from digest.untrusted import clean_text

_SLUG = re.compile(r"[^\w-]+", re.UNICODE)


def esc(text: object) -> str:
    """Plain text for an HTML text node or a quoted attribute."""
    return html.escape(clean_text(str(text)), quote=True)


def slug(name: str) -> str:
    """A category's anchor id (Unicode letters kept: a Korean anchor works in every browser)."""
    return _SLUG.sub("-", clean_text(name).strip().lower()).strip("-") or "category"


@lru_cache(maxsize=1)
def _md():
    from markdown_it import MarkdownIt  # only when a page is written (the bot imports day_url)

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False, "xhtmlOut": False})
    md.disable("image")

    def link_open(self, tokens, idx, options, env):  # external links: no referrer, no opener
        tokens[idx].attrSet("rel", "nofollow noopener noreferrer")
        return self.renderToken(tokens, idx, options, env)

    md.add_render_rule("link_open", link_open)
    return md


def markdown_html(text: str) -> str:
    """Untrusted Markdown (an LLM's synthesis) as HTML: links by the policy, raw HTML as text."""
    return _md().render(links.safe_markdown(clean_text(text or "")))


def link_html(label: str, url: str) -> str:
    """``label`` linked to ``url`` by the link policy: dropped schemes leave the label as text; a
    non-paper host is shown beside it."""
    found = links.judge(label, url)
    if found.url is None:
        return esc(found.label)
    anchor = f'<a href="{esc(found.url)}" rel="nofollow noopener noreferrer">'
    if found.trusted and found.label:
        return f"{anchor}{esc(found.label)}</a>"
    if not found.label or found.label_is_host:
        return f"{anchor}{esc(found.host)}</a>"
    return f'{esc(found.label)} ({anchor}{esc(found.host)}</a>)'


def paper_html(paper: Paper) -> str:
    """One source line: the title linked to the paper (or as text when its link is not http(s))."""
    title = " ".join(clean_text(paper.title).split()) or paper.arxiv_id
    line = link_html(title, paper.link)
    if paper.popularity:
        line += f' <span class="up">▲{paper.popularity}</span>'
    return line
