"""An httpx transport that misdelivers on purpose, where a TCP proxy cannot.

Wrapped around the device's real transport, each request may be

- ``duplicated``: sent twice, the device reading the second answer;
- ``dropped``: delivered, the service commits, and the answer is thrown away;
- ``reordered``: held back (the device sees a failed send and retries), then
  delivered late, after a later request.
"""

from __future__ import annotations

import random
from collections import Counter

import httpx


class ChaosTransport(httpx.AsyncBaseTransport):
    """Duplicates, drops answers after commit, and reorders requests."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        *,
        seed: int,
        duplicate: float = 0.1,
        drop: float = 0.1,
        reorder: float = 0.1,
    ) -> None:
        self.inner = inner
        self.duplicate = duplicate
        self.drop = drop
        self.reorder = reorder
        self.injected: Counter[str] = Counter()
        self._rng = random.Random(seed)
        self._held: httpx.Request | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        roll = self._rng.random()
        if roll < self.reorder and self._held is None:
            self.injected["reordered"] += 1
            self._held = _copy(request, body)
            raise httpx.ConnectError("held back to arrive late", request=request)
        if roll < self.reorder + self.duplicate:
            self.injected["duplicated"] += 1
            await self._discard(_copy(request, body))
        response = await self.inner.handle_async_request(request)
        if self._held is not None:
            late, self._held = self._held, None
            await self._discard(late)
        if (
            self.reorder + self.duplicate
            <= roll
            < (self.reorder + self.duplicate + self.drop)
        ):
            self.injected["dropped"] += 1
            await response.aread()
            await response.aclose()
            raise httpx.ReadError("answer lost after the service committed")
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()

    async def _discard(self, request: httpx.Request) -> None:
        try:
            response = await self.inner.handle_async_request(request)
            await response.aread()
            await response.aclose()
        except httpx.HTTPError:
            pass


def _copy(request: httpx.Request, body: bytes) -> httpx.Request:
    # The extensions carry the client's timeouts: a copy without them could
    # wait forever on a hung connection.
    return httpx.Request(
        request.method,
        request.url,
        headers=request.headers,
        content=body,
        extensions=request.extensions,
    )
