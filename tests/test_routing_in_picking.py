"""The picking flow follows the planned route and re-plans it offline (issue #4)."""

from __future__ import annotations

import httpx
from sqlalchemy import Engine, select

from routing import demo_layout, plan_route
from stock_service import schema
from terminal.device import Device
from terminal.workflows.picking import PickingWorkflow, Step
from tests.conftest import DEVICE_TOKEN, Switchable
from wire import WaveSummary


async def start(device: Device) -> PickingWorkflow:
    signed_in = await device.sign_in(badge="B1001")
    wave = await device.next_wave(signed_in)
    assert wave is not None
    return PickingWorkflow(
        wave,
        journal=device.journal,
        master=device.master,
        user_id=signed_in.operator.user_id,
    )


def pick_line(flow: PickingWorkflow) -> None:
    done = flow.done
    while flow.done == done:
        feedback = flow.enter(flow.expected_scan())
        assert feedback.ok, feedback.message


def places(flow: PickingWorkflow) -> list[str]:
    return list(dict.fromkeys(task.location for task in flow.queue))


async def test_a_wave_comes_in_the_order_of_its_planned_route(device: Device) -> None:
    flow = await start(device)

    route = plan_route(demo_layout(), [task.location for task in flow.queue])

    assert places(flow) == list(dict.fromkeys(route.stops))


async def test_the_layout_reaches_the_device_with_the_master_data(
    device: Device,
) -> None:
    await start(device)

    held = device.master.layout()

    assert held is not None
    assert held.name == "demo"


async def test_a_skip_re_plans_from_where_the_picker_stands_and_puts_it_last(
    device: Device, network: Switchable, engine: Engine
) -> None:
    flow = await start(device)
    pick_line(flow)
    while flow.task is not None and flow.task.location == flow.last_location:
        pick_line(flow)
    here = flow.last_location
    skipped = flow.task
    assert here is not None and skipped is not None
    before = {task.task_id for task in flow.queue}
    network.down = True

    assert flow.skip().ok

    rest = [t.location for t in flow.queue if t.task_id != skipped.task_id]
    later = {skipped.location: 1}
    route = plan_route(
        demo_layout(), [*rest, skipped.location], start=here, precedence=later
    )
    assert flow.task is not None
    assert flow.task.location == route.stops[0]
    assert flow.queue[-1].task_id == skipped.task_id
    assert {task.task_id for task in flow.queue} == before

    network.down = False
    lines = flow.total
    while flow.step is not Step.DONE:
        pick_line(flow)
    assert await device.sync.drain()
    with engine.connect() as conn:
        ledger = conn.execute(select(schema.ledger)).all()
    assert len(ledger) == lines


async def test_a_re_planned_order_survives_a_restart(device: Device) -> None:
    flow = await start(device)
    pick_line(flow)
    flow.skip()
    order = [task.task_id for task in flow.queue]

    again = await start(device)

    assert [task.task_id for task in again.queue] == order


async def test_a_short_pick_re_plans_the_rest_from_its_location(device: Device) -> None:
    flow = await start(device)
    task = flow.task
    assert task is not None
    flow.enter(flow.expected_scan())  # the location
    flow.enter(flow.expected_scan())  # the product
    flow.enter("0")
    flow.enter("1")  # location empty

    route = plan_route(
        demo_layout(), [t.location for t in flow.queue], start=task.location
    )
    assert places(flow) == list(dict.fromkeys(route.stops))


async def test_waves_list_their_planned_length_and_the_saving(engine: Engine) -> None:
    from stock_service.app import create_app

    transport = httpx.ASGITransport(app=create_app(engine))
    async with httpx.AsyncClient(transport=transport, base_url="http://s") as client:
        answer = await client.get(
            "/v1/waves", params={"limit": 50}, headers={"X-Device-Token": DEVICE_TOKEN}
        )

    waves = [WaveSummary.model_validate(row) for row in answer.json()]
    assert len(waves) == 50
    for wave in waves:
        assert wave.planned_length_m is not None
        assert wave.sshape_length_m is not None
        assert wave.code_order_length_m is not None
        assert wave.planned_length_m <= wave.sshape_length_m
        assert wave.planned_length_m <= wave.code_order_length_m
        assert wave.open == wave.lines > 0
    assert sum(w.planned_length_m or 0 for w in waves) < sum(
        w.sshape_length_m or 0 for w in waves
    )
