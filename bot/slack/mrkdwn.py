"""Markdown (what the engine and the LLM write) -> Slack mrkdwn, and clean splitting of long text.

Slack's mrkdwn is not Markdown: bold is ``*x*``, italic ``_x_``, strike ``~x~``, links
``<url|label>``, no headings, no ``-`` bullets. Every ``&``, ``<`` and ``>`` of the text is
escaped, so a paper title or an LLM answer can never ping ``<!channel>`` or forge a link.
Code spans and fenced blocks are kept as they are (escaped only). Links follow the engine's one
link policy (``digest.present.links``): off arxiv.org and huggingface.co the real host is shown next to
the label, and a ``javascript:`` (any non-http) link keeps only its label.
"""

from __future__ import annotations

import re

from digest.present import links
from digest.present.gist import clip as truncate  # one word-boundary clip for every surface
from digest.present.links import Link

SECTION_LIMIT = 2900  # Block Kit section text is <= 3000 characters; keep a margin

_PH = "\ue000"  # placeholder delimiters (private use area; stripped from input first)
_BOLD_MARK = "\ue001"
_PRIVATE = re.compile("[\ue000-\ue00f]")

_FENCE = re.compile(r"```.*?(?:```|\Z)", re.S)
_CODE_SPAN = re.compile(r"`[^`\n]+`")
_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$", re.M)
_RULE = re.compile(r"^[ \t]*([-*_])(?:[ \t]*\1){2,}[ \t]*$", re.M)
_BULLET = re.compile(r"^([ \t]*)[-*+][ \t]+", re.M)
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|(?<!\w)__(?=\S)(.+?)(?<=\S)__(?!\w)")
_ITALIC = re.compile(r"(?<![\w*\\])\*(?=[^\s*])([^*\n]*?[^\s*\\])?\*(?![\w*])")
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")


def escape(text: str) -> str:
    """Escape the three characters Slack treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str, label: str) -> str:
    """A mrkdwn link; the label is escaped and the URL made safe for ``<url|label>``."""
    safe_url = url.strip().replace(" ", "%20").replace("|", "%7C").replace("<", "%3C").replace(">", "%3E")
    safe_label = " ".join(escape(label).replace("|", "¦").split())
    return f"<{safe_url}|{safe_label}>" if safe_label else f"<{safe_url}>"


def md_link(found: Link) -> str:
    """A link from untrusted text, by the engine's link policy (``digest.present.links``): to a paper site
    ``<url|label>``; elsewhere the label as plain text followed by the real host as the link,
    ``label (<url|host>)``, so a trusted-looking label ("arxiv.org/abs/...") can never hide where
    it goes; any other scheme (``javascript:``) only the label's text."""
    label = " ".join(escape(plain(found.label)).split())
    if found.url is None:
        return label
    if not label:
        return link(found.url, "")
    if found.trusted:
        return link(found.url, plain(found.label))
    target = link(found.url, found.host)
    return target if found.label_is_host else f"{label} ({target})"


def plain(text: str) -> str:
    """Markdown emphasis and headings removed (for one-line gists and notification text)."""
    text = links.to_plain(text)
    text = _HEADING.sub(lambda m: m[1], text)
    text = re.sub(r"(\*\*|__|~~|\*|`)", "", text)
    return text


def to_mrkdwn(markdown: str) -> str:
    """Convert Markdown to Slack mrkdwn (see the module docstring)."""
    text = _PRIVATE.sub("", markdown.replace("\r\n", "\n"))
    out: list[str] = []
    pos = 0
    for m in _FENCE.finditer(text):
        out.append(_inline_code_aware(text[pos:m.start()]))
        out.append(_fence(m.group(0)))
        pos = m.end()
    out.append(_inline_code_aware(text[pos:]))
    return "".join(out)


def _fence(block: str) -> str:
    body = block[3:]
    if body.endswith("```"):
        body = body[:-3]
    first, _, rest = body.partition("\n")
    if rest and re.fullmatch(r"[\w+#.-]*", first.strip()):  # drop a language tag: Slack shows it
        body = rest
    return "```\n" + escape(body.strip("\n")) + "\n```"


def _inline_code_aware(text: str) -> str:
    out: list[str] = []
    pos = 0
    for m in _CODE_SPAN.finditer(text):
        out.append(_convert(text[pos:m.start()]))
        out.append(escape(m.group(0)))
        pos = m.end()
    out.append(_convert(text[pos:]))
    return "".join(out)


def _convert(text: str) -> str:
    if not text:
        return text
    kept: list[str] = []

    def keep(rendered: str) -> str:
        kept.append(rendered)
        return f"{_PH}{len(kept) - 1}{_PH}"

    text = links.rewrite(text, lambda found: keep(md_link(found)))
    text = escape(text)
    text = _RULE.sub("──────────", text)
    text = _HEADING.sub(lambda m: f"{_BOLD_MARK}{_unbold(m[1])}{_BOLD_MARK}", text)
    text = _BULLET.sub(_bullet, text)
    text = _BOLD.sub(lambda m: f"{_BOLD_MARK}{m[1] or m[2]}{_BOLD_MARK}", text)
    text = _ITALIC.sub(lambda m: f"_{m[1] or ''}_", text)
    text = _STRIKE.sub(lambda m: f"~{m[1]}~", text)
    text = text.replace(_BOLD_MARK, "*")
    return re.sub(f"{_PH}(\\d+){_PH}", lambda m: kept[int(m[1])], text)


def _unbold(text: str) -> str:
    return re.sub(r"\*\*|__", "", text).strip()


def _bullet(m: re.Match) -> str:
    return f"{m[1].replace(chr(9), '    ')}• "


# --------------------------------------------------------------------------- splitting

_ATOM = re.compile(r"<[^<>\n]{1,3000}>|[^\s<]+|<|\s+")


def split_text(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Cut ``text`` into chunks of at most ``limit`` characters, at the cleanest boundary.

    Paragraphs first, then lines, then words; a mrkdwn link (``<url|label>``) is never cut, and
    a single word longer than ``limit`` is the only thing ever cut in the middle.
    """
    text = text.strip()
    if not text:
        return []
    if len(text) <= limit:
        return [text]
    return [c for c in (chunk.strip() for chunk in _split(text, limit, 0)) if c]


_SEPARATORS = ("\n\n", "\n")


def _split(text: str, limit: int, level: int) -> list[str]:
    if len(text) <= limit:
        return [text]
    if level >= len(_SEPARATORS):
        return _split_words(text, limit)
    sep = _SEPARATORS[level]
    pieces: list[str] = []
    for part in text.split(sep):
        pieces.extend(_split(part, limit, level + 1) if len(part) > limit else [part])
    return _pack(pieces, sep, limit)


def _pack(pieces: list[str], sep: str, limit: int) -> list[str]:
    chunks: list[str] = []
    current = ""
    for piece in pieces:
        if not current:
            current = piece
        elif len(current) + len(sep) + len(piece) <= limit:
            current += sep + piece
        else:
            chunks.append(current)
            current = piece
    if current:
        chunks.append(current)
    return chunks


def _split_words(text: str, limit: int) -> list[str]:
    atoms: list[str] = []
    for atom in _ATOM.findall(text):
        while len(atom) > limit:  # a word (or link) longer than a whole chunk: cut it
            atoms.append(atom[:limit])
            atom = atom[limit:]
        atoms.append(atom)
    chunks: list[str] = []
    current = ""
    for atom in atoms:
        if len(current) + len(atom) <= limit:
            current += atom
        else:
            chunks.append(current)
            current = atom.lstrip() if atom.isspace() else atom
    if current:
        chunks.append(current)
    return chunks

