"""`digest doctor`: one real summary and one classification request to the configured server.

Why: people set up a model (OpenAI, Ollama, vLLM, llama.cpp, LM Studio) and only learn a day
later, from offline summaries, that it did not work. The doctor sends the same requests a build
sends — through the product's own :class:`~digest.summarize.llm.LLMSummarizer` and
:class:`~digest.classify.llm.LLMClassifier`, so the verdict is the one a build would reach —
and prints each reply (clipped), whether it would be shown and why, latency, tokens, and one
line of advice. It never answers from the cache (a doctor that reads yesterday's reply proves
nothing) and writes nothing to it; its calls count against the day's budget as kind ``doctor``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from digest.classify.keyword import KeywordClassifier
from digest.llm.client import LLM, BudgetExceeded, LLMError, LLMUnavailable
from digest.models import Paper
from digest.untrusted import clean_text

Printer = Callable[[str], None]

# A tiny built-in sample (the tests' fixture papers), so an installed package can run the doctor.
SAMPLE = (
    Paper("2411.90001", "RingCache: Sharded Key-Value Caches for Million-Token Inference",
          "Serving language models on inputs of hundreds of thousands of tokens is limited by the "
          "memory of the key-value cache, which grows linearly with the sequence length. We present "
          "RingCache, a serving system that shards the KV cache across GPUs in a ring and overlaps "
          "the transfer of cache blocks with attention computation. RingCache keeps exact attention, "
          "needs no retraining, and composes with quantized caches. On contexts of up to one million "
          "tokens it reduces time-to-first-token by 3.1x and peak memory per GPU by 62% compared to "
          "tensor-parallel baselines."),
    Paper("2411.90008", "QuantMix: Mixed-Precision 3-bit Weight Quantization without Calibration Data",
          "Post-training quantization lets large language models run on consumer hardware, but "
          "low-bit methods need calibration data that may be unavailable or private. QuantMix assigns "
          "2, 3 or 4 bits to each weight group from a data-free sensitivity score based on the Hessian "
          "trace of the weights alone. At an average of 3 bits, QuantMix keeps Llama-3-70B within 0.4 "
          "perplexity of the 16-bit model and runs 2.7x faster on a single RTX 4090."),
    Paper("2411.90003", "ShieldPrompt: Detecting Jailbreak Prompts with Perplexity-Aware Classifiers",
          "Jailbreak attacks craft prompts that make aligned language models produce harmful content. "
          "We introduce ShieldPrompt, a lightweight classifier that combines token-level perplexity "
          "features with a fine-tuned encoder to flag jailbreak attempts before they reach the model. "
          "On six public jailbreak benchmarks ShieldPrompt blocks 96% of attacks with a "
          "false-positive rate of 1.8% on benign instructions."),
)
SUMMARY_PAPERS = 2
CLIP_CHARS = 700
CLIP_LINES = 14


class Recorder:
    """The configured LLM as the summarizer and classifier see it, minus the cache, with every
    call's reply, verdict, latency and tokens kept for the report."""

    def __init__(self, llm: LLM):
        self._llm = llm
        self.calls: list[dict] = []

    def __getattr__(self, name: str):
        return getattr(self._llm, name)

    def cached(self, cache_key: str) -> None:
        return None

    def remember(self, *args, **kwargs) -> None:
        return None

    def remember_many(self, *args, **kwargs) -> None:
        return None

    def _start(self, kind: str, json_mode: bool) -> dict:
        call = {"kind": kind, "json_mode": json_mode, "reply": None, "problem": None,
                "error": None, "seconds": 0.0, "tokens": (0, 0),
                "_stats": dict(self._llm.stats), "_t0": time.monotonic()}
        self.calls.append(call)
        return call

    def _end(self, call: dict) -> None:
        before = call.pop("_stats")
        call["seconds"] = time.monotonic() - call.pop("_t0")
        now = self._llm.stats
        call["tokens"] = (now["prompt_tokens"] - before["prompt_tokens"],
                          now["completion_tokens"] - before["completion_tokens"])

    def _failed(self, call: dict, err: LLMError) -> None:
        if err.problem:  # the server answered and the reply check refused it
            call["reply"], call["problem"] = err.reply, err.problem or str(err)
        else:
            call["error"] = err

    def complete(self, *, kind: str, messages: list[dict], cache_key: str | None = None,
                 json_mode: bool = False, **options) -> str:
        """:meth:`LLM.complete` under kind ``doctor``, never from or into the cache."""
        call = self._start(kind, json_mode)
        try:
            text = self._llm.complete(kind="doctor", messages=messages, cache_key=None,
                                      json_mode=json_mode, **options)
        except LLMError as err:
            self._failed(call, err)
            raise
        finally:
            self._end(call)
        call["reply"] = text
        return text

    async def acomplete(self, *, kind: str, messages: list[dict], cache_key: str | None = None,
                        json_mode: bool = False, **options) -> str:
        """:meth:`complete` for asyncio callers."""
        call = self._start(kind, json_mode)
        try:
            text = await self._llm.acomplete(kind="doctor", messages=messages, cache_key=None,
                                             json_mode=json_mode, **options)
        except LLMError as err:
            self._failed(call, err)
            raise
        finally:
            self._end(call)
        call["reply"] = text
        return text


def clip(text: str) -> str:
    """A reply as the terminal should see it: control characters out, at most a screenful."""
    text = clean_text(text or "").strip()
    lines = text.splitlines()
    short = "\n".join(lines[:CLIP_LINES])
    if len(short) > CLIP_CHARS:
        short = short[:CLIP_CHARS].rstrip()
    if short != text:
        short += f"\n… ({len(text):,} characters in all)"
    return short


def _is_json(text: str) -> bool:
    try:
        json.loads(text.strip())
        return True
    except ValueError:
        return False


def _advice_for_error(err: LLMError, llm: LLM) -> str:
    cause = getattr(err, "cause", "")
    if isinstance(err, BudgetExceeded) or cause == "over budget":
        return (f"today's LLM budget is spent ({llm.budget:,} tokens, UTC day): builds use "
                "offline summaries until 00:00 UTC — raise DIGEST_DAILY_TOKEN_BUDGET to test now")
    if cause == "auth":
        return "401: the server refused the key — check OPENAI_API_KEY"
    if cause == "connection":
        return (f"cannot reach host {llm.host} — check OPENAI_BASE_URL and that the server "
                "is running")
    if cause == "timeout":
        return (f"no answer within {llm.timeout:g}s — raise DIGEST_LLM_TIMEOUT or use a "
                "smaller model")
    if cause == "rate limited":
        return "429: the server is rate limiting — lower DIGEST_LLM_CONCURRENCY or check the plan's limits"
    if cause in ("HTTP 404", "HTTP 400"):
        return (f"{cause}: the server does not know model {llm.model!r} or this endpoint — check "
                "DIGEST_MODEL and OPENAI_BASE_URL (it usually ends in /v1)")
    if cause == "server error":
        return "the server fails (HTTP 5xx) — check its logs"
    return f"the LLM call failed ({cause}): {err}"


def run(settings, store, taxonomy, say: Printer) -> int:
    """Print the diagnosis; 0 when both requests gave a reply a build would show (or no key)."""
    if not settings.llm_enabled:
        say("No OPENAI_API_KEY is set: the bot runs offline (keyword classifier, extractive "
            "summaries from the abstracts).")
        say("To use a model, set OPENAI_API_KEY in .env (any value for a local server), and "
            "OPENAI_BASE_URL for Ollama, vLLM, llama.cpp or LM Studio, e.g. "
            "http://localhost:11434/v1; then run `digest doctor` again.")
        return 0
    from digest.classify.llm import LLMClassifier
    from digest.summarize.llm import LLMSummarizer

    llm = LLM(settings, store)
    rec = Recorder(llm)
    say(f"server: {llm.host} · model: {llm.model} · cache: bypassed · "
        f"budget left today: {llm.budget_left():,} of {llm.budget:,} tokens")
    try:
        category = taxonomy.get("Inference acceleration") or taxonomy.fallback
        papers = list(SAMPLE[:SUMMARY_PAPERS])
        summary = LLMSummarizer(rec, settings).summarize(category, papers, settings.digest_language)
        summary_calls = list(rec.calls)
        _report("summary", f"{category.name}, {len(papers)} papers", summary_calls, say)
        shown = not summary.offline
        say(f"  would be shown: {'yes' if shown else 'no'} — "
            + ("the reply passed the checks a build applies" if shown else
               (summary.note or "the offline summary is used")))
        clf = LLMClassifier(rec, taxonomy, KeywordClassifier(taxonomy), unsure_below=2.0)
        clf.reserve = lambda categories: 0  # the doctor's one request is not a day's build
        labels = clf.classify(list(SAMPLE))
        class_calls = rec.calls[len(summary_calls):]
        _report("classification", f"{len(SAMPLE)} papers", class_calls, say)
        by_llm = sum(c.method == "llm" for c in labels.values())
        if by_llm:
            say(f"  would be shown: yes — the model labelled {by_llm} of {len(SAMPLE)} papers: "
                + ", ".join(f"{p.title.split(':')[0]} → {labels[p.arxiv_id].category}"
                            for p in SAMPLE if labels[p.arxiv_id].method == "llm"))
        else:
            say("  would be shown: no — no usable label; the keyword classifier labels the papers")
    finally:
        llm.close()
    if not class_calls and clf.last_stats.get("over_budget"):
        say("  not sent: the request does not fit in what is left of today's budget")
        rec.calls.append({"error": BudgetExceeded("over budget"), "json_mode": True})
    say("advice: " + _advice(llm, rec.calls, shown, by_llm))
    return 0 if shown and by_llm == len(SAMPLE) else 1


def _report(what: str, detail: str, calls: list[dict], say: Printer) -> None:
    if not calls:
        say(f"{what} request ({detail}): not sent")
        return
    for i, call in enumerate(calls, 1):
        label = what if len(calls) == 1 else f"{what} request {i}/{len(calls)}"
        prompt, completion = call["tokens"]
        say(f"{label} ({detail}): {call['seconds']:.2f} s, {prompt:,} prompt + "
            f"{completion:,} completion tokens")
        if call["error"] is not None:
            say(f"  error: {call['error']}")
            continue
        say("  reply:")
        say("    " + clip(call["reply"]).replace("\n", "\n    "))
        if call["problem"]:
            say(f"  problem: {call['problem']}")


def _advice(llm: LLM, calls: list[dict], summary_shown: bool, labelled: int) -> str:
    errors = [c["error"] for c in calls if c["error"] is not None]
    if errors:
        return _advice_for_error(errors[0], llm)
    class_calls = [c for c in calls if c["json_mode"]]
    if not summary_shown:
        problem = next((c["problem"] for c in calls if c["problem"] and not c["json_mode"]), "")
        return ("the model's summaries would not be shown"
                + (f" ({problem})" if problem else "")
                + ": builds fall back to offline summaries — try a larger or instruction-tuned model")
    if not labelled:
        return ("the model's classification replies are unusable: the keyword classifier is "
                "used (DIGEST_CLASSIFIER=keyword saves the calls)")
    if class_calls and not all(_is_json(c["reply"] or "") for c in class_calls):
        return "this model ignores JSON mode: free-text parsing is used (labels were still read)"
    return f"all good: {llm.model} writes the summaries and labels the papers a build sends it"
