"""138 real GPT replies (Korean five-step syntheses) replayed through the real openai SDK.

Issue 10: a team that sets OPENAI_API_KEY must see the model's syntheses, not offline ones,
even when the model does not follow our format; and a reply about other papers must not be
shown. The stub answers each request with the real reply recorded for it (one shared stub,
no latency); see tests/real_replies.py for how "another day's papers" are chosen.
"""

from __future__ import annotations

import re

import pytest

try:
    from openai_stub import PROXY_VARS, OpenAIStub, llm_settings
    from real_replies import load_records, other_index, replay
except ModuleNotFoundError:
    from tests.openai_stub import PROXY_VARS, OpenAIStub, llm_settings
    from tests.real_replies import load_records, other_index, replay

from digest.llm.client import LLM
from digest.summarize.llm import LLMSummarizer
from digest.store import Store

RECORDS = load_records()
pytestmark = pytest.mark.skipif(not RECORDS, reason="../shared/data/llm_replies_real_dev.json is absent")
OWN_MIN, OTHER_MAX = 0.90, 0.20


@pytest.fixture(scope="module")
def outcomes():
    """Every record replayed for its own papers and for another day's, once per module."""
    mp = pytest.MonkeyPatch()
    for name in PROXY_VARS:
        mp.delenv(name, raising=False)
    store = Store(":memory:")
    with OpenAIStub() as stub:
        settings = llm_settings(stub, digest_llm_max_retries=0)
        llm = LLM(settings, store)
        summarizer = LLMSummarizer(llm, settings)
        own = [replay(stub, summarizer, store, RECORDS, i, other=False) for i in range(len(RECORDS))]
        other = [replay(stub, summarizer, store, RECORDS, i, other=True) for i in range(len(RECORDS))]
        usage = list(store.db["llm_usage"].rows)
        llm.close()
    store.close()
    mp.undo()
    return {"own": own, "other": other, "usage": usage}


@pytest.mark.parametrize("i", range(len(RECORDS)), ids=lambda i: f"{RECORDS[i]['day']}-{i}" if RECORDS else str(i))
def test_each_real_reply_is_shown_well_or_falls_back_with_a_cause(outcomes, i):
    own, other = outcomes["own"][i], outcomes["other"][i]
    for o in (own, other):
        if o.shown:
            assert o.note == "" and not re.search(r"https?://", o.text)  # never the model's sources
            if o.five:  # our five-part layout: the headings the renderers know, in order
                assert [int(n) for n in re.findall(r"^(\d)\. \*\*", o.text, re.M)] == [1, 2, 3, 4, 5]
        else:
            assert re.fullmatch(r"LLM failed \(.+\): offline summary", o.note), o.note
            assert "OPENAI_API_KEY" not in o.text
        assert o.calls in (1, 2)
    if other.shown:  # a reply shown for other papers must at least not quote its own titles
        mine = RECORDS[i]["papers"]
        theirs = {p["title"] for p in RECORDS[other_index(RECORDS, i)]["papers"]}
        assert not any(p["title"] in other.text for p in mine if p["title"] not in theirs)


def test_real_replies_are_shown_for_their_papers_and_not_for_others(outcomes):
    own = sum(o.shown for o in outcomes["own"]) / len(RECORDS)
    other = sum(o.shown for o in outcomes["other"]) / len(RECORDS)
    five = sum(o.five for o in outcomes["own"] if o.shown)
    print(f"\nreal replies shown for their own papers: {own:.1%}; for another day's papers: {other:.1%}; "
          f"five-part layout {five} of {sum(o.shown for o in outcomes['own'])} shown")
    assert own >= OWN_MIN
    assert other <= OTHER_MAX
    kinds = {r["kind"] for r in outcomes["usage"]}
    assert kinds <= {"summary", "summary_repair"}
