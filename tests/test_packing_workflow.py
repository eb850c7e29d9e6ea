"""The packing workflow against the real service and real SQLite files, with a
fake printer on 127.0.0.1 as the only fake."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from devices.barcode import interpret
from labels.printer import TcpPrinter
from labels.testing import FakePrinter
from stock_service import schema
from terminal.device import Device
from terminal.workflows.packing import PackingWorkflow, Step
from terminal.workflows.picking import PickingWorkflow
from terminal.workflows.picking import Step as PickStep
from tests.conftest import DEVICE_TOKEN, Switchable
from tests.test_terminal_bad_input import fill, small_disk

__all__ = ["small_disk"]  # a fixture, used by name


@pytest.fixture
def printer() -> Iterator[FakePrinter]:
    with FakePrinter(reset_connections=1) as fake:
        yield fake


async def pick_first_wave(device: Device) -> PickingWorkflow:
    """Picker 1 walks the demo's first cluster wave; the picks reach the service."""
    signed_in = await device.sign_in(badge="B1001")
    wave = await device.next_wave(signed_in)
    assert wave is not None
    flow = PickingWorkflow(
        wave, journal=device.journal, master=device.master, user_id=1
    )
    while flow.step is not PickStep.DONE:
        assert flow.enter(flow.expected_scan()).ok
    await device.sync.drain()
    return flow


async def packer(device: Device, printer: FakePrinter | None = None) -> PackingWorkflow:
    await device.sign_in(badge="B2001")
    await device.prepare_packing()
    return PackingWorkflow(
        bench=device.bench,
        master=device.master,
        user_id=3,
        printer=TcpPrinter("127.0.0.1", printer.port) if printer else device.printer,
        previews=device.labels_dir,
    )


def pack_order(flow: PackingWorkflow) -> None:
    """Every step with what it expects, the label printed, the carton shipped."""
    while flow.step is Step.VERIFY:
        assert flow.enter(flow.expected_scan()).ok
    for _ in range(3):  # carton, weight, close
        assert flow.enter(flow.expected_scan()).ok, flow.prompt()
    assert flow.step is Step.LABEL
    printed = flow.print_label()
    assert printed.ok, printed.message
    assert flow.enter(flow.expected_scan()).ok


async def test_a_packed_tote_prints_one_label_and_ships_its_order(
    device: Device, engine: Engine, printer: FakePrinter
) -> None:
    picked = await pick_first_wave(device)
    flow = await packer(device, printer)
    tote = next(iter(picked.totes))
    order_id = picked.totes[tote]
    await device.fetch_pack_work(tote)

    assert flow.enter(tote).ok
    assert flow.order_id == order_id
    pack_order(flow)
    await device.sync.drain()

    assert printer.wait_for(1)
    assert len(printer.labels) == 1  # the reset first connection printed nothing
    assert printer.connections == 2
    with engine.connect() as conn:
        package = conn.execute(select(schema.packages)).one()
    assert package.order_id == order_id
    assert package.status == "shipped"
    assert f">;>800{package.sscc}" in printer.labels[0].zpl
    assert (device.labels_dir / f"{package.sscc}.png").exists()
    assert device.journal.queued() == 0


async def test_a_wrong_item_is_flagged_and_not_counted(device: Device) -> None:
    picked = await pick_first_wave(device)
    flow = await packer(device)
    tote = next(iter(picked.totes))
    await device.fetch_pack_work(tote)
    flow.enter(tote)
    checked = flow.checked

    answer = flow.enter(
        "85099B" if "85099B" not in {ln.sku for ln in flow.lines} else "22423"
    )

    assert not answer.ok
    assert "returns tray" in answer.message
    assert flow.checked == checked
    assert flow.set_aside[0].quantity == 1
    assert flow.step is Step.VERIFY


async def test_an_item_scanned_once_too_often_is_an_extra(device: Device) -> None:
    picked = await pick_first_wave(device)
    flow = await packer(device)
    tote = next(iter(picked.totes))
    await device.fetch_pack_work(tote)
    flow.enter(tote)
    line = flow.lines[0]
    code = flow.expected_scan()
    flow.enter(code)
    flow.enter(str(line.wanted))  # the rest typed as a quantity

    answer = flow.enter(code)

    assert not answer.ok and "too many" in answer.message
    assert line.checked == line.wanted


async def test_a_cluster_picked_tote_is_split_into_its_orders(
    device: Device, engine: Engine, printer: FakePrinter
) -> None:
    picked = await pick_first_wave(device)
    totes = sorted(picked.totes)
    t = schema.pick_tasks.c
    with engine.begin() as conn:  # two orders picked into one tote
        conn.execute(
            schema.pick_tasks.update().where(t.tote == totes[1]).values(tote=totes[0])
        )
    flow = await packer(device, printer)
    await device.fetch_pack_work(totes[0])

    assert "1 more order" in flow.enter(totes[0]).message
    first = flow.order_id
    pack_order(flow)
    second = flow.order_id
    pack_order(flow)
    await device.sync.drain()

    assert {first, second} == {picked.totes[totes[0]], picked.totes[totes[1]]}
    assert flow.step is Step.START
    assert printer.wait_for(2) and len(printer.labels) == 2
    with engine.connect() as conn:
        orders = set(conn.execute(select(schema.packages.c.order_id)).scalars())
    assert orders == {first, second}


async def test_the_bench_packs_offline_and_syncs_once_afterwards(
    device: Device, engine: Engine, network: Switchable
) -> None:
    picked = await pick_first_wave(device)
    flow = await packer(device)  # online: SSCCs reserved, ready orders kept
    network.down = True
    tote = next(iter(picked.totes))
    await device.fetch_pack_work(tote)

    assert flow.enter(tote).ok
    pack_order(flow)
    await device.sync.drain()
    with engine.connect() as conn:
        assert conn.execute(select(schema.packages)).all() == []

    network.down = False
    assert await device.sync.drain()
    assert await device.sync.drain()  # again: nothing new is applied
    with engine.connect() as conn:
        packages = conn.execute(select(schema.packages)).all()
        ships = conn.execute(
            select(schema.ledger).where(schema.ledger.c.reason == "ship")
        ).all()
    assert [p.status for p in packages] == ["shipped"]
    assert len({row.op_id for row in ships}) == 1
    assert (device.labels_dir / f"{packages[0].sscc}.zpl").exists()
    assert (device.labels_dir / f"{packages[0].sscc}.png").exists()


async def test_a_label_not_confirmed_waits_for_the_packer(device: Device) -> None:
    picked = await pick_first_wave(device)
    with FakePrinter(reset_after_label=1) as fake:
        flow = await packer(device, fake)
        tote = next(iter(picked.totes))
        await device.fetch_pack_work(tote)
        flow.enter(tote)
        while flow.step is not Step.LABEL:
            flow.enter(flow.expected_scan())

        answer = flow.print_label()
        fake.wait_for(1)

        assert not answer.ok and "see whether it printed" in answer.message
        assert flow.prompt() == "Did the label print? Enter = yes, F5 = print again"
        assert len(fake.labels) == 1
        assert flow.enter("").ok  # the packer saw it come out
        assert flow.step is Step.SHIP
        assert len(fake.labels) == 1


async def test_a_bench_restarted_mid_print_asks_before_printing_again(
    device: Device,
) -> None:
    picked = await pick_first_wave(device)
    flow = await packer(device)
    tote = next(iter(picked.totes))
    await device.fetch_pack_work(tote)
    flow.enter(tote)
    while flow.step is not Step.LABEL:
        flow.enter(flow.expected_scan())
    assert flow.job is not None
    device.bench.mark_label(flow.job.job_id, "sending")  # then the power went

    again = await packer(device)
    told = again.resume()

    assert told is not None and "not shipped yet" in told.message
    assert again.step is Step.LABEL
    assert again.job is not None and again.job.status == "uncertain"


def test_a_typed_order_number_is_read_as_text() -> None:
    assert interpret("536365").kind == "text"


async def test_a_scan_with_control_characters_is_refused_and_keeps_the_step(
    device: Device,
) -> None:
    picked = await pick_first_wave(device)
    flow = await packer(device)
    tote = next(iter(picked.totes))
    await device.fetch_pack_work(tote)
    flow.enter(tote)

    answer = flow.scan(interpret("22423\x1b[2J"))

    assert not answer.ok and "control character (ESC)" in answer.message
    assert flow.step is Step.VERIFY and flow.checked == 0 and flow.set_aside == []


async def test_a_full_disk_keeps_the_carton_open_and_loses_nothing(
    small_disk: Path, network: Switchable
) -> None:
    device = Device(
        data_dir=small_disk / "device",
        device_id="demo-1",
        server="http://service",
        device_token=DEVICE_TOKEN,
        transport=network,
    )
    try:
        picked = await pick_first_wave(device)
        flow = await packer(device)
        tote = next(iter(picked.totes))
        await device.fetch_pack_work(tote)
        flow.enter(tote)
        while flow.step is not Step.CLOSE:
            flow.enter(flow.expected_scan())
        left, queued = device.bench.ssccs_left(), device.journal.queued()

        filler = fill(small_disk)
        answer = flow.enter("")
        assert not answer.ok and "storage is full" in answer.message
        assert flow.step is Step.CLOSE
        assert device.bench.ssccs_left() == left
        assert device.journal.queued() == queued

        filler.unlink()
        assert flow.enter("").ok
        assert device.bench.ssccs_left() == left - 1
        assert device.journal.queued() == queued + 1
    finally:
        await device.close()


async def test_a_tote_picked_and_packed_while_offline_syncs_in_order(
    device: Device, engine: Engine, network: Switchable
) -> None:
    flow = await packer(device)  # online once: SSCCs reserved
    signed_in = await device.sign_in(badge="B1001")
    wave = await device.next_wave(signed_in)
    assert wave is not None
    network.down = True
    picking = PickingWorkflow(
        wave, journal=device.journal, master=device.master, user_id=1
    )
    while picking.step is not PickStep.DONE:
        assert picking.enter(picking.expected_scan()).ok
    tote = next(iter(wave.totes))

    await device.fetch_pack_work(tote)
    assert flow.enter(tote).ok  # from the lines this device picked
    pack_order(flow)
    network.down = False
    assert await device.sync.drain()

    with engine.connect() as conn:
        package = conn.execute(select(schema.packages)).one()
        exceptions = list(conn.execute(select(schema.exceptions.c.kind)).scalars())
    assert (package.order_id, package.status) == (wave.totes[tote], "shipped")
    assert exceptions == []  # the picks were applied before the carton


async def test_an_unconfirmed_label_printed_again_is_marked_reprint(
    device: Device,
) -> None:
    picked = await pick_first_wave(device)
    with FakePrinter(reset_after_label=1) as fake:
        flow = await packer(device, fake)
        tote = next(iter(picked.totes))
        await device.fetch_pack_work(tote)
        flow.enter(tote)
        while flow.step is not Step.LABEL:
            flow.enter(flow.expected_scan())
        flow.print_label()

        again = flow.print_label()  # F5: the packer found no label
        fake.wait_for(2)

    assert again.ok
    assert ["REPRINT" in label.zpl for label in fake.labels] == [False, True]


async def test_a_bench_running_low_on_ssccs_reserves_more_and_never_repeats_one(
    device: Device, network: Switchable
) -> None:
    await packer(device)
    left = device.bench.ssccs_left()
    assert left == 100

    with device.bench.store.write() as db:  # use all but a few
        db.execute("UPDATE sscc_blocks SET next = last - 4")
    await device.top_up_ssccs()
    network.down = True
    await device.top_up_ssccs()  # offline: nothing to do, nothing lost

    assert device.bench.ssccs_left() == 105
    with device.bench.store.read() as db:
        blocks = db.execute("SELECT first, last FROM sscc_blocks ORDER BY first")
        assert [tuple(b) for b in blocks] == [(1, 100), (101, 200)]


async def test_leaving_an_order_before_the_close_saves_nothing(device: Device) -> None:
    picked = await pick_first_wave(device)
    flow = await packer(device)
    tote = next(iter(picked.totes))
    await device.fetch_pack_work(tote)
    flow.enter(tote)
    flow.enter(flow.expected_scan())
    queued, left = device.journal.queued(), device.bench.ssccs_left()

    assert flow.leave().ok

    assert flow.step is Step.START and flow.lines == []
    assert (device.journal.queued(), device.bench.ssccs_left()) == (queued, left)
    assert flow.enter(tote).ok and flow.checked == 0  # it starts again from nothing


async def test_a_long_typed_number_is_a_count_unless_it_names_a_product(
    device: Device,
) -> None:
    picked = await pick_first_wave(device)
    flow = await packer(device)
    tote = next(iter(picked.totes))
    await device.fetch_pack_work(tote)
    flow.enter(tote)
    flow.enter(flow.expected_scan())
    line = flow.last
    assert line is not None

    too_many = flow.enter("1008")
    stock_code = flow.enter("22423")

    assert "not 1008" in too_many.message  # read as a count, and refused
    assert "22423" in stock_code.message and "not 22423" not in stock_code.message
