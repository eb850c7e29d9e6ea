"""The packer's whole flow under Pilot, against the real service, with a fake
printer on 127.0.0.1: a wrong item, a split tote, the label, the order shipped."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from sqlalchemy import Engine, select
from textual.pilot import Pilot
from textual.widgets import Static

from devices.scan import Scan
from labels.printer import TcpPrinter
from labels.testing import FakePrinter
from stock_service import schema
from terminal.app import PickwiseApp
from terminal.device import Device
from terminal.scanners import ScanArrived
from terminal.screens.menu import MenuScreen
from terminal.screens.pack import PackScreen
from terminal.workflows.packing import Step
from tests.conftest import DEVICE_TOKEN, Switchable, until
from tests.test_packing_workflow import pick_first_wave
from tests.test_terminal_picking import feedback, scan
from wire import API, DEVICE_HEADER


@asynccontextmanager
async def bench(
    device: Device, size: tuple[int, int] = (80, 24), demo: bool = False
) -> AsyncIterator[tuple[PickwiseApp, Pilot[int]]]:
    app = PickwiseApp(device, demo=demo)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        yield app, pilot


async def open_bench(app: PickwiseApp, pilot: Pilot[int]) -> PackScreen:
    await scan(pilot, "B2001")
    assert isinstance(app.screen, MenuScreen)
    await pilot.press("5")
    await until(pilot, lambda: isinstance(app.screen, PackScreen))
    assert isinstance(app.screen, PackScreen)
    return app.screen


def prompt(app: PickwiseApp) -> str:
    return str(app.screen.query_one("#prompt", Static).render())


async def order_status(network: Switchable, order_id: str) -> str:
    async with httpx.AsyncClient(
        transport=network,
        base_url="http://service",
        headers={DEVICE_HEADER: DEVICE_TOKEN},
    ) as http:
        answer = await http.get(f"{API}/orders/{order_id}")
    status: str = answer.json()["status"]
    return status


async def serial_scan(app: PickwiseApp, pilot: Pilot[int], text: str) -> None:
    """What a serial or USB scanner does: a whole frame at once."""
    app.post_message(ScanArrived(Scan.of(text, "serial:test")))
    await pilot.pause()


async def check_every_item(
    app: PickwiseApp, pilot: Pilot[int], screen: PackScreen
) -> None:
    """Scan one of each product from the scanner, type how many there are."""
    while screen.flow.step is Step.VERIFY:
        expected = screen.flow.expected_scan()
        if expected.isdecimal() and len(expected) <= 5:
            await scan(pilot, expected)
        else:
            await serial_scan(app, pilot, expected)


async def close_and_ship(pilot: Pilot[int], screen: PackScreen) -> str:
    """Carton 2 typed, a weight typed, Enter, then the printed label scanned."""
    await scan(pilot, "2")
    await scan(pilot, "1.4")
    assert screen.flow.step is Step.CLOSE
    await pilot.press("enter")
    await until(pilot, lambda: screen.flow.step is Step.SHIP)
    assert screen.flow.closed is not None
    sscc = screen.flow.closed.sscc
    await scan(pilot, "]C100" + sscc)
    return sscc


async def test_a_packer_packs_a_picked_tote_past_a_wrong_item_and_ships_it(
    device: Device, engine: Engine, network: Switchable
) -> None:
    picked = await pick_first_wave(device)
    tote = sorted(picked.totes)[0]
    with FakePrinter(reset_connections=1) as printer:
        device.printer = TcpPrinter("127.0.0.1", printer.port)
        async with bench(device) as (app, pilot):
            screen = await open_bench(app, pilot)
            assert prompt(app) == "Scan a tote, or type an order number"

            await scan(pilot, tote)
            assert screen.flow.step is Step.VERIFY
            assert screen.flow.order_id == picked.totes[tote]
            skus = {line.sku for line in screen.flow.lines}
            await scan(pilot, "22423" if "22423" not in skus else "85099B")
            assert "returns tray" in feedback(app)
            assert screen.flow.checked == 0

            await check_every_item(app, pilot, screen)
            assert screen.flow.step is Step.CARTON
            sscc = await close_and_ship(pilot, screen)
            assert "Shipped" in feedback(app)
            assert screen.flow.step is Step.START
            told = screen.query_one("#shipped", Static)
            await until(pilot, lambda: "Stock record" in str(told.render()))
            assert str(told.render()) == (
                f"Stock record: order {picked.totes[tote]} is shipped."
            )
        assert printer.wait_for(1)

    assert len(printer.labels) == 1
    assert f">;>800{sscc}" in printer.labels[0].zpl
    assert await order_status(network, picked.totes[tote]) == "shipped"
    with engine.connect() as conn:
        aside = conn.execute(
            select(schema.exceptions).where(
                schema.exceptions.c.kind == "set_aside_at_pack"
            )
        ).all()
    assert len(aside) == 1


async def test_a_cluster_tote_is_split_into_its_orders_at_the_bench(
    device: Device, engine: Engine, network: Switchable
) -> None:
    picked = await pick_first_wave(device)
    totes = sorted(picked.totes)
    t = schema.pick_tasks.c
    with engine.begin() as conn:
        conn.execute(
            schema.pick_tasks.update().where(t.tote == totes[1]).values(tote=totes[0])
        )
    orders = {picked.totes[totes[0]], picked.totes[totes[1]]}
    with FakePrinter() as printer:
        device.printer = TcpPrinter("127.0.0.1", printer.port)
        async with bench(device) as (app, pilot):
            screen = await open_bench(app, pilot)
            await scan(pilot, totes[0])
            assert "1 more order(s)" in feedback(app)
            first = screen.flow.order_id
            other = next(o for o in screen.flow.orders if o.order_id != first)
            foreign = next(
                ln.sku
                for ln in other.lines
                if ln.sku not in {mine.sku for mine in screen.flow.lines}
            )

            await scan(pilot, foreign)
            assert f"is for order {other.order_id}" in feedback(app)
            assert screen.flow.set_aside == []

            await check_every_item(app, pilot, screen)
            await close_and_ship(pilot, screen)
            assert screen.flow.order_id == other.order_id
            await check_every_item(app, pilot, screen)
            await close_and_ship(pilot, screen)
            assert screen.flow.step is Step.START
            await device.sync.drain()
        assert printer.wait_for(2)

    assert {first, other.order_id} == orders
    assert len(printer.labels) == 2
    for order_id in orders:
        assert await order_status(network, order_id) == "shipped"


async def test_the_demo_key_packs_a_tote_into_a_label_file(
    device: Device, network: Switchable
) -> None:
    picked = await pick_first_wave(device)
    async with bench(device, demo=True) as (app, pilot):
        await scan(pilot, "B2001")
        await pilot.press("f9")
        await until(pilot, lambda: isinstance(app.screen, PackScreen))
        screen = app.screen
        assert isinstance(screen, PackScreen)
        for _ in range(80):
            await pilot.press("f9")
            await pilot.pause()
            if screen.flow.step is Step.SHIP:
                break
        assert screen.flow.closed is not None
        sscc = screen.flow.closed.sscc
        assert "Label saved as" in feedback(app)
        await pilot.press("f9")
        await pilot.pause()
        order_id = screen.flow.order_id or picked.totes[sorted(picked.totes)[0]]
        await device.sync.drain()

    assert (device.labels_dir / f"{sscc}.zpl").exists()
    assert (device.labels_dir / f"{sscc}.png").exists()
    assert order_id


@pytest.mark.parametrize("size", [(40, 16), (80, 24)])
async def test_the_pack_screen_shows_the_current_instruction_in_full(
    device: Device, size: tuple[int, int]
) -> None:
    picked = await pick_first_wave(device)
    async with bench(device, size=size) as (app, pilot):
        screen = await open_bench(app, pilot)
        await scan(pilot, sorted(picked.totes)[0])
        width, height = size

        for name in ("#prompt", "#order"):
            widget = screen.query_one(name, Static)
            text = str(widget.render())
            region = widget.region
            assert region.bottom <= height and region.right <= width, name
            assert region.height >= 1, name
            assert len(text) <= region.width * region.height, (name, text)
        assert prompt(app).startswith("Scan each item of order")


async def test_f6_takes_the_weight_from_a_streaming_serial_scale(
    device: Device,
) -> None:
    picked = await pick_first_wave(device)
    controller, port = os.openpty()
    stop = threading.Event()

    def scale() -> None:  # a scale that prints a line every 20 ms
        while not stop.wait(0.02):
            with contextlib.suppress(BlockingIOError):  # nobody reads it yet
                os.write(controller, b"ST,GS,+  3.125 kg\r\n")

    os.set_blocking(controller, False)

    streaming = threading.Thread(target=scale)
    streaming.start()
    device.scale = os.ttyname(port)
    try:
        async with bench(device) as (app, pilot):
            screen = await open_bench(app, pilot)
            await scan(pilot, sorted(picked.totes)[0])
            await check_every_item(app, pilot, screen)
            await scan(pilot, "2")
            assert screen.flow.step is Step.WEIGHT
            assert "F6 reads the scale" in prompt(app)

            await pilot.press("f6")
            await until(pilot, lambda: screen.flow.step is Step.CLOSE)
    finally:
        stop.set()
        streaming.join()
        os.close(controller)
        os.close(port)

    assert str(screen.flow.weight) == "3.125"


async def test_a_picker_has_no_pack_choice(device: Device) -> None:
    async with bench(device) as (app, pilot):
        await scan(pilot, "B1001")
        menu = app.screen
        assert isinstance(menu, MenuScreen)
        assert "Pack a tote" not in [str(s.render()) for s in menu.query(Static)]

        await pilot.press("5")
        await pilot.pause()

        assert app.screen is menu
