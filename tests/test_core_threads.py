"""bot.core.threads.answer_in_thread: the one order of the thread-question flow on every platform
(claim -> where -> link/day -> history -> answer -> send -> turns -> link an opened thread)."""

from __future__ import annotations

import contextlib
from datetime import date
from types import SimpleNamespace

from bot.core.threads import Question, answer_in_thread
from digest.models import Answer

DAY = date(2024, 11, 22)


class Recorder:
    """A chat state, an engine and a replier that log every call, in order."""

    def __init__(self, link=None, sends=1, apology=True, history=(("user", "earlier"),)):
        self.calls, self.link, self.sends, self.apology, self.hist = [], link, sends, apology, history
        self.state = SimpleNamespace(
            claim_event=lambda p, e: self.log("claim", p, e) or True,
            release_event=lambda p, e: self.log("release", p, e),
            thread_digest=lambda p, c, t: self.log("link", p, c, t) or self.link,
            history=lambda p, c, t: self.log("history", p, c, t) or list(self.hist),
            add_turn=lambda p, c, t, role, text, user="": self.log("turn", role, text),
            link_thread=lambda p, c, t, day, lang: self.log("link_thread", c, t, day, lang))
        self.service = SimpleNamespace(latest_day=lambda: self.log("latest_day") or DAY,
                                       answer=self.answer)

    def log(self, *call):
        self.calls.append(call)

    def answer(self, question, day=None, history=(), user="", language=None):
        self.log("answer", question, day, user, language)
        return Answer(text=f"A: {question}")

    async def where(self):
        self.log("where")
        return "C1", "T1", True

    def busy(self):
        return contextlib.nullcontext()

    def failure_text(self, language, error):
        return f"failed: {error}"

    async def send(self, answer, language):
        self.log("send", answer.text, language)
        return self.sends

    async def apologize(self, language):
        self.log("apologize", language)
        return self.apology


async def test_one_order_and_one_rate_limit_key():
    rec = Recorder()
    q = Question(platform="discord", event_id="message:1", user="42", text="what is new?", language="ko")
    assert await answer_in_thread(rec, q, rec)
    assert [c[0] for c in rec.calls] == ["claim", "where", "link", "latest_day", "history", "answer",
                                         "send", "turn", "turn", "link_thread"]
    assert ("answer", "what is new?", DAY, "discord:42", "ko") in rec.calls
    assert rec.calls[-1] == ("link_thread", "C1", "T1", DAY, "ko")


async def test_an_empty_question_goes_to_the_engine_and_leaves_no_turns():
    rec = Recorder(link=(DAY, "en"))
    q = Question(platform="slack", event_id="Ev1", user="U42", text="", language="en")
    assert await answer_in_thread(rec, q, rec)
    names = [c[0] for c in rec.calls]
    assert "answer" in names and "history" not in names and "turn" not in names
    assert "link_thread" not in names  # the thread was already linked


async def test_nothing_sent_apologises_and_releases_the_claim_only_if_that_fails_too():
    rec = Recorder(sends=0, apology=True)
    q = Question(platform="slack", event_id="Ev2", user="U42", text="q", language="ko")
    assert await answer_in_thread(rec, q, rec)
    assert ("apologize", "ko") in rec.calls and not any(c[0] in ("release", "turn") for c in rec.calls)
    rec = Recorder(sends=0, apology=False)
    assert not await answer_in_thread(rec, q, rec)
    assert ("release", "slack", "Ev2") in rec.calls
