"""The stock service as the device sees it: typed calls over httpx."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import httpx

from offline_store.errors import Refused, Unreachable
from wire import (
    API,
    DEVICE_HEADER,
    BatchResult,
    Confirmation,
    ConfirmationBatch,
    Event,
    MasterPage,
    OrderState,
    PackWork,
    Session,
    SessionRequest,
    SSCCBlock,
    Wave,
)

log = logging.getLogger("offline_store")
# httpx logs whole URLs at INFO; keep it to warnings.
logging.getLogger("httpx").setLevel(logging.WARNING)

TIMEOUT = httpx.Timeout(5.0, connect=3.0)
# The service sends a keepalive every 15 s on a quiet stream.
STREAM_TIMEOUT = httpx.Timeout(5.0, connect=3.0, read=40.0)


class ServiceClient:
    """Calls of one enrolled device; errors become Unreachable or Refused."""

    def __init__(
        self,
        base_url: str,
        *,
        device_token: str,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout = TIMEOUT,
    ) -> None:
        self._http = httpx.AsyncClient(
            base_url=base_url,
            headers={DEVICE_HEADER: device_token},
            timeout=timeout,
            transport=transport,
        )
        self.on_answer: Callable[[], None] | None = None
        """Called whenever the service answers; the sync worker wakes on it."""

    async def sign_in(self, request: SessionRequest) -> Session:
        """Sign an operator in; Refused carries the service's sentence."""
        body = request.model_dump(exclude_none=True)
        return Session.model_validate(await self._call("POST", "/sessions", json=body))

    async def next_work(self, token: str) -> Wave | None:
        """The signed-in operator's wave, or None when there is no work."""
        data = await self._call("GET", "/work/next", token=token)
        return None if data is None else Wave.model_validate(data)

    async def master_page(self, kind: str, cursor: int) -> MasterPage:
        """Master data of ``kind`` changed since ``cursor``."""
        params = {"cursor": cursor, "limit": 5000}
        data = await self._call("GET", f"/master/{kind}", params=params)
        return MasterPage.model_validate(data)

    async def send(self, batch: list[Confirmation]) -> BatchResult:
        """Deliver confirmations; the same operation ids on every retry."""
        body = ConfirmationBatch(confirmations=batch).model_dump(mode="json")
        return BatchResult.model_validate(
            await self._call("POST", "/confirmations", json=body)
        )

    async def reserve_ssccs(self, count: int) -> SSCCBlock:
        """A block of SSCC serial references for this device."""
        data = await self._call("POST", "/sscc/reserve", json={"count": count})
        return SSCCBlock.model_validate(data)

    async def pack_work(self, code: str | None = None) -> PackWork:
        """What a tote or order number holds; without ``code``, every order
        ready for packing."""
        path = "/pack" if code is None else f"/pack/{quote(code, safe='')}"
        return PackWork.model_validate(await self._call("GET", path))

    async def order_state(self, order_id: str) -> OrderState:
        """Where an order stands at the service."""
        path = f"/orders/{quote(order_id, safe='')}"
        return OrderState.model_validate(await self._call("GET", path))

    async def events(self, *, after: int | None = None) -> AsyncIterator[Event]:
        """The service's event stream from after ``after`` (else from now).

        Ends when the connection does; the caller reconnects with the last
        ``seq`` it saw and misses nothing.
        """
        headers = {} if after is None else {"Last-Event-ID": str(after)}
        try:
            async with self._http.stream(
                "GET", f"{API}/events", headers=headers, timeout=STREAM_TIMEOUT
            ) as response:
                if response.status_code != 200:
                    raise Unreachable(f"No event stream ({response.status_code}).")
                data: list[str] = []
                async for line in response.aiter_lines():
                    if line.startswith("data:"):
                        data.append(line[5:].strip())
                    elif not line and data:
                        yield Event.model_validate_json("\n".join(data))
                        data = []
        except httpx.HTTPError as exc:
            raise Unreachable(f"The event stream broke off ({exc!r}).") from exc

    async def ping(self) -> None:
        """Raise Unreachable unless the service answers."""
        await self._call("GET", "/healthz", prefix="")

    async def close(self) -> None:
        """Close connections."""
        await self._http.aclose()

    async def _call(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        prefix: str = API,
        **kwargs: Any,
    ) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            response = await self._http.request(
                method, prefix + path, headers=headers, **kwargs
            )
        except httpx.HTTPError as exc:
            raise Unreachable(f"The stock service did not answer ({exc!r}).") from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise Unreachable(
                f"The stock service is busy ({response.status_code}).",
                retry_after=retry_after(response.headers.get("Retry-After")),
            )
        if self.on_answer is not None:
            self.on_answer()
        if response.status_code >= 400:
            try:
                problem = response.json()
                raise Refused(problem["type"], problem["detail"])
            except (ValueError, KeyError, TypeError):
                raise Refused("refused", f"Refused ({response.status_code}).") from None
        if response.status_code == 204:
            return None
        return response.json()


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
