"""The terminal under Pilot, against the real service: a picker works a wave."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import Engine, select
from textual.pilot import Pilot
from textual.widgets import Static

from offline_store.client import Link
from stock_service import schema
from terminal.app import PickwiseApp
from terminal.device import Device
from terminal.screens.menu import MenuScreen
from terminal.screens.pick import PickScreen
from terminal.widgets.feedback_line import FeedbackLine
from terminal.widgets.status_line import StatusLine
from terminal.workflows.picking import Step
from tests.conftest import DEVICE_TOKEN, Switchable, until


@asynccontextmanager
async def running(
    device: Device, size: tuple[int, int] = (40, 16), demo: bool = False
) -> AsyncIterator[tuple[PickwiseApp, Pilot[int]]]:
    app = PickwiseApp(device, demo=demo)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        yield app, pilot


async def scan(pilot: Pilot[int], text: str) -> None:
    """What a keyboard-wedge scanner does: the characters, then Enter."""
    await pilot.press(*text, "enter")
    await pilot.pause()


async def open_wave(app: PickwiseApp, pilot: Pilot[int]) -> PickScreen:
    await scan(pilot, "B1001")
    assert isinstance(app.screen, MenuScreen)
    await pilot.press("1")
    await until(pilot, lambda: isinstance(app.screen, PickScreen))
    assert isinstance(app.screen, PickScreen)
    return app.screen


def feedback(app: PickwiseApp) -> str:
    return str(app.screen.query_one(FeedbackLine).render())


def stock_of(engine: Engine) -> dict[tuple[str, str], int]:
    with engine.connect() as conn:
        rows = conn.execute(select(schema.stock)).all()
    return {(row.location, row.sku): row.quantity for row in rows}


async def pick_whole_wave(pilot: Pilot[int], screen: PickScreen) -> int:
    """Type every scan the wave asks for, key by key."""
    lines = screen.flow.total
    while screen.flow.step is not Step.DONE:
        await scan(pilot, screen.flow.expected_scan())
    return lines


async def pick_with_demo_key(pilot: Pilot[int], screen: PickScreen) -> int:
    """The demo key 'scans' what each step expects."""
    lines = screen.flow.total
    while screen.flow.step is not Step.DONE:
        await pilot.press("f9")
        await pilot.pause()
    return lines


async def test_a_picker_completes_a_demo_wave_by_typed_scans(
    device: Device, engine: Engine
) -> None:
    before = stock_of(engine)
    async with running(device) as (app, pilot):
        screen = await open_wave(app, pilot)
        tasks = list(screen.flow.queue)
        await pick_whole_wave(pilot, screen)
        assert "done" in str(screen.query_one("#prompt", Static).render())
        await device.sync.drain()

    with engine.connect() as conn:
        ledger = conn.execute(select(schema.ledger)).all()
    assert sorted(row.task_id for row in ledger) == sorted(t.task_id for t in tasks)
    after = stock_of(engine)
    for task in tasks:
        picked = sum(
            t.quantity
            for t in tasks
            if (t.location, t.sku) == (task.location, task.sku)
        )
        assert (
            after[task.location, task.sku] == before[task.location, task.sku] - picked
        )
    assert device.journal.queued() == 0


async def test_a_wave_picked_offline_is_applied_once_when_back_online(
    device: Device, engine: Engine, network: Switchable
) -> None:
    async with running(device, demo=True) as (app, pilot):
        screen = await open_wave(app, pilot)
        network.down = True
        lines = await pick_with_demo_key(pilot, screen)
        await device.sync.drain()
        assert device.journal.queued() == lines
        with engine.connect() as conn:
            assert conn.execute(select(schema.ledger)).all() == []

        network.down = False
        assert await device.sync.drain()
        pending_again = device.journal.pending()
    assert pending_again == []

    with engine.connect() as conn:
        ledger = conn.execute(select(schema.ledger)).all()
    assert len(ledger) == lines
    assert len({row.op_id for row in ledger}) == lines


async def test_wrong_location_keeps_the_step_and_names_the_expected_one(
    device: Device,
) -> None:
    async with running(device) as (app, pilot):
        screen = await open_wave(app, pilot)
        task = screen.flow.task
        assert task is not None
        await scan(pilot, "16-40-4")
        assert screen.flow.step is Step.LOCATION
        assert f"Go to {task.location}" in feedback(app)


async def test_wrong_product_keeps_the_step_and_names_the_expected_one(
    device: Device,
) -> None:
    async with running(device) as (app, pilot):
        screen = await open_wave(app, pilot)
        task = screen.flow.task
        assert task is not None
        await scan(pilot, task.location)
        await scan(pilot, "85099B" if task.sku != "85099B" else "22423")
        assert screen.flow.step is Step.PRODUCT
        assert f"Scan {task.sku}" in feedback(app)


async def test_the_demo_wifi_key_takes_the_handheld_offline_and_back(
    tmp_path: Path, network: Switchable, engine: Engine
) -> None:
    device = Device(
        data_dir=tmp_path / "demo-handheld",
        device_id="demo-1",
        server="http://service",
        device_token=DEVICE_TOKEN,
        transport=Link(network),
    )
    async with running(device, demo=True) as (app, pilot):
        screen = await open_wave(app, pilot)
        await pilot.press("f11")
        await until(pilot, lambda: "OFFLINE" in status(app))
        offline = status(app)
        for _ in range(8):  # two lines of four steps
            await pilot.press("f9")
        assert screen.flow.done == 2
        await until(pilot, lambda: "2 queued" in status(app))
        with engine.connect() as conn:
            assert conn.execute(select(schema.ledger)).all() == []

        await pilot.press("f11")
        await until(pilot, lambda: "online · 0 queued" in status(app))
    await device.close()

    assert "keep picking" in offline
    with engine.connect() as conn:
        assert len(conn.execute(select(schema.ledger)).all()) == 2


def status(app: PickwiseApp) -> str:
    return str(app.screen.query_one(StatusLine).render())
