"""Starting a scanner from its configuration: one path for every source."""

from __future__ import annotations

import os
import queue

import pytest

from devices.barcode import interpret
from devices.scan import Scan, Signal
from devices.sources import ScannerConfig, start_scanner


@pytest.mark.parametrize(
    ("device", "keyboard"),
    [
        ("/dev/input/by-id/usb-Acme_Scanner-event-kbd", True),
        ("0c2e:0b61", True),
        ("/dev/serial/by-id/usb-Acme_Scanner-if00", False),
        ("socket://127.0.0.1:7000", False),
    ],
)
def test_the_mode_is_judged_from_the_device(device: str, keyboard: bool) -> None:
    assert ScannerConfig(device).keyboard_mode is keyboard


def test_the_mode_can_be_set() -> None:
    assert ScannerConfig("/dev/ttyACM0", mode="keyboard").keyboard_mode


def test_a_serial_scanner_delivers_scans_through_the_callback() -> None:
    master, slave = os.openpty()
    items: queue.Queue[Scan | Signal] = queue.Queue()
    reader = start_scanner(ScannerConfig(os.ttyname(slave)), items.put)
    try:
        assert items.get(timeout=5).kind == "connected"  # type: ignore[union-attr]
        os.write(master, b"]C10109506000134352\x1d10LOT7\r\n")
        scan = items.get(timeout=5)
        assert isinstance(scan, Scan)
        assert interpret(scan.text).lot == "LOT7"
    finally:
        reader.stop()
        os.close(master)
        os.close(slave)
