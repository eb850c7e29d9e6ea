"""A wave moves from picker A to picker B while A's device is offline and A
keeps picking: nothing is lost or counted twice (issue #7)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import Engine, select

from stock_service import schema
from terminal.device import Device
from terminal.workflows.picking import PickingWorkflow, Step
from tests.conftest import Switchable
from tests.test_picking_workflow import start


def pick_line(flow: PickingWorkflow) -> int:
    """Pick the current line by its expected scans; its task id."""
    task = flow.task
    assert task is not None
    while flow.task is task and flow.step is not Step.DONE:
        feedback = flow.enter(flow.expected_scan())
        assert feedback.ok, feedback.message
    return task.task_id


def movements(engine: Engine, wave_id: int) -> Counter[int]:
    t, ledger = schema.pick_tasks.c, schema.ledger.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(ledger.task_id)
            .join(schema.pick_tasks, t.task_id == ledger.task_id)
            .where(t.wave_id == wave_id)
        ).scalars()
        return Counter(rows)


async def test_reassign_while_offline_keeps_every_pick_once_and_returns_the_extra(
    device: Device,
    second_device: Device,
    network: Switchable,
    engine: Engine,
) -> None:
    _, pat = await start(device, "B1001")
    wave_id = pat.wave_id
    network.down = True
    first = pick_line(pat)
    both = pick_line(pat)  # Pat, offline, picks two lines

    boss = await second_device.sign_in(badge="B3001")
    assert boss.token is not None
    moved = await second_device.client.assign(boss.token, wave_id, badge="B1002")
    assert moved.assigned_name == "Robin Runner"

    _, robin = await start(second_device, "B1002")
    assert robin.wave_id == wave_id and robin.task is not None
    assert robin.task.task_id == first  # the service has not heard from Pat
    robin.skip()
    assert pick_line(robin) == both  # Robin picks Pat's second line again
    third = pick_line(robin)
    assert await second_device.sync.drain()

    network.down = False
    assert await device.sync.drain()  # Pat's picks arrive: physical facts
    assert pat.refresh() is not None
    assert pat.step is Step.DONE and pat.queue == []
    notices = device.journal.unseen_notices(pat.user_id)
    assert notices == [
        f"{pat.wave_name} was given to Robin Runner: the lines left are theirs."
    ]

    assert await second_device.sync.drain()  # Robin's device hears of Pat's line
    robin.refresh()
    assert first not in {task.task_id for task in robin.queue}
    assert second_device.journal.unseen_notices(robin.user_id) == [
        f"1 line of {pat.wave_name} picked on another device: off your list."
    ]

    assert movements(engine, wave_id) == {first: 1, both: 2, third: 1}
    with engine.connect() as conn:
        (extra,) = conn.execute(select(schema.floor_tasks)).all()
        quantity = conn.execute(
            select(schema.pick_tasks.c.quantity).where(
                schema.pick_tasks.c.task_id == both
            )
        ).scalar_one()
    assert (extra.kind, extra.quantity) == ("return", quantity)
    assert device.journal.queued() == second_device.journal.queued() == 0


async def test_reassign_then_finish_closes_the_wave_with_every_line_once(
    device: Device,
    second_device: Device,
    network: Switchable,
    engine: Engine,
) -> None:
    _, pat = await start(device, "B1001")
    network.down = True
    pat_lines = {pick_line(pat) for _ in range(3)}
    boss = await second_device.sign_in(badge="B3001")
    assert boss.token is not None
    await second_device.client.assign(boss.token, pat.wave_id, badge="B1002")
    network.down = False
    assert await device.sync.drain()

    _, robin = await start(second_device, "B1002")
    robin_lines = set()
    while robin.step is not Step.DONE:
        robin_lines.add(pick_line(robin))
    assert await second_device.sync.drain()

    assert not pat_lines & robin_lines
    counted = movements(engine, pat.wave_id)
    assert set(counted.values()) == {1}
    assert set(counted) == pat_lines | robin_lines
    with engine.connect() as conn:
        status = conn.execute(
            select(schema.waves.c.status).where(schema.waves.c.wave_id == pat.wave_id)
        ).scalar_one()
    assert status == "done"
