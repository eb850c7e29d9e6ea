"""Scans from every source reach the pick screen the same way, under Pilot.

The stock service runs in-process; the scanners are faked only at the hardware
edge: a serial scanner on a pseudo terminal, and a keyboard-mode scanner whose
recorded key events come through a pipe, as from an input device node.
"""

from __future__ import annotations

import errno
import functools
import os
import queue
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import pytest
from textual import events
from textual.pilot import Pilot

from devices.errors import ScannerDenied, ScannerGone
from devices.evdev_reader import EventSource
from devices.replay import Event, keystrokes
from devices.sources import ScannerConfig, parse_scanner, start_scanner
from terminal.app import PickwiseApp
from terminal.device import Device
from terminal.scanners import Scanners
from terminal.screens.menu import MenuScreen
from terminal.screens.pick import PickScreen
from terminal.widgets.status_line import StatusLine
from terminal.workflows.picking import Step
from tests.conftest import Switchable
from tests.test_terminal_picking import feedback

evdev = pytest.importorskip("evdev")

KEYBOARD_SCANNER = "/dev/input/by-id/usb-Test_Scanner-event-kbd"
WAIT_LIMIT_S = 10.0  # a bound on waiting for a reader thread, never a timing


class RecordedScanner:
    """A keyboard-mode scanner: recorded key events behind a pipe's read end.

    The reader waits on the pipe like on an input device node; each batch of
    events written makes it readable once.
    """

    def __init__(self) -> None:
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_read, False)
        self._batches: queue.SimpleQueue[list[Any] | OSError] = queue.SimpleQueue()
        self.refusal: Exception | None = None
        self.log: list[str] = []

    def open(self, path: str) -> EventSource:
        """The reader's opener: refuses while unplugged or denied."""
        if self.refusal is not None:
            raise self.refusal
        self.log.append("grab")
        return self

    def type(self, text: str, layout: str = "us") -> None:
        """The events a scanner set to ``layout`` sends for ``text`` and Enter."""
        self._push(
            [_input_event(e) for e in keystrokes(text, layout, start=time.time())]
        )

    def drop_events(self) -> None:
        """The kernel's buffer overflowed in the middle of a scan."""
        dropped = evdev.InputEvent(int(time.time()), 0, 0, 3, 0)  # SYN_DROPPED
        first = keystrokes("12", start=time.time())[:4]
        self._push([*(_input_event(e) for e in first), dropped])

    def unplug(self) -> None:
        """The next read fails with ENODEV, and opening fails until replugged."""
        self.refusal = ScannerGone(f"Scanner {KEYBOARD_SCANNER} is not connected.")
        self._push(OSError(errno.ENODEV, "No such device"))

    def fileno(self) -> int:
        return self._wake_read

    def read(self) -> list[Any]:
        os.read(self._wake_read, 1)  # BlockingIOError when nothing is pending
        batch = self._batches.get_nowait()
        if isinstance(batch, OSError):
            raise batch
        return batch

    def grab(self) -> None:
        self.log.append("grab")

    def ungrab(self) -> None:
        self.log.append("ungrab")

    def close(self) -> None:
        self.log.append("close")

    def shut(self) -> None:
        os.close(self._wake_read)
        os.close(self._wake_write)

    def _push(self, batch: list[Any] | OSError) -> None:
        self._batches.put(batch)
        os.write(self._wake_write, b"!")


def _input_event(event: Event) -> Any:
    sec, usec = divmod(round(event.time * 1_000_000), 1_000_000)
    return evdev.InputEvent(sec, usec, event.type, event.code, event.value)


@pytest.fixture
def keyboard_scanner() -> Iterator[RecordedScanner]:
    scanner = RecordedScanner()
    yield scanner
    scanner.shut()


@pytest.fixture
def serial_port() -> Iterator[tuple[int, str]]:
    """A pseudo terminal: the test writes to the master, the reader opens the
    slave by its path, as it would a USB-CDC scanner."""
    master, slave = os.openpty()
    yield master, os.ttyname(slave)
    os.close(master)
    os.close(slave)


@asynccontextmanager
async def running(
    device: Device,
    configs: Sequence[ScannerConfig],
    keyboard_scanner: RecordedScanner | None = None,
) -> AsyncIterator[tuple[PickwiseApp, Pilot[int]]]:
    start = start_scanner
    if keyboard_scanner is not None:
        start = functools.partial(start_scanner, open_device=keyboard_scanner.open)
    app = PickwiseApp(device, scanners=Scanners(configs, start=start))
    async with app.run_test(size=(40, 16)) as pilot:
        await pilot.pause()
        yield app, pilot
    assert not _reader_threads(), "reader threads still running after exit"


def _reader_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("scanner-")]


async def until(pilot: Pilot[int], condition: Callable[[], bool], what: str) -> None:
    """Let the app run until ``condition`` holds; fail if it never does."""
    deadline = time.monotonic() + WAIT_LIMIT_S
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        await pilot.pause()


async def keys(app: PickwiseApp, pilot: Pilot[int], text: str, gap_s: float) -> None:
    """Terminal keys for ``text`` and Enter, stamped ``gap_s`` apart: a scanner
    typing into the terminal (a few ms), or a person (a few hundred)."""
    names = {"\x1d": "ctrl+right_square_bracket", "\r": "enter"}
    start = time.monotonic()
    for index, char in enumerate([*text, "\r"]):
        key = events.Key(names.get(char, char), char)
        key.time = start + index * gap_s
        app.post_message(key)
        await pilot.pause()


async def open_wave(app: PickwiseApp, pilot: Pilot[int]) -> PickScreen:
    """Sign in by badge, typed, and open the next wave from the menu."""
    await keys(app, pilot, "B1001", gap_s=0.4)
    await until(pilot, lambda: isinstance(app.screen, MenuScreen), "signed in")
    await pilot.press("1")
    await until(pilot, lambda: isinstance(app.screen, PickScreen), "wave opened")
    assert isinstance(app.screen, PickScreen)
    return app.screen


def notices(app: PickwiseApp) -> list[str]:
    return [f"{n.title}: {n.message}" for n in app._notifications]


def status(app: PickwiseApp) -> str:
    return str(app.screen.query_one(StatusLine).render())


def step_is(screen: PickScreen, step: Step) -> Callable[[], bool]:
    return lambda: screen.flow.step is step


async def test_a_serial_scanner_confirms_the_location_step(
    device: Device, serial_port: tuple[int, str]
) -> None:
    master, path = serial_port
    async with running(device, [parse_scanner(path)]) as (app, pilot):
        screen = await open_wave(app, pilot)
        task = screen.flow.task
        assert task is not None and screen.flow.step is Step.LOCATION

        os.write(master, f"]C0{task.location}\r\n".encode())
        await until(pilot, step_is(screen, Step.PRODUCT), "location scanned")
        assert f"At {task.location}" in feedback(app)


async def test_a_keyboard_mode_scanner_is_decoded_with_its_own_layout(
    device: Device, keyboard_scanner: RecordedScanner
) -> None:
    # On a German scanner '-' is the key a US table reads as '/'.
    config = parse_scanner(f"evdev:{KEYBOARD_SCANNER},layout=de")
    async with running(device, [config], keyboard_scanner) as (app, pilot):
        screen = await open_wave(app, pilot)
        task = screen.flow.task
        assert task is not None

        keyboard_scanner.type(task.location, layout="de")
        await until(pilot, step_is(screen, Step.PRODUCT), "location scanned")
        assert f"At {task.location}" in feedback(app)


async def test_one_line_is_picked_with_scans_from_every_source(
    device: Device,
    network: Switchable,
    serial_port: tuple[int, str],
    keyboard_scanner: RecordedScanner,
) -> None:
    master, path = serial_port
    configs = [parse_scanner(path), parse_scanner(KEYBOARD_SCANNER)]
    async with running(device, configs, keyboard_scanner) as (app, pilot):
        screen = await open_wave(app, pilot)
        network.down = True  # the confirmation stays in the outbox to be read
        task = screen.flow.task
        assert task is not None
        gtin = device.master.gtin_for(task.sku)
        assert gtin is not None

        os.write(master, f"{task.location}\r".encode())
        await until(pilot, step_is(screen, Step.PRODUCT), "location by serial")
        keyboard_scanner.type(f"]C101{gtin:0>14}10LOT7\x1d21SN1")
        await until(pilot, step_is(screen, Step.QUANTITY), "product by evdev")
        assert (screen.flow.lot, screen.flow.serial) == ("LOT7", "SN1")
        await pilot.press("enter")  # takes the quantity wanted
        await until(pilot, step_is(screen, Step.TOTE), "quantity typed")
        await keys(app, pilot, task.tote, gap_s=0.002)  # a scanner on the terminal
        await until(pilot, lambda: screen.flow.done == 1, "tote by keyboard")

    confirmed = device.journal.pending()
    assert [(c.task_id, c.lot, c.serial) for c in confirmed] == [
        (task.task_id, "LOT7", "SN1")
    ]


async def test_a_scanner_typing_into_the_terminal_keeps_the_gs_separator(
    device: Device,
) -> None:
    async with running(device, []) as (app, pilot):
        screen = await open_wave(app, pilot)
        task = screen.flow.task
        gtin = device.master.gtin_for(task.sku) if task else None
        assert task is not None and gtin is not None
        await keys(app, pilot, task.location, gap_s=0.002)
        assert screen.flow.step is Step.PRODUCT

        await keys(app, pilot, f"]C101{gtin:0>14}10LOT7\x1d21SN1", gap_s=0.002)
        assert screen.flow.step is Step.QUANTITY
        assert (screen.flow.lot, screen.flow.serial) == ("LOT7", "SN1")


async def test_digits_typed_by_a_person_are_a_count_and_scanned_are_a_barcode(
    device: Device,
) -> None:
    async with running(device, []) as (app, pilot):
        screen = await open_wave(app, pilot)
        task = screen.flow.task
        gtin = device.master.gtin_for(task.sku) if task else None
        assert task is not None and gtin is not None
        await keys(app, pilot, task.location, gap_s=0.002)
        await keys(app, pilot, gtin, gap_s=0.002)
        assert screen.flow.step is Step.QUANTITY

        await keys(app, pilot, "9999", gap_s=0.4)
        assert "9999 is more than" in feedback(app)
        await keys(app, pilot, "9999", gap_s=0.002)
        assert "Unknown barcode 9999" in feedback(app)
        assert screen.flow.step is Step.QUANTITY


async def test_an_unplugged_scanner_is_told_and_the_keyboard_keeps_working(
    device: Device, keyboard_scanner: RecordedScanner
) -> None:
    config = parse_scanner(KEYBOARD_SCANNER)
    async with running(device, [config], keyboard_scanner) as (app, pilot):
        screen = await open_wave(app, pilot)
        task = screen.flow.task
        assert task is not None

        keyboard_scanner.unplug()
        await until(pilot, lambda: "NO SCANNER" in status(app), "unplug shown")
        assert notices(app) == [f"Scanner off: Scanner disconnected. ({config.device})"]
        assert keyboard_scanner.log == ["grab", "ungrab", "close"]

        await keys(app, pilot, task.location, gap_s=0.002)
        assert screen.flow.step is Step.PRODUCT

        keyboard_scanner.refusal = None  # plugged in again
        await until(pilot, lambda: "NO SCANNER" not in status(app), "replug shown")
        assert notices(app)[-1].startswith("Scanner back:")
    assert keyboard_scanner.log[-2:] == ["ungrab", "close"]


async def test_a_denied_scanner_names_the_fix_and_the_others_keep_working(
    device: Device, serial_port: tuple[int, str], keyboard_scanner: RecordedScanner
) -> None:
    master, path = serial_port
    keyboard_scanner.refusal = ScannerDenied(
        f"No permission to read {KEYBOARD_SCANNER} (group input, mode 0660). "
        "Add this user to the input group and log in again, or add a udev rule."
    )
    configs = [parse_scanner(KEYBOARD_SCANNER), parse_scanner(path)]
    async with running(device, configs, keyboard_scanner) as (app, pilot):
        screen = await open_wave(app, pilot)
        task = screen.flow.task
        assert task is not None
        await until(pilot, lambda: bool(notices(app)), "refusal shown")
        assert "input group" in notices(app)[0]
        assert "NO SCANNER" in status(app)

        os.write(master, f"{task.location}\r".encode())
        await until(pilot, step_is(screen, Step.PRODUCT), "serial still read")


async def test_a_corrupted_scan_asks_for_a_rescan_and_keeps_the_step(
    device: Device, keyboard_scanner: RecordedScanner
) -> None:
    config = parse_scanner(KEYBOARD_SCANNER)
    async with running(device, [config], keyboard_scanner) as (app, pilot):
        screen = await open_wave(app, pilot)
        keyboard_scanner.drop_events()
        await until(pilot, lambda: bool(notices(app)), "rescan shown")
        assert notices(app) == ["Rescan: Scan corrupted: scan again."]
        assert screen.flow.step is Step.LOCATION
        assert "NO SCANNER" not in status(app)


async def test_a_burst_after_typed_characters_keeps_them_as_typing(
    device: Device,
) -> None:
    async with running(device, []) as (app, pilot):
        key = events.Key("B", "B")
        key.time = time.monotonic() - 1  # typed a second before the rest
        app.post_message(key)
        await pilot.pause()
        await keys(app, pilot, "1001", gap_s=0.002)

        await until(pilot, lambda: isinstance(app.screen, MenuScreen), "signed in")
