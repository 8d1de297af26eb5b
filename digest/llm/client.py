"""The one place that talks to the openai SDK: clients, calls, the total deadline, reply checks.

The cache, the daily budget and the ``llm_usage`` rows are kept by :class:`digest.llm.ledger.Ledger`.

``LLM(settings, store)`` builds ``OpenAI`` / ``AsyncOpenAI`` clients from OPENAI_API_KEY,
OPENAI_BASE_URL (OpenAI, Azure's ``/openai/v1/``, Ollama, vLLM, llama.cpp, LM Studio),
DIGEST_MODEL, DIGEST_LLM_TIMEOUT and DIGEST_LLM_MAX_RETRIES. Every call goes through
:meth:`LLM.complete` (threads) or :meth:`LLM.acomplete` (asyncio), which

1. answer from ``llm_cache`` when the same request was answered before (no call, no tokens);
2. reserve an estimate of the call's tokens against DIGEST_DAILY_TOKEN_BUDGET (UTC day) and
   raise :class:`BudgetExceeded` instead of calling when it would not fit;
3. call the SDK, which retries timeouts, 429 and 5xx itself (``max_retries``); each HTTP
   attempt has a total deadline of DIGEST_LLM_TIMEOUT (connect + headers + body), so a server
   that trickles its reply cannot hold a build (httpx's own timeouts are per read);
4. record the call in ``llm_usage`` (tokens from the reply's ``usage``, ok or the cause);
5. redact the key and secret-looking tokens from the reply; reject an empty reply, a refusal,
   one over ``max_chars``, one cut off at ``max_tokens`` (when the caller says so) or one the
   caller's ``validate`` refuses, else cache it. A rejected reply's error carries the text and
   whether it failed on form only (``repairable``), so the caller may ask once more.

Failures surface as :class:`LLMError` subclasses whose text is one line naming the cause,
never the key. Servers that reject ``response_format`` or ``max_tokens`` (some local servers,
reasoning models) are retried once without it, and the choice is remembered.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import weakref
from collections.abc import Callable
from urllib.parse import urlsplit

import openai
from openai import AsyncOpenAI, OpenAI

from digest.llm.deadline import deadline_hooks
from digest.llm.ledger import Ledger, content_of, estimate_call, estimate_tokens
from digest.llm.redact import redact_secrets

log = logging.getLogger(__name__)

Validator = Callable[[str], object]  # raises ValueError on a reply that must not be used


class LLMError(Exception):
    """An LLM result is not available; ``str()`` is one line, ``cause`` a short word for notes."""

    cause = "error"
    reply: str = ""          # the rejected reply (capped, secrets redacted), for a repair request
    problem: str = ""        # what was wrong with it, one line (quoted in a repair request)
    repairable: bool = False  # the reply failed on form only: one follow-up request may fix it

    def __init__(self, message: str, cause: str | None = None):
        super().__init__(message)
        if cause:
            self.cause = cause


class BudgetExceeded(LLMError):
    """The call would take the day's tokens past DIGEST_DAILY_TOKEN_BUDGET; nothing was sent."""

    cause = "over budget"


class LLMUnavailable(LLMError):
    """No key, a failure after the SDK's retries, or an empty, malformed or refused reply."""

    cause = "unavailable"


_SECRETISH = re.compile(r"(?i)\b(?:sk|key|api[-_]?key)[-_][A-Za-z0-9_\-]{6,}|\bBearer\s+\S+")
_REFUSAL_FINISH = {"content_filter"}
MAX_REPLY_CHARS = 200_000   # any reply longer is refused before anything reads it (callers cap lower)


class LLM:
    """Cached, budgeted, recorded chat completions; ``enabled`` is False without a key."""

    def __init__(self, settings, store, *, http_client=None):
        self.settings = settings
        self.store = store
        self.model: str = settings.digest_model
        key = settings.openai_api_key
        self._key: str | None = key.get_secret_value() if key is not None else None
        self.enabled: bool = bool(self._key)
        self.timeout: float = settings.digest_llm_timeout
        self.max_retries: int = settings.digest_llm_max_retries
        self.base_url: str | None = settings.openai_base_url or None
        self._http_client = http_client
        self._client: OpenAI | None = None
        self._aclients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._client_lock = threading.Lock()
        self._stats_lock = threading.Lock()
        self._unsupported: set[str] = set()  # request parameters this server rejected
        self.stats = {"calls": 0, "cache_hits": 0, "failures": 0,
                      "prompt_tokens": 0, "completion_tokens": 0}
        self.ledger = Ledger(store, self.model, settings.digest_daily_token_budget)

    # --- clients ---------------------------------------------------------------------------
    def _client_args(self) -> dict:
        args = {"api_key": self._key, "timeout": self.timeout, "max_retries": self.max_retries}
        if self.base_url:
            args["base_url"] = self.base_url
        return args

    @property
    def client(self) -> OpenAI:
        self._require_enabled()
        with self._client_lock:
            if self._client is None:
                http = self._http_client or openai.DefaultHttpxClient(
                    event_hooks=deadline_hooks(self.timeout))
                self._client = OpenAI(**self._client_args(), http_client=http)
            return self._client

    def _async_client(self) -> AsyncOpenAI:
        """One AsyncOpenAI per event loop: an async connection pool cannot outlive its loop."""
        self._require_enabled()
        loop = asyncio.get_running_loop()
        with self._client_lock:
            client = self._aclients.get(loop)
            if client is None:
                http = openai.DefaultAsyncHttpxClient(
                    event_hooks=deadline_hooks(self.timeout, asynchronous=True))
                client = self._aclients[loop] = AsyncOpenAI(**self._client_args(), http_client=http)
            return client

    def close(self) -> None:
        """Close the sync client (async clients: :meth:`aclose` inside their loop)."""
        with self._client_lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    async def aclose(self) -> None:
        """Close this event loop's AsyncOpenAI client, if one was made."""
        with self._client_lock:
            client = self._aclients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.close()

    @property
    def host(self) -> str:
        """The server's host (no credentials, no path), for messages."""
        url = self.base_url or "https://api.openai.com/v1"
        return urlsplit(url).hostname or url

    def _require_enabled(self) -> None:
        if not self.enabled:
            raise LLMUnavailable("LLM not configured: OPENAI_API_KEY is not set", cause="no key")

    # --- public API --------------------------------------------------------------------------
    def complete(self, *, kind: str, messages: list[dict], max_tokens: int = 1200,
                 cache_key: str | None = None, json_mode: bool = False,
                 validate: Validator | None = None, cut_off_ok: bool = True,
                 max_chars: int = MAX_REPLY_CHARS) -> str:
        """The reply text for ``messages``, from the cache or one (SDK-retried) call.

        ``cut_off_ok=False`` refuses a reply that stopped at ``max_tokens``
        (``finish_reason == "length"``); ``max_chars`` refuses a longer reply before
        ``validate`` sees it. Secrets (the key, token-looking strings) are redacted from
        every reply before it is validated, cached or returned."""
        key = self._full_key(cache_key)
        hit = self._cache_get(key, kind, validate)
        if hit is not None:
            return hit
        self._require_enabled()
        estimate = self._reserve(messages, max_tokens)
        try:
            try:
                response = self._call(messages, max_tokens, json_mode)
            except Exception as err:  # noqa: BLE001 - every SDK failure becomes one LLMError
                raise self._failed(kind, err, estimate) from None
            return self._finish(kind, key, response, messages, validate, cut_off_ok, max_chars)
        finally:
            self._release(estimate)

    async def acomplete(self, *, kind: str, messages: list[dict], max_tokens: int = 1200,
                        cache_key: str | None = None, json_mode: bool = False,
                        validate: Validator | None = None, cut_off_ok: bool = True,
                        max_chars: int = MAX_REPLY_CHARS) -> str:
        """:meth:`complete` for asyncio code (AsyncOpenAI; the cache and budget are shared)."""
        key = self._full_key(cache_key)
        hit = self._cache_get(key, kind, validate)
        if hit is not None:
            return hit
        self._require_enabled()
        estimate = self._reserve(messages, max_tokens)
        try:
            try:
                response = await self._acall(messages, max_tokens, json_mode)
            except Exception as err:  # noqa: BLE001
                raise self._failed(kind, err, estimate) from None
            return self._finish(kind, key, response, messages, validate, cut_off_ok, max_chars)
        finally:
            self._release(estimate)

    @property
    def budget(self) -> int:
        return self.ledger.budget

    def used_today(self) -> int:
        """Tokens recorded in ``llm_usage`` for the current UTC day."""
        return self.ledger.used_today()

    def budget_left(self) -> int:
        """Tokens still allowed today (UTC), less those reserved by calls in flight."""
        return self.ledger.budget_left()

    def cached(self, cache_key: str) -> str | None:
        """A reply stored under ``cache_key`` (as given to :meth:`complete`), without a call."""
        return self.ledger.lookup(self.ledger.full_key(cache_key))

    def remember(self, cache_key: str, kind: str, value: str) -> None:
        """Store ``value`` under ``cache_key`` as if a call had returned it."""
        self.remember_many([(cache_key, value)], kind)

    def remember_many(self, items: list[tuple[str, str]], kind: str) -> None:
        """:meth:`remember` for many ``(cache_key, value)`` pairs, in one transaction."""
        self.ledger.put_many(items, kind)

    # --- SDK calls ----------------------------------------------------------------------------
    def _params(self, messages: list[dict], max_tokens: int, json_mode: bool) -> dict:
        params: dict = {"model": self.model, "messages": messages}
        if "max_tokens" in self._unsupported:
            params["max_completion_tokens"] = max_tokens
        else:
            params["max_tokens"] = max_tokens
        if json_mode and "response_format" not in self._unsupported:
            params["response_format"] = {"type": "json_object"}
        return params

    def _rejected(self, err: openai.BadRequestError, params: dict) -> str | None:
        """The parameter a 400 complains about, if dropping it could help (once each)."""
        body = err.body if isinstance(err.body, dict) else {}
        text = f"{body.get('param') or ''} {err.message}".lower()
        for name in ("response_format", "max_tokens"):
            if name in params and name not in self._unsupported and name in text:
                return name
        return None

    def _call(self, messages, max_tokens, json_mode):
        while True:
            params = self._params(messages, max_tokens, json_mode)
            try:
                return self.client.chat.completions.create(**params)
            except openai.BadRequestError as err:
                name = self._rejected(err, params)
                if name is None:
                    raise
                log.info("LLM server rejects %s: retrying without it", name)
                self._unsupported.add(name)

    async def _acall(self, messages, max_tokens, json_mode):
        client = self._async_client()
        while True:
            params = self._params(messages, max_tokens, json_mode)
            try:
                return await client.chat.completions.create(**params)
            except openai.BadRequestError as err:
                name = self._rejected(err, params)
                if name is None:
                    raise
                log.info("LLM server rejects %s: retrying without it", name)
                self._unsupported.add(name)

    # --- results --------------------------------------------------------------------------
    def _finish(self, kind: str, key: str | None, response, messages: list[dict],
                validate: Validator | None, cut_off_ok: bool = True,
                max_chars: int = MAX_REPLY_CHARS) -> str:
        text, problem, cause, repairable, raw_len = "", None, None, False, 0
        try:
            choice = response.choices[0]
            message = choice.message
            text = message.content or ""
            raw_len = len(text)
            text = redact_secrets(text[: max_chars + 1].strip(), self._key)
            if getattr(message, "refusal", None) or choice.finish_reason in _REFUSAL_FINISH:
                problem, cause = f"the model refused ({choice.finish_reason})", "refusal"
            elif not text:
                problem, cause = f"empty reply (finish_reason={choice.finish_reason})", "empty reply"
            elif raw_len > max_chars:
                problem, cause = (f"reply of {raw_len:,} characters, over the {max_chars:,} cap",
                                  "reply too long")
            elif choice.finish_reason == "length" and not cut_off_ok:
                problem, cause = "reply cut off at the token limit (finish_reason=length)", "cut off"
                repairable = True
        except (AttributeError, IndexError, TypeError):
            problem, cause = "malformed response (no choices)", "malformed reply"
        usage = getattr(response, "usage", None)
        # servers that report no usage, or figures that are no count: an estimate instead
        prompt = _token_count(getattr(usage, "prompt_tokens", None),
                              sum(estimate_tokens(content_of(m)) for m in messages))
        completion = _token_count(getattr(usage, "completion_tokens", None), estimate_tokens(text))
        if problem is None and validate is not None:
            try:
                validate(text)
            except ValueError as err:
                problem = f"unusable reply: {_one_line(str(err))}"
                cause = getattr(err, "cause", None) or "malformed reply"
                repairable = bool(getattr(err, "repairable", False))
        self._record(kind, int(prompt), int(completion), problem)
        if problem is not None:
            err = LLMUnavailable(f"LLM {kind} call to {self.model}: {problem}", cause=cause)
            err.reply, err.repairable, err.problem = text[:max_chars], repairable, problem
            log.warning("%s", err)
            raise err
        if key is not None:
            self.ledger.put(key, kind, text)
        return text

    def _failed(self, kind: str, err: Exception, estimate: int) -> LLMUnavailable:
        """Map an SDK exception to one safe line; record it (a timeout may still be billed)."""
        tries = f"after {self.max_retries} retries" if self.max_retries else "no retries"
        prompt_tokens = 0
        if isinstance(err, openai.APITimeoutError):
            cause, what = "timeout", f"timed out after {self.timeout:g}s ({tries})"
            prompt_tokens = estimate
        elif isinstance(err, openai.APIConnectionError):
            cause, what = "connection", f"cannot reach {self.host} ({tries})"
        elif isinstance(err, openai.RateLimitError):
            cause, what = "rate limited", f"HTTP 429 rate limited ({tries})"
        elif isinstance(err, openai.AuthenticationError):
            cause, what = "auth", "HTTP 401: the server refused the API key"
        elif isinstance(err, openai.APIStatusError):
            status = err.status_code
            cause = "server error" if status >= 500 else f"HTTP {status}"
            what = f"HTTP {status}" + (f" ({tries})" if status >= 500 else "")
        else:
            cause, what = "malformed reply", f"malformed response ({type(err).__name__})"
        detail = getattr(err, "message", "") if isinstance(err, openai.APIStatusError) else ""
        if detail:
            what += ": " + self._redact(detail)[:160]
        self._record(kind, prompt_tokens, 0, what)
        failure = LLMUnavailable(f"LLM {kind} call to {self.model} at {self.host}: {what}", cause=cause)
        log.warning("%s", failure)
        return failure

    def _redact(self, text: str) -> str:
        text = _one_line(text)
        if self._key:
            text = text.replace(self._key, "***")
        return _SECRETISH.sub("***", text)

    # --- ledger -----------------------------------------------------------------------------
    def _reserve(self, messages: list[dict], max_tokens: int) -> int:
        estimate = estimate_call(messages, max_tokens)
        refusal = self.ledger.reserve(estimate)
        if refusal is not None:
            raise BudgetExceeded(refusal)
        return estimate

    def _release(self, estimate: int) -> None:
        self.ledger.release(estimate)

    def _full_key(self, cache_key: str | None) -> str | None:
        return self.ledger.full_key(cache_key)

    def _cache_get(self, key: str | None, kind: str, validate: Validator | None) -> str | None:
        text = self.ledger.lookup(key)
        if text is None:
            return None
        text = redact_secrets(text, self._key)  # stored before redaction existed, or another key
        if validate is not None:
            try:
                validate(text)
            except ValueError:
                return None
        with self._stats_lock:
            self.stats["cache_hits"] += 1
        self.ledger.record_hit(kind)
        return text

    def _record(self, kind: str, prompt: int, completion: int, error: str | None) -> None:
        with self._stats_lock:
            self.stats["calls"] += 1
            self.stats["prompt_tokens"] += prompt
            self.stats["completion_tokens"] += completion
            self.stats["failures"] += error is not None
        self.ledger.record(kind, prompt, completion, error)


MAX_CALL_TOKENS = 100_000_000  # more than any real call; keeps a count inside SQLite's integers


def _token_count(value: object, estimate: int) -> int:
    """A server's usage figure as a token count, or ``estimate`` when it is none: missing, not a
    number, negative (it would refund the day's budget) or beyond any real call."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= MAX_CALL_TOKENS:
        return estimate
    return int(value)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())
