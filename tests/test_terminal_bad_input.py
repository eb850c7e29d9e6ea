"""Bad input gets a clear message on the screen and loses nothing."""

from __future__ import annotations

import errno
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from stock_service import schema
from terminal.device import Device
from terminal.screens.menu import MenuScreen
from terminal.screens.sign_in import SignInScreen
from terminal.workflows.picking import Step
from tests.conftest import DEVICE_TOKEN, Switchable
from tests.test_terminal_picking import feedback, open_wave, running, scan


async def test_unknown_barcode_names_the_product_wanted(device: Device) -> None:
    async with running(device) as (app, pilot):
        screen = await open_wave(app, pilot)
        task = screen.flow.task
        assert task is not None
        await scan(pilot, task.location)
        await scan(pilot, "NOSUCH1")
        assert screen.flow.step is Step.PRODUCT
        assert "Unknown barcode NOSUCH1" in feedback(app)
        assert f"Scan {task.sku}" in feedback(app)


async def test_wrong_check_digits_keep_the_location_step(device: Device) -> None:
    async with running(device) as (app, pilot):
        screen = await open_wave(app, pilot)
        task = screen.flow.task
        assert task is not None
        location = device.master.location(task.location)
        assert location is not None
        wrong = f"{(int(location.check_digits) + 1) % 100:02d}"
        await scan(pilot, wrong)
        assert screen.flow.step is Step.LOCATION
        assert f"Wrong check digits {wrong}" in feedback(app)

        await scan(pilot, location.check_digits)
        assert screen.flow.step is Step.PRODUCT


async def test_markup_in_a_scan_is_shown_literally(device: Device) -> None:
    async with running(device) as (app, pilot):
        await open_wave(app, pilot)
        await scan(pilot, "[red]x[/red]")
        assert "[red]x[/red]" in feedback(app)


async def test_a_control_character_in_a_scan_is_refused_with_a_reason(
    device: Device,
) -> None:
    async with running(device) as (app, pilot):
        screen = await open_wave(app, pilot)
        task = screen.flow.task
        assert task is not None
        await screen.submit(task.location[:2] + "\x07" + task.location[2:])
        await pilot.pause()
        assert screen.flow.step is Step.LOCATION
        assert "control character" in feedback(app)


async def test_wrong_pin_is_refused_and_asks_again(device: Device) -> None:
    async with running(device) as (app, pilot):
        await scan(pilot, "picker1")
        await scan(pilot, "9999")
        assert isinstance(app.screen, SignInScreen)
        assert "Wrong user or PIN" in feedback(app)
        assert app.screen.user is None


async def test_service_down_at_sign_in_lets_a_known_user_in_offline(
    device: Device, network: Switchable
) -> None:
    async with running(device) as (app, pilot):
        await scan(pilot, "picker1")
        await scan(pilot, "1234")
        assert isinstance(app.screen, MenuScreen)
        await pilot.press("0")
        await pilot.pause()

        network.down = True
        await scan(pilot, "picker2")
        await scan(pilot, "2345")
        assert isinstance(app.screen, SignInScreen)
        assert "cannot be reached" in feedback(app)

        await scan(pilot, "picker1")
        await scan(pilot, "1234")
        assert isinstance(app.screen, MenuScreen)
        assert not app.screen.signed_in.online


async def test_disk_full_refuses_the_pick_and_keeps_what_was_queued(
    small_disk: Path, engine: Engine, network: Switchable
) -> None:
    device = Device(
        data_dir=small_disk / "device",
        device_id="demo-1",
        server="http://service",
        device_token=DEVICE_TOKEN,
        transport=network,
    )
    async with running(device, demo=True) as (app, pilot):
        screen = await open_wave(app, pilot)
        network.down = True
        for _ in range(4):  # one whole line: location, product, quantity, tote
            await pilot.press("f9")
            await pilot.pause()
        assert device.journal.queued() == 1
        for _ in range(3):  # the next line up to its tote
            await pilot.press("f9")
            await pilot.pause()
        assert screen.flow.step is Step.TOTE

        filler = fill(small_disk)
        await scan(pilot, screen.flow.expected_scan())
        assert "storage is full" in feedback(app)
        assert screen.flow.step is Step.TOTE
        assert device.journal.queued() == 1

        filler.unlink()
        await scan(pilot, screen.flow.expected_scan())
        assert device.journal.queued() == 2

        network.down = False
        assert await device.sync.drain()
    await device.close()
    with engine.connect() as conn:
        assert (
            conn.execute(select(func.count()).select_from(schema.ledger)).scalar() == 2
        )


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 16 MiB file system that a test can fill up (needs root)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip("mounting a small file system needs root")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path) -> Path:
    """Take every free byte of ``disk``, as a full flash card would."""
    filler = disk / "filler"
    with filler.open("wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler
