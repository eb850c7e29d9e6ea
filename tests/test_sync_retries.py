"""Delivery under a flaky service: retries, Retry-After, one worker, reconnects."""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest
import stamina
from sqlalchemy import Engine, select

from offline_store.client import ServiceClient, retry_after
from offline_store.errors import SyncBusyError
from offline_store.journal import Journal
from offline_store.sync import RetryPolicy, SyncState, SyncWorker
from stock_service import schema
from stock_service.app import create_app
from terminal.device import Device
from tests.conftest import DEVICE_TOKEN, Switchable
from tests.test_sync import first_tasks, ledger_rows
from wire import Confirmation


class Flaky(httpx.AsyncBaseTransport):
    """Answers the first ``failures`` confirmation posts with ``status``."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        *,
        failures: int,
        status: int,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.inner = inner
        self.failures = failures
        self.status = status
        self.headers = headers or {}
        self.sent: list[list[str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/confirmations"):
            body = json.loads(await request.aread())
            self.sent.append([c["op_id"] for c in body["confirmations"]])
            if self.failures:
                self.failures -= 1
                return httpx.Response(self.status, headers=self.headers)
        return await self.inner.handle_async_request(request)


def worker_over(
    device: Device, transport: httpx.AsyncBaseTransport, retry: RetryPolicy
) -> SyncWorker:
    device.sync.close()  # this worker takes over the device's outbox
    client = ServiceClient(
        "http://service", device_token=DEVICE_TOKEN, transport=transport
    )
    return SyncWorker(device.journal, client, retry=retry)


NO_WAIT = RetryPolicy(wait_initial=0, wait_max=0, wait_jitter=0)


async def test_busy_answers_are_retried_with_the_same_operation_ids(
    device: Device, network: Switchable, engine: Engine
) -> None:
    user_id, tasks = await first_tasks(device, 3)
    for task in tasks:
        device.journal.confirm(task, kind="pick", user_id=user_id, quantity=1)
    flaky = Flaky(network, failures=3, status=503)
    worker = worker_over(device, flaky, NO_WAIT)

    assert await worker.drain()

    assert len(flaky.sent) == 4
    assert all(ops == flaky.sent[0] for ops in flaky.sent)
    assert ledger_rows(engine) == 3
    worker.close()


async def test_a_retry_after_hint_replaces_the_backoff(
    device: Device, network: Switchable
) -> None:
    user_id, tasks = await first_tasks(device, 1)
    device.journal.confirm(tasks[0], kind="pick", user_id=user_id, quantity=1)
    flaky = Flaky(network, failures=1, status=429, headers={"Retry-After": "0"})
    slow = RetryPolicy(wait_initial=600, wait_max=600, wait_jitter=0)
    worker = worker_over(device, flaky, slow)
    waits: list[float] = []
    stamina.instrumentation.set_on_retry_hooks([lambda d: waits.append(d.wait_for)])
    try:
        with stamina.set_testing(False):  # real waits: the hint must be used
            assert await worker.drain()
    finally:
        stamina.instrumentation.set_on_retry_hooks(None)
    assert waits == [0.0]
    worker.close()


def test_retry_after_reads_seconds_and_dates() -> None:
    assert retry_after("7") == 7.0
    assert retry_after(None) is None
    assert retry_after("soon") is None
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 28 <= (retry_after(later) or 0) <= 30


async def test_only_one_sync_worker_delivers_an_outbox(
    device: Device, network: Switchable
) -> None:
    await first_tasks(device, 1)
    other_journal = Journal(device.journal.store.path, device_id="demo-1")
    other = SyncWorker(
        other_journal,
        ServiceClient("http://service", device_token=DEVICE_TOKEN, transport=network),
    )
    assert await device.sync.drain()

    with pytest.raises(SyncBusyError):
        await other.drain()

    device.sync.close()
    assert await other.drain()
    other.close()
    other_journal.close()


async def test_the_worker_wakes_when_the_service_answers_again(
    device: Device, network: Switchable
) -> None:
    user_id, tasks = await first_tasks(device, 2)
    network.down = True
    for task in tasks:
        device.journal.confirm(task, kind="pick", user_id=user_id, quantity=1)
    device.sync.close()  # this worker takes over the device's outbox
    worker = SyncWorker(
        device.journal, device.client, interval=3600, max_backoff=3600, retry=NO_WAIT
    )
    for _ in range(20):  # long offline: the timer now waits up to an hour
        assert not await worker.drain()
    states: asyncio.Queue[SyncState] = asyncio.Queue()
    worker.on_change = states.put_nowait
    running = asyncio.create_task(worker.run())
    assert not (await states.get()).online

    network.down = False
    await device.client.ping()  # say, a sign-in: the network is back

    state = await asyncio.wait_for(states.get(), timeout=30)
    assert state.online
    assert state.queued == 0
    running.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await running


async def test_a_business_refusal_is_final_and_raises_an_exception_record(
    engine: Engine, tmp_path: Path
) -> None:
    def stock_changed(c: Confirmation) -> tuple[str, str] | None:
        if c.device_seq == 1:
            return ("stock_changed", "Stock changed; count it again.")
        return None

    network = Switchable(
        httpx.ASGITransport(app=create_app(engine, conflict=stock_changed))
    )
    device = Device(
        data_dir=tmp_path / "device",
        device_id="demo-1",
        server="http://service",
        device_token=DEVICE_TOKEN,
        transport=network,
    )
    user_id, tasks = await first_tasks(device, 2)
    for task in tasks:
        device.journal.confirm(task, kind="pick", user_id=user_id, quantity=1)

    assert await device.sync.drain()

    assert device.journal.queued() == 0
    assert ledger_rows(engine) == 1
    assert [r.reason_type for r in device.journal.unseen_rejections(user_id)] == [
        "stock_changed"
    ]
    with engine.connect() as conn:
        kinds = conn.execute(select(schema.exceptions.c.kind)).scalars().all()
        last_seq = conn.execute(select(schema.devices.c.last_seq)).scalar()
    assert "stock_changed" in kinds
    assert last_seq == 2
    await device.close()
