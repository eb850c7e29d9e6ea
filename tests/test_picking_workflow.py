"""The picking workflow against the real service and real SQLite files."""

from __future__ import annotations

from sqlalchemy import Engine, select

from devices.barcode import interpret
from stock_service import schema
from terminal.device import Device, SignedIn
from terminal.workflows.picking import PickingWorkflow, Step


async def start(
    device: Device, badge: str = "B1001"
) -> tuple[SignedIn, PickingWorkflow]:
    """Sign in by badge and open the next wave's picking flow."""
    signed_in = await device.sign_in(badge=badge)
    wave = await device.next_wave(signed_in)
    assert wave is not None
    flow = PickingWorkflow(
        wave,
        journal=device.journal,
        master=device.master,
        user_id=signed_in.operator.user_id,
    )
    return signed_in, flow


def pick_all(flow: PickingWorkflow) -> None:
    while flow.step is not Step.DONE:
        feedback = flow.enter(flow.expected_scan())
        assert feedback.ok, feedback.message


async def test_a_wave_picked_by_scans_moves_stock_once_per_line(
    device: Device, engine: Engine
) -> None:
    _, flow = await start(device)
    lines = flow.total
    pick_all(flow)
    assert await device.sync.drain()

    with engine.connect() as conn:
        ledger = conn.execute(select(schema.ledger)).all()
        tasks = conn.execute(
            select(schema.pick_tasks).where(schema.pick_tasks.c.wave_id == flow.wave_id)
        ).all()
    assert len(ledger) == lines
    assert {row.task_id for row in ledger} == {t.task_id for t in tasks}
    for task in tasks:
        assert task.status == "picked"
        assert task.picked_qty == task.quantity
    assert device.journal.queued() == 0


async def test_wrong_location_scan_keeps_the_step(device: Device) -> None:
    _, flow = await start(device)
    task = flow.task
    assert task is not None

    feedback = flow.enter("16-40-4")

    assert not feedback.ok
    assert task.location in feedback.message
    assert flow.step is Step.LOCATION
    assert flow.task == task


async def test_wrong_product_scan_names_the_expected_one(device: Device) -> None:
    _, flow = await start(device)
    task = flow.task
    assert task is not None
    flow.enter(task.location)
    other = next(t for t in flow.queue if t.sku != task.sku)

    feedback = flow.enter(other.sku)

    assert not feedback.ok
    assert f"not {task.sku}" in feedback.message
    assert flow.step is Step.PRODUCT


async def test_a_scanned_number_at_the_count_is_a_barcode_not_a_quantity(
    device: Device,
) -> None:
    _, flow = await start(device)
    task = flow.task
    assert task is not None
    flow.enter(task.location)
    flow.enter(flow.expected_scan())
    assert flow.step is Step.QUANTITY

    scanned = flow.scan(interpret("96385074"))  # a GTIN-8 of no product here
    assert not scanned.ok and "Unknown barcode 96385074" in scanned.message
    assert (flow.step, flow.quantity) == (Step.QUANTITY, task.quantity)


async def test_a_scan_while_a_reason_is_asked_keeps_the_question(
    device: Device,
) -> None:
    _, flow = await start(device)
    task = flow.task
    assert task is not None
    flow.enter(task.location)
    flow.short()

    answer = flow.scan(interpret(task.location))
    assert not answer.ok and "reason" in answer.message
    assert flow.step is Step.REASON


async def test_f3_with_the_full_quantity_offered_asks_how_many_are_here(
    device: Device,
) -> None:
    _, flow = await start(device)
    task = next(t for t in flow.queue if t.quantity > 1)
    while flow.task is not task:
        flow.skip()
    flow.enter(task.location)
    flow.enter(flow.expected_scan())

    asked = flow.short()
    assert flow.step is Step.QUANTITY and "How many are here?" in asked.message
    flow.enter(str(task.quantity - 1))
    assert flow.step is Step.REASON
    back = flow.back()
    assert back is not None and back.ok
    assert (flow.step, flow.quantity) == (Step.QUANTITY, task.quantity)


async def test_an_expired_item_or_a_second_lot_is_not_taken(device: Device) -> None:
    _, flow = await start(device)
    task = next(t for t in flow.queue if t.quantity > 1)
    while flow.task is not task:
        flow.skip()
    gtin = device.master.gtin_for(task.sku)
    flow.enter(task.location)

    expired = flow.scan(interpret(f"]C101{gtin}17200101"))
    first = flow.scan(interpret(f"]C101{gtin}10LOTA1"))
    other = flow.scan(interpret(f"]C101{gtin}10LOTB2"))

    assert not expired.ok and "Expired 2020-01-01" in expired.message
    assert first.ok and flow.lot == "LOTA1"
    assert not other.ok and "one lot per line" in other.message
    assert flow.quantity == task.quantity and flow.lot == "LOTA1"
