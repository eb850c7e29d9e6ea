"""The supervisor's floor under Pilot, against the real service on loopback
(the live view follows its event stream) (issue #7)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select
from textual.pilot import Pilot
from textual.widgets import DataTable

from bench.service import LoopbackService, confirmation
from stock_service import schema
from terminal.app import PickwiseApp
from terminal.device import Device
from terminal.screens.assign import AssignScreen
from terminal.screens.floor import FloorScreen
from terminal.screens.menu import MenuScreen
from tests.conftest import DEVICE_TOKEN
from tests.test_terminal_picking import feedback
from wire import API, DEVICE_HEADER

WAIT_LIMIT_S = 10.0  # a bound on waiting for the service, never a timing


@pytest.fixture
async def bench_terminal(
    tmp_path: Path, served: LoopbackService
) -> AsyncIterator[Device]:
    device = Device(
        data_dir=tmp_path / "bench",
        device_id="demo-1",
        server=served.url,
        device_token=DEVICE_TOKEN,
    )
    yield device
    await device.close()


async def until(pilot: Pilot[int], condition: Any, what: str) -> None:
    deadline = time.monotonic() + WAIT_LIMIT_S
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        await pilot.pause(0.02)


async def open_floor(app: PickwiseApp, pilot: Pilot[int]) -> FloorScreen:
    await pilot.press(*"B3001", "enter")
    await until(pilot, lambda: isinstance(app.screen, MenuScreen), "signed in")
    await pilot.press("3")
    await until(pilot, lambda: isinstance(app.screen, FloorScreen), "floor shown")
    screen = app.screen
    assert isinstance(screen, FloorScreen)
    await until(pilot, lambda: rows(screen, "waves") and screen.live, "live waves")
    return screen


def rows(screen: FloorScreen, tab: str) -> list[list[str]]:
    table = screen.query_one(f"#{tab}-table", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def first_wave(engine: Engine) -> Any:
    with engine.connect() as conn:
        wave_id = conn.execute(
            select(schema.waves.c.wave_id).where(schema.waves.c.assigned_to == 1)
        ).scalar_one()
        tasks = conn.execute(
            select(schema.pick_tasks)
            .where(schema.pick_tasks.c.wave_id == wave_id)
            .order_by(schema.pick_tasks.c.seq)
        ).all()
    return wave_id, tasks


async def confirm(url: str, task: Any, *, seq: int, **changes: Any) -> None:
    body = confirmation(task, seq=seq, op_id=f"floor-{seq}", **changes)
    async with httpx.AsyncClient(
        base_url=url, headers={DEVICE_HEADER: DEVICE_TOKEN}
    ) as http:
        answer = await http.post(
            f"{API}/confirmations",
            json={"confirmations": [body.model_dump(mode="json")]},
        )
        answer.raise_for_status()


@pytest.mark.parametrize(("size", "columns"), [((40, 16), 4), ((120, 40), 11)])
async def test_the_floor_lists_waves_in_progress_first_at_both_sizes(
    bench_terminal: Device, engine: Engine, size: tuple[int, int], columns: int
) -> None:
    app = PickwiseApp(bench_terminal)
    async with app.run_test(size=size) as pilot:
        screen = await open_floor(app, pilot)
        waves = rows(screen, "waves")

    wave_id, tasks = first_wave(engine)
    name = f"W{wave_id:04d}"
    assert waves[0][0] == name and waves[0][2] == "Pat Picker"
    assert waves[0][1].endswith(f" 0/{len(tasks)}")
    assert {len(row) for row in waves} == {columns}
    assert len(waves) == 21  # the wave in progress and the next 20 released


async def test_a_confirmation_reaches_the_supervisor_within_a_second(
    bench_terminal: Device, served: LoopbackService, engine: Engine
) -> None:
    _, tasks = first_wave(engine)
    app = PickwiseApp(bench_terminal)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_floor(app, pilot)
        await confirm(served.url, tasks[0], seq=1)
        sent = time.monotonic()
        await until(
            pilot,
            lambda: rows(screen, "waves")[0][1].endswith(f" 1/{len(tasks)}"),
            "the pick shown",
        )
        delay = time.monotonic() - sent
        pickers = rows(screen, "pickers")

    assert delay < 1.0
    assert pickers[0][:3] == ["Pat Picker", rows_name(tasks), tasks[0].location]


def rows_name(tasks: list[Any]) -> str:
    return f"W{tasks[0].wave_id:04d}"


async def test_a_supervisor_reassigns_a_wave_by_scanning_a_badge(
    bench_terminal: Device, engine: Engine
) -> None:
    app = PickwiseApp(bench_terminal)
    async with app.run_test(size=(40, 16)) as pilot:
        screen = await open_floor(app, pilot)
        await pilot.press("f4")
        await until(pilot, lambda: isinstance(app.screen, AssignScreen), "asked who")
        await pilot.press(*"B1002", "enter")
        await until(
            pilot, lambda: rows(screen, "waves")[0][2] == "Robin Runner", "moved"
        )
        told = feedback(app)

    wave_id, _ = first_wave_of(engine, 2)
    assert f"W{wave_id:04d} is now Robin Runner's." in told


def first_wave_of(engine: Engine, user_id: int) -> tuple[int, None]:
    with engine.connect() as conn:
        return (
            conn.execute(
                select(schema.waves.c.wave_id).where(
                    schema.waves.c.assigned_to == user_id
                )
            ).scalar_one(),
            None,
        )


async def test_a_short_pick_appears_live_and_is_sent_to_recount(
    bench_terminal: Device, served: LoopbackService, engine: Engine
) -> None:
    _, tasks = first_wave(engine)
    task = next(t for t in tasks if t.quantity > 1)
    app = PickwiseApp(bench_terminal)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_floor(app, pilot)
        await confirm(served.url, task, seq=1, kind="short", quantity=1, reason="empty")
        await until(pilot, lambda: rows(screen, "exceptions"), "the short shown")
        short = rows(screen, "exceptions")[0]
        await pilot.press("3", "f5")
        await until(pilot, lambda: not rows(screen, "exceptions"), "resolved")
        told = feedback(app)
        await until(pilot, lambda: rows(screen, "tasks"), "the recount listed")
        listed = rows(screen, "tasks")

    assert short[:3] == ["short pick", task.location, str(task.quantity - 1)]
    assert f"recount of {task.location} asked for" in told
    assert [row[:3] for row in listed] == [["recount", task.location, task.sku]]
    with engine.connect() as conn:
        recount = conn.execute(select(schema.floor_tasks)).one()
    assert (recount.kind, recount.location) == ("recount", task.location)
