"""The one link policy (digest/present/links.py) that the report, the console, Slack and Discord share."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from digest.present import links


@pytest.mark.parametrize("text, plain, markdown", [
    ("[arxiv.org/abs/2411.1](https://evil.example/phish)", "arxiv.org/abs/2411.1 (evil.example)",
     "arxiv.org/abs/2411.1 ([evil.example](https://evil.example/phish))"),
    ("[](javascript:alert(1))", "", ""),
    ("[click](javascript:alert(1))", "click", "click"),
    ("[x](JaVaScRiPt:alert(1))", "x", "x"),
    ("[x](data:text/html;base64,PHNjcmlwdD4=)", "x", "x"),
    ("[paper](https://arxiv.org@evil.example/)", "paper (evil.example)",
     "paper ([evil.example](https://arxiv.org@evil.example/))"),
    ("[x](https://arxiv.org.evil.example/a)", "x (arxiv.org.evil.example)",
     "x ([arxiv.org.evil.example](https://arxiv.org.evil.example/a))"),
    ("[The paper](https://arxiv.org/abs/2411.1)", "The paper", "[The paper](https://arxiv.org/abs/2411.1)"),
    ("[card](https://huggingface.co/papers/1)", "card", "[card](https://huggingface.co/papers/1)"),
    ("[evil.example](https://evil.example/)", "evil.example", "[evil.example](https://evil.example/)"),
    ("![pixel](https://tracker.example/p.png)", "pixel (tracker.example)",
     "pixel ([tracker.example](https://tracker.example/p.png))"),
    ("<javascript:alert(1)>", "", ""),
    ("<https://evil.example/a>", "evil.example", "[evil.example](https://evil.example/a)"),
    ("[r]: javascript:alert(1)", "r", "r"),
    ("[1]: RingCache halves memory", "[1]: RingCache halves memory", "[1]: RingCache halves memory"),
    ("[1] a citation (not a link)", "[1] a citation (not a link)", "[1] a citation (not a link)"),
    ("[arxiv.org](https://evil.example/a((b)))", "[arxiv.org](https://evil.example/a((b)))",
     "[arxiv.org\\](https://evil.example/a((b)))"),  # too odd to parse: shown as text, never a link
])
def test_the_policy(text, plain, markdown):
    assert links.to_plain(text) == plain
    assert links.safe_markdown(text) == markdown


def test_html_is_text_in_markdown_but_code_is_left_alone():
    md = links.safe_markdown("<script>alert(1)</script> <a href='javascript:x'>a</a> `List<int>`")
    assert "<script>" not in md and "<a " not in md and "`List<int>`" in md


def test_titles_are_plain_text_in_markdown():
    title = links.escape_markdown(links.to_plain("[arxiv.org/abs/1](https://evil.example/p) <b>*x*</b>"))
    assert title == r"arxiv.org/abs/1 (evil.example) \<b\>\*x\*\</b\>"


def test_hosts():
    assert links.host_of("https://EVIL.example./a") == "evil.example"
    assert links.host_of("https://evil.example|arxiv.org") == ""  # no such host name
    assert links.host_of("ftp://arxiv.org/x") == "" and links.host_of("//arxiv.org/x") == ""
    assert links.safe_url("javascript:alert(1)") is None
    assert links.trusted("https://export.arxiv.org/pdf/1") and not links.trusted("https://arxiv.org.evil.example/")


_LIVE = re.compile(r"(?<!\\)\[((?:\\.|[^\]\\])*)\]\(([^)]*)\)")


@example("`<javascript:`")  # found by hypothesis: a code span is text, not an autolink
@example("[\\](()")  # found by hypothesis: escaping the "](" must not unescape the "\\]"
@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["[", "]", "(", ")", "<", ">", "!", "javascript:", "https://", "evil.example",
                                 "arxiv.org", "/abs/1", " ", "\n", "x", "\\", ":", "`", "data:", "[a]: ", "((", "))"]),
                max_size=40).map("".join))
def test_no_markdown_link_off_the_paper_sites_keeps_a_label_other_than_its_host(text):
    md = links.safe_markdown(text)
    for label, url in _LIVE.findall(md):
        assert links.host_of(url), (text, md)
        assert links.trusted(url) or label == links.host_of(url), (text, md)
    prose = re.sub(r"`+[^`]*`+", "", md)  # a code span shows its text as code: nothing is live there
    assert "<javascript" not in prose.lower()  # no autolink (a "(javascript:" in prose is text)
