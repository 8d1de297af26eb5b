"""A total deadline per HTTP attempt for the openai SDK's httpx clients.

httpx timeouts are per read: a server trickling one byte every half second never trips them, so
a slow LLM server could hold a build for ever. These event hooks stamp each request with a
deadline and make its body raise ``ReadTimeout`` once that passes; the SDK then retries or fails
like any timeout.
"""

from __future__ import annotations

import time

import httpx2


class _DeadlineStream(httpx2.SyncByteStream):
    """A response body that raises ReadTimeout once the request's total deadline has passed.

    httpx timeouts are per read: a server trickling one byte every half second never trips
    them. The deadline is set when the request is sent (connect + headers + body count)."""

    def __init__(self, stream, deadline: float, request):
        self._stream, self._deadline, self._request = stream, deadline, request

    def __iter__(self):
        for chunk in self._stream:
            if time.monotonic() > self._deadline:
                raise httpx2.ReadTimeout("the reply did not complete within the total deadline",
                                         request=self._request)
            yield chunk

    def close(self) -> None:
        self._stream.close()


class _AsyncDeadlineStream(httpx2.AsyncByteStream):
    """:class:`_DeadlineStream` for the async client."""

    def __init__(self, stream, deadline: float, request):
        self._stream, self._deadline, self._request = stream, deadline, request

    async def __aiter__(self):
        async for chunk in self._stream:
            if time.monotonic() > self._deadline:
                raise httpx2.ReadTimeout("the reply did not complete within the total deadline",
                                         request=self._request)
            yield chunk

    async def aclose(self) -> None:
        await self._stream.aclose()


def deadline_hooks(total: float, *, asynchronous: bool = False) -> dict:
    """httpx event hooks that bound each HTTP attempt to ``total`` seconds overall."""

    def stamp(request) -> None:
        request.extensions["digest_deadline"] = time.monotonic() + total

    def limit(response) -> None:
        deadline = response.request.extensions.get("digest_deadline")
        if deadline is not None:
            response.stream = _DeadlineStream(response.stream, deadline, response.request)

    if not asynchronous:
        return {"request": [stamp], "response": [limit]}

    async def astamp(request) -> None:
        stamp(request)

    async def alimit(response) -> None:
        deadline = response.request.extensions.get("digest_deadline")
        if deadline is not None:
            response.stream = _AsyncDeadlineStream(response.stream, deadline, response.request)

    return {"request": [astamp], "response": [alimit]}
