"""Delivering the outbox: once in effect, in order, never blocked by a rejection."""

from __future__ import annotations

import httpx
from sqlalchemy import Engine, func, select

from stock_service import schema
from terminal.app import PickwiseApp
from terminal.device import Device
from terminal.screens.pick import PickScreen
from tests.conftest import DEVICE_TOKEN, Switchable, until
from wire import API, DEVICE_HEADER, MAX_BATCH, ConfirmationBatch, PickTask, Wave


async def first_tasks(device: Device, count: int) -> tuple[int, list[PickTask]]:
    signed_in = await device.sign_in(badge="B1001")
    wave = await device.next_wave(signed_in)
    assert wave is not None
    return signed_in.operator.user_id, wave.tasks[:count]


def add_unknown_task(device: Device, user_id: int, like: PickTask) -> PickTask:
    """A line this device holds but the service never made (say, a stale copy)."""
    ghost = like.model_copy(update={"task_id": 999_999})
    wave = Wave(wave_id=999, name="W-ghost", totes={}, tasks=[ghost])
    device.journal.load_wave(wave, user_id=user_id)
    return ghost


def notifications(app: PickwiseApp) -> list[str]:
    return [notification.message for notification in app._notifications]


def ledger_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(select(func.count()).select_from(schema.ledger)).scalar_one()
        )


async def test_a_rejected_confirmation_does_not_block_the_ones_behind_it(
    device: Device, engine: Engine
) -> None:
    user_id, tasks = await first_tasks(device, 3)
    ghost = add_unknown_task(device, user_id, tasks[0])
    device.journal.confirm(ghost, kind="pick", user_id=user_id, quantity=1)
    for task in tasks:
        device.journal.confirm(
            task, kind="pick", user_id=user_id, quantity=task.quantity
        )

    assert await device.sync.drain()

    assert device.journal.queued() == 0
    assert ledger_rows(engine) == 3
    rejections = device.journal.unseen_rejections(user_id)
    assert [r.reason_type for r in rejections] == ["unknown_task"]
    assert device.journal.unseen_rejections(user_id) == []


async def test_replaying_the_whole_outbox_adds_no_ledger_rows(
    device: Device, engine: Engine
) -> None:
    user_id, tasks = await first_tasks(device, 4)
    sent = [
        device.journal.confirm(t, kind="pick", user_id=user_id, quantity=t.quantity)
        for t in tasks
    ]
    assert await device.sync.drain()
    assert ledger_rows(engine) == 4

    for _ in range(2):
        result = await device.client.send(sent)
        assert {o.status for o in result.outcomes} == {"duplicate"}
    assert ledger_rows(engine) == 4


async def test_a_reused_operation_id_with_another_payload_is_refused(
    device: Device, engine: Engine
) -> None:
    user_id, tasks = await first_tasks(device, 1)
    first = device.journal.confirm(tasks[0], kind="pick", user_id=user_id, quantity=1)
    assert await device.sync.drain()

    forged = first.model_copy(update={"quantity": 5})
    result = await device.client.send([forged])

    assert result.outcomes[0].status == "rejected"
    assert result.outcomes[0].reason_type == "payload_mismatch"
    assert ledger_rows(engine) == 1


async def test_a_gap_in_the_device_sequence_is_refused_until_filled(
    device: Device, engine: Engine
) -> None:
    user_id, tasks = await first_tasks(device, 2)
    _, two = (
        device.journal.confirm(t, kind="pick", user_id=user_id, quantity=t.quantity)
        for t in tasks
    )

    result = await device.client.send([two])
    assert result.outcomes[0].status == "gap"
    assert ledger_rows(engine) == 0

    assert await device.sync.drain()
    assert ledger_rows(engine) == 2
    assert device.journal.queued() == 0


async def test_a_batch_over_the_limit_is_refused_whole(
    device: Device, network: Switchable, engine: Engine
) -> None:
    user_id, tasks = await first_tasks(device, 1)
    one = device.journal.confirm(tasks[0], kind="pick", user_id=user_id, quantity=1)
    many = [
        one.model_copy(update={"op_id": f"op-{n}", "device_seq": n})
        for n in range(1, MAX_BATCH + 2)
    ]
    body = ConfirmationBatch.model_construct(confirmations=many)

    async with httpx.AsyncClient(transport=network, base_url="http://service") as http:
        response = await http.post(
            f"{API}/confirmations",
            content=body.model_dump_json(),
            headers={DEVICE_HEADER: DEVICE_TOKEN, "Content-Type": "application/json"},
        )

    assert response.status_code == 422
    assert ledger_rows(engine) == 0
    assert device.sync.batch_size <= MAX_BATCH


async def test_sync_reports_offline_and_keeps_the_queue(
    device: Device, network: Switchable
) -> None:
    user_id, tasks = await first_tasks(device, 2)
    for task in tasks:
        device.journal.confirm(task, kind="pick", user_id=user_id, quantity=1)
    network.down = True

    assert not await device.sync.drain()

    assert not device.sync.online
    assert device.journal.queued() == 2


async def test_the_next_wave_is_a_new_one_even_with_the_last_lines_queued(
    device: Device, network: Switchable
) -> None:
    signed_in = await device.sign_in(badge="B1001")
    first = await device.next_wave(signed_in)
    assert first is not None
    network.down = True  # the whole wave is picked out of reach
    for task in first.tasks:
        device.journal.confirm(
            task,
            kind="pick",
            user_id=signed_in.operator.user_id,
            quantity=task.quantity,
        )
    network.down = False  # back in reach, before the sync worker's next turn

    second = await device.next_wave(signed_in)

    assert second is not None
    assert second.wave_id != first.wave_id
    assert device.journal.queued() == 0


async def test_the_picker_is_told_about_a_rejected_confirmation(
    device: Device,
) -> None:
    user_id, tasks = await first_tasks(device, 1)
    ghost = add_unknown_task(device, user_id, tasks[0])
    device.journal.confirm(ghost, kind="pick", user_id=user_id, quantity=1)
    app = PickwiseApp(device)

    async with app.run_test(size=(40, 16), notifications=True) as pilot:
        await pilot.press(*"B1001", "enter")
        await pilot.pause()
        await device.sync.drain()
        await until(pilot, lambda: any("999999" in m for m in notifications(app)))

        messages = notifications(app)
    assert any("999999" in message for message in messages)


async def test_the_running_app_sends_confirmations_unasked(
    device: Device, engine: Engine
) -> None:
    # Opening a wave starts an exclusive worker; it must not cancel sync.
    app = PickwiseApp(device, demo=True)
    async with app.run_test(size=(40, 16)) as pilot:
        await pilot.press(*"B1001", "enter", "1")
        await until(pilot, lambda: isinstance(app.screen, PickScreen))
        assert isinstance(app.screen, PickScreen)
        while app.screen.flow.done == 0:
            await pilot.press("f9")
            await pilot.pause()

        await until(pilot, lambda: ledger_rows(engine) == 1)

        assert ledger_rows(engine) == 1
        assert device.journal.queued() == 0
        assert any(worker.name == "sync" for worker in app.workers)
