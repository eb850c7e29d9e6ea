"""The event stream: every applied change, in order, resumable without gaps."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from sqlalchemy import Engine, select

from bench.proxy import FaultProxy
from bench.service import LoopbackService, confirmation
from offline_store.client import ServiceClient
from stock_service import schema
from terminal.workflows.supervising import Supervision
from tests.conftest import DEVICE_TOKEN
from wire import API, DEVICE_HEADER, Event


def tasks(engine: Engine, count: int) -> list[Any]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                select(schema.pick_tasks)
                .order_by(schema.pick_tasks.c.task_id)
                .limit(count)
            )
        )


def picked(task: Any, seq: int) -> dict[str, Any]:
    return confirmation(task, seq=seq, op_id=f"op-{seq}").model_dump(mode="json")


async def send(url: str, batch: list[dict[str, Any]]) -> None:
    async with httpx.AsyncClient(
        base_url=url, headers={DEVICE_HEADER: DEVICE_TOKEN}
    ) as http:
        answer = await http.post(f"{API}/confirmations", json={"confirmations": batch})
        answer.raise_for_status()


async def read(client: ServiceClient, after: int | None, kinds: set[str], n: int):
    """The first ``n`` events of ``kinds`` on a fresh stream, and every seq seen
    (the stream's hello, which names where it starts, first)."""
    wanted: list[Event] = []
    seen: list[int] = []
    async for event in client.events(after=after):
        assert (event.kind == "hello") == (not seen)
        seen.append(event.seq)
        if event.kind in kinds:
            wanted.append(event)
        if len(wanted) == n:
            break
    return wanted, seen


async def test_a_movement_reaches_a_listener_at_once(
    served: LoopbackService, engine: Engine
) -> None:
    client = ServiceClient(served.url, device_token=DEVICE_TOKEN)
    warm_up, task = tasks(engine, 2)
    stream = client.events(after=0)
    await send(served.url, [picked(warm_up, 1)])
    while (await anext(stream)).kind != "movement":
        pass  # the stream is live once the first pick arrived on it

    await send(served.url, [picked(task, 2)])
    sent = time.monotonic()
    event = await anext(stream)
    while event.kind != "movement":
        event = await anext(stream)
    delay = time.monotonic() - sent
    await stream.aclose()
    await client.close()

    assert event.body["sku"] == task.sku
    assert event.body["delta"] == -task.quantity
    assert event.body["wave_id"] == task.wave_id
    assert delay < 1.0


async def test_a_listener_that_lost_the_stream_catches_up_without_gaps(
    served: LoopbackService, engine: Engine
) -> None:
    client = ServiceClient(served.url, device_token=DEVICE_TOKEN)
    first, second, third = tasks(engine, 3)
    await send(served.url, [picked(first, 1)])
    (before,), seen_before = await read(client, 0, {"movement"}, 1)

    # The stream is gone (read() closed it); two more picks happen meanwhile.
    await send(served.url, [picked(second, 2), picked(third, 3)])
    moved, seen_after = await read(client, seen_before[-1], {"movement"}, 2)
    await client.close()

    assert [e.body["task_id"] for e in moved] == [second.task_id, third.task_id]
    assert seen_after[0] == seen_before[-1]  # the hello: resumed right there
    assert seen_after == list(range(seen_after[0], seen_after[-1] + 1))
    assert before.body["task_id"] == first.task_id


async def test_the_floor_resumes_a_dropped_stream_and_misses_no_event(
    served: LoopbackService, engine: Engine
) -> None:
    first, second, third = tasks(engine, 3)
    with FaultProxy(served.port, toxicity=0, seed=1) as proxy:
        client = ServiceClient(proxy.url, device_token=DEVICE_TOKEN)
        floor = Supervision(client, token="unused: events need no session")
        seen: list[Event] = []
        states: list[bool] = []
        arrived, delivered = asyncio.Event(), asyncio.Event()

        async def on_event(event: Event) -> None:
            seen.append(event)
            arrived.set()
            if sum(e.kind == "movement" for e in seen) == 3:
                delivered.set()

        async def follow() -> None:
            async for live in floor.follow(on_event):
                states.append(live)
                if live and len(states) == 1:
                    await send(served.url, [picked(first, 1)])
                if not live:  # dropped: two picks happen before it comes back
                    await send(served.url, [picked(second, 2), picked(third, 3)])
                    proxy.set_down(False)

        following = asyncio.create_task(follow())
        await asyncio.wait_for(arrived.wait(), timeout=10)
        proxy.set_down(True)
        await asyncio.wait_for(delivered.wait(), timeout=10)
        following.cancel()
        await client.close()

    moved = [e.body["task_id"] for e in seen if e.kind == "movement"]
    assert moved == [first.task_id, second.task_id, third.task_id]
    assert states[:3] == [True, False, True]
    assert [e.seq for e in seen] == sorted({e.seq for e in seen})
