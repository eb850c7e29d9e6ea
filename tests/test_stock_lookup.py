"""Looking up stock by scan shows the stock record as it is now (issue #2)."""

from __future__ import annotations

from sqlalchemy import Engine, select

from devices.barcode import interpret
from stock_service import schema
from terminal.app import PickwiseApp
from terminal.device import Device
from terminal.screens.menu import MenuScreen
from terminal.screens.stock import StockScreen
from terminal.workflows.picking import PickingWorkflow
from terminal.workflows.stock_lookup import StockLookup
from tests.conftest import Switchable, until
from tests.test_terminal_picking import feedback


async def test_a_pick_shows_in_the_stock_record_once_delivered(
    device: Device, engine: Engine
) -> None:
    signed_in = await device.sign_in(badge="B1001")
    wave = await device.next_wave(signed_in)
    assert wave is not None
    flow = PickingWorkflow(
        wave, journal=device.journal, master=device.master, user_id=1
    )
    task = flow.task
    assert task is not None
    lookup = StockLookup(device.client, device.master)
    before = await lookup.look(interpret(task.location))

    while flow.task is task:
        assert flow.enter(flow.expected_scan()).ok
    assert await device.sync.drain()
    after = await lookup.look(interpret(device.master.gtin_for(task.sku) or ""))

    (was,) = [r.quantity for r in before.rows if r.sku == task.sku]
    (now,) = [r.quantity for r in after.rows if r.location == task.location]
    assert now == was - task.quantity
    assert after.message.startswith(f"{task.sku}: ")


async def test_stock_lookup_says_plainly_when_it_cannot_answer(
    device: Device, network: Switchable, engine: Engine
) -> None:
    lookup = StockLookup(device.client, device.master)
    await device.refresh_master()
    with engine.connect() as conn:
        location = conn.execute(select(schema.locations.c.code).limit(1)).scalar_one()

    unknown = await lookup.look(interpret("12345670"))
    nowhere = await lookup.look(interpret("99-99-9"))
    network.down = True
    offline = await lookup.look(interpret(location))

    assert not unknown.ok and "Unknown barcode" in unknown.message
    assert not nowhere.ok and nowhere.message == "No location 99-99-9 here."
    assert not offline.ok and "cannot be reached" in offline.message


async def test_the_stock_screen_lists_what_a_location_holds(
    device: Device, engine: Engine
) -> None:
    with engine.connect() as conn:
        row = conn.execute(select(schema.stock).order_by(schema.stock.c.id)).first()
    assert row is not None
    app = PickwiseApp(device)
    async with app.run_test(size=(40, 16)) as pilot:
        await pilot.press(*"B1001", "enter")
        await until(pilot, lambda: isinstance(app.screen, MenuScreen))
        await pilot.press("4")
        await until(pilot, lambda: isinstance(app.screen, StockScreen))
        await pilot.press(*row.location, "enter")
        await until(pilot, lambda: "on hand" in feedback(app))
        told = feedback(app)

    assert f"{row.location}: {row.quantity} on hand." in told
