"""The stock service as the device sees it: typed calls over httpx."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import httpx

from offline_store.errors import Refused, Unreachable
from wire import (
    API,
    DEVICE_HEADER,
    AssignRequest,
    BatchResult,
    BuildWavesRequest,
    BuildWavesResult,
    Confirmation,
    ConfirmationBatch,
    Event,
    ExceptionAction,
    ExceptionRow,
    FloorTask,
    MasterPage,
    OperatorRow,
    OrderState,
    PackWork,
    PickerSummary,
    Session,
    SessionRequest,
    SSCCBlock,
    StockRow,
    Wave,
    WaveState,
    WaveSummary,
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

    async def sign_out(self, token: str) -> None:
        """End a session at the service; its token works no more."""
        await self._call("DELETE", "/sessions", token=token)

    async def next_work(self, token: str) -> Wave | None:
        """The signed-in operator's wave, or None when there is no work."""
        data = await self._call("GET", "/work/next", token=token)
        return None if data is None else Wave.model_validate(data)

    async def master_page(self, kind: str, cursor: int) -> MasterPage:
        """Master data of ``kind`` changed since ``cursor``."""
        params = {"cursor": cursor, "limit": 5000}
        data = await self._call("GET", f"/master/{kind}", params=params)
        return MasterPage.model_validate(data)

    async def wave_state(self, wave_id: int) -> WaveState:
        """A wave as the service holds it: who has it, which lines are open."""
        return WaveState.model_validate(await self._call("GET", f"/waves/{wave_id}"))

    async def stock(
        self, *, location: str | None = None, product: str | None = None
    ) -> list[StockRow]:
        """On-hand quantities now, by location, product or both."""
        params = {k: v for k, v in (("location", location), ("product", product)) if v}
        rows = await self._call("GET", "/stock", params=params)
        return [StockRow.model_validate(row) for row in rows]

    # Supervision: every call needs a supervisor's session token.

    async def waves(
        self, *, status: Sequence[str] = (), limit: int = 1000
    ) -> list[WaveSummary]:
        """Waves of the given statuses with their progress, most urgent first."""
        params = {"status": list(status), "limit": limit, "order": "urgency"}
        rows = await self._call("GET", "/waves", params=params)
        return [WaveSummary.model_validate(row) for row in rows]

    async def pickers(self) -> list[PickerSummary]:
        """Pickers with their wave, last location and pace."""
        rows = await self._call("GET", "/pickers")
        return [PickerSummary.model_validate(row) for row in rows]

    async def users(self, token: str, *, role: str) -> list[OperatorRow]:
        """The people of a role, by name."""
        rows = await self._call("GET", "/users", token=token, params={"role": role})
        return [OperatorRow.model_validate(row) for row in rows]

    async def assign(
        self,
        token: str,
        wave_id: int,
        *,
        user_id: int | None = None,
        badge: str | None = None,
    ) -> WaveSummary:
        """Give a wave to a picker; Refused says why not."""
        body = AssignRequest(user_id=user_id, badge=badge).model_dump(exclude_none=True)
        data = await self._call(
            "POST", f"/waves/{wave_id}/assign", token=token, json=body
        )
        return WaveSummary.model_validate(data)

    async def wave_action(self, token: str, wave_id: int, action: str) -> WaveSummary:
        """Release, hold or cancel a wave."""
        data = await self._call("POST", f"/waves/{wave_id}/{action}", token=token)
        return WaveSummary.model_validate(data)

    async def build_waves(
        self, token: str, request: BuildWavesRequest
    ) -> BuildWavesResult:
        """Group the open orders onto carts."""
        data = await self._call(
            "POST", "/waves/build", token=token, json=request.model_dump()
        )
        return BuildWavesResult.model_validate(data)

    async def exceptions(self, token: str) -> list[ExceptionRow]:
        """Open exceptions, newest first."""
        rows = await self._call("GET", "/exceptions", token=token)
        return [ExceptionRow.model_validate(row) for row in rows]

    async def floor_tasks(self) -> list[FloorTask]:
        """Open returns to stock and recounts, oldest first."""
        rows = await self._call("GET", "/floor-tasks")
        return [FloorTask.model_validate(row) for row in rows]

    async def resolve(
        self, token: str, exception_id: int, action: ExceptionAction
    ) -> ExceptionRow:
        """Accept an exception, or have it recounted or returned to stock."""
        data = await self._call(
            "POST",
            f"/exceptions/{exception_id}/resolve",
            token=token,
            json={"action": action},
        )
        return ExceptionRow.model_validate(data)

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


class Link(httpx.AsyncBaseTransport):
    """The device's network, with a switch that cuts it (the demo's Wi-Fi)."""

    def __init__(self, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self.inner = inner or httpx.AsyncHTTPTransport()
        self.down = False
        """While True, every call fails as if the access point were gone."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("the network is switched off", request=request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


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
