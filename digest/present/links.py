"""The one link policy every renderer applies to text we did not write (titles, abstracts, LLM text).

A Markdown link ``[label](url)`` lets its label hide where it goes: ``[arxiv.org/abs/…](https://
evil.example/phish)`` reads like a paper link. And ``[](javascript:…)``, ``<data:…>`` or a raw
``<a href=…>`` must never become clickable. So, everywhere a digest is shown:

* a link to a paper site (``TRUSTED_HOSTS`` or a subdomain, over http/https) keeps its label;
* any other http(s) link shows its **real host** next to its label;
* every other scheme (``javascript:``, ``data:``, ``file:``, relative targets) is dropped and only
  the label's text is kept.

This module finds the links and decides; each renderer only formats a :class:`Link` in its own
syntax (Slack ``<url|label>``, Discord and Markdown ``[label](url)``, plain text), so the rule
cannot drift between four copies. No chat SDK here: the engine uses it for the report.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

TRUSTED_HOSTS = ("arxiv.org", "huggingface.co")
SCHEMES = ("http", "https")

# [label](url "title"): one level of [] inside the label, () inside the url, <url> allowed.
# An image ``![alt](url)`` is a link too (a remote image is a request to someone's server).
MASKED_LINK = re.compile(
    r"!?\[(?P<label>(?:\\.|[^\[\]\\\n]|\[(?:\\.|[^\[\]\\\n])*\])*)\]"
    r"\(\s*<?(?P<url>[^\s()<>]*(?:\([^\s()<>]*\)[^\s()<>]*)*)>?(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")
# CommonMark autolinks ``<scheme:...>`` (any scheme: ``<javascript:...>`` is one).
AUTOLINK = re.compile(r"<(?P<url>[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*)>")
# ``[ref]: url`` definitions would make ``[label][ref]`` a masked link elsewhere in the text.
REFERENCE = re.compile(r"^[ \t]{0,3}\[(?P<label>[^\]\n]+)\]:[ \t]*<?(?P<url>(?:[A-Za-z][A-Za-z0-9+.-]{1,31}:|/|www\.)"
                       r"[^\s<>]*)>?(?:[ \t]+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^)\n]*\)))?[ \t]*$", re.M)


_HOST = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}\.?)*|\[?[0-9a-f:.]+\]?")  # a DNS name or an IP


@dataclass(frozen=True, slots=True)
class Link:
    """One link found in untrusted text, with the policy's verdict.

    ``url`` is None when the link is dropped (not http/https, or no host): show ``label`` only.
    ``trusted``: a paper site, the label may stand alone. Otherwise show ``host`` beside it.
    """

    label: str
    url: str | None
    host: str
    trusted: bool

    @property
    def label_is_host(self) -> bool:
        """The label already says the real host (``[evil.example](https://evil.example/)``)."""
        return bool(self.host) and self.label.strip().lower().rstrip("/") in (
            self.host, f"http://{self.host}", f"https://{self.host}", f"www.{self.host}")


def host_of(url: str) -> str:
    """The lower-case host of an http(s) ``url``; "" for any other scheme or a malformed one.

    Read as a browser does (WHATWG URL): in http(s) URLs a backslash is a path separator, so
    ``https://evil.example\\@arxiv.org/`` opens evil.example (urlsplit alone says arxiv.org)."""
    try:
        parts = urlsplit(url.strip().replace("\\", "/"))
        host = (parts.hostname or "").lower().rstrip(".")
    except ValueError:
        return ""
    if parts.scheme.lower() not in SCHEMES or not _HOST.fullmatch(host):
        return ""
    return host


def trusted(url: str) -> bool:
    """Whether ``url`` is http(s) on a paper site (arxiv.org, huggingface.co, or a subdomain)."""
    host = host_of(url)
    return any(host == h or host.endswith("." + h) for h in TRUSTED_HOSTS)


def safe_url(url: str) -> str | None:
    """``url`` when it may be linked at all (http/https with a host), else None."""
    return url.strip() if host_of(url) else None


def judge(label: str, url: str) -> Link:
    """The verdict on ``[label](url)``."""
    url = url.strip()
    host = host_of(url)
    if not host:
        return Link(label.strip(), None, "", False)
    return Link(label.strip(), url, host, trusted(url))


def _unescape_label(label: str) -> str:
    return re.sub(r"\\([\\\[\]])", r"\1", label)


def _autolink(url: str) -> Link:
    """``<url>``: linked by the policy; an http(s) URL with no valid host stays as its text
    (without the brackets), any other scheme goes."""
    if host_of(url):
        return judge("", url)
    return Link(url if url.lower().startswith(SCHEMES) else "", None, "", False)


def rewrite(text: str, render: Callable[[Link], str], *, autolinks: bool = True,
            leftover: str | None = None) -> str:
    """``text`` with every Markdown link, image, reference definition and (with ``autolinks``)
    ``<scheme:...>`` autolink replaced by ``render(link)``.

    ``leftover``: what a ``](`` that is left over becomes (``"\\]("`` for output a Markdown parser
    reads): link syntax too odd for the pattern above (URLs with parentheses nested two deep)
    is then shown as text rather than parsed by the platform as a link.
    """
    if not text or ("](" not in text and "<" not in text and "]:" not in text):
        return text
    done: list[str] = []

    def keep(found: Link) -> str:
        done.append(render(found))
        return f"{_MARK}{len(done) - 1}{_MARK}"

    text = _MARKS.sub("", text)
    text = REFERENCE.sub(lambda m: keep(judge(m["label"], m["url"])), text)
    text = MASKED_LINK.sub(lambda m: keep(judge(_unescape_label(m["label"]), m["url"])), text)
    if autolinks:
        text = AUTOLINK.sub(lambda m: keep(_autolink(m["url"])), text)
    if leftover is not None:  # only a "](" that is not itself escaped: "\\](" stays text
        text = _LEFTOVER.sub(lambda m: m[1] + leftover, text)
    return _MARKED.sub(lambda m: done[int(m[1])], text)


_LEFTOVER = re.compile(r"(?<!\\)((?:\\\\)*)\]\(")  # "](" after an even run of backslashes
_MARK = "\ue010"  # placeholder delimiter (private use; removed from the input first)
_MARKS = re.compile("[\ue010]")
_MARKED = re.compile("\ue010(\\d+)\ue010")


def plain(link: Link) -> str:
    """A link as plain text: the label, and the real host unless it is a paper site."""
    if link.url is None:
        return link.label
    if link.trusted and link.label:
        return link.label
    if not link.label or link.label_is_host:
        return link.host
    return f"{link.label} ({link.host})"


def to_plain(text: str) -> str:
    """``text`` with its links as plain text (one-line gists, notification text, the console)."""
    return rewrite(text, plain)


_HTML_START = re.compile(r"<(?=[A-Za-z/!?])")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")
_LABEL_SPECIAL = re.compile(r"([\\\[\]<>])")  # what would break a link or open HTML
_CODE = re.compile(r"```.*?(?:```|\Z)|`[^`\n]+`", re.S)


def markdown(link: Link) -> str:
    """A link in Markdown (the report): paper sites as ``[label](url)``, any other http(s) link as
    ``label ([host](url))`` so the visible text is the real host; other schemes as text only."""
    label = _LABEL_SPECIAL.sub(r"\\\1", link.label)
    if link.url is None:
        return label
    url = link.url.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("<", "%3C") \
        .replace(">", "%3E")
    if link.trusted and label:
        return f"[{label}]({url})"
    target = f"[{link.host}]({url})"
    return target if not label or link.label_is_host else f"{label} ({target})"


def escape_markdown(text: str) -> str:
    """Plain text made literal in Markdown: emphasis, links and raw HTML cannot form."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def safe_markdown(text: str) -> str:
    """Untrusted Markdown (an LLM's synthesis) for the report: links by the policy, and raw HTML
    shown as text (``<script>`` becomes ``&lt;script>``); emphasis, lists and headings kept."""
    out, pos = [], 0
    for m in _CODE.finditer(text or ""):
        out.append(_HTML_START.sub("&lt;", rewrite(text[pos:m.start()], markdown, leftover="\\](")))
        out.append(m.group(0))
        pos = m.end()
    out.append(_HTML_START.sub("&lt;", rewrite((text or "")[pos:], markdown, leftover="\\](")))
    return "".join(out)
