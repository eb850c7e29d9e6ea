"""Starting a scanner from its configuration: one path for every source."""

from __future__ import annotations

import os
import queue

import pytest

from devices.barcode import interpret
from devices.errors import DevicesError
from devices.scan import Scan, Signal
from devices.sources import ScannerConfig, parse_scanner, start_scanner


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


def test_a_scanner_spec_sets_the_mode_and_overrides_the_defaults() -> None:
    config = parse_scanner(
        "evdev:/dev/ttyACM0,layout=de,terminators=ENTER+TAB", layout="fr"
    )
    assert (config.device, config.keyboard_mode) == ("/dev/ttyACM0", True)
    assert (config.layout, config.terminators) == ("de", ("ENTER", "TAB"))

    serial = parse_scanner("serial:0c2e:0b61,baudrate=115200", layout="de")
    assert (serial.device, serial.keyboard_mode) == ("0c2e:0b61", False)
    assert (serial.baudrate, serial.layout) == (115200, "de")


def test_a_scanner_without_terminator_gets_an_idle_time() -> None:
    config = parse_scanner("0c2e:0b61", terminators="none")
    assert (config.terminators, config.idle_ms) == ((), 100.0)
    assert parse_scanner("0c2e:0b61,terminators=none,idle-ms=80").idle_ms == 80.0


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("evdev:", "names no device"),
        ("/dev/input/by-id/x-event-kbd,layout", "has no value"),
        ("/dev/input/by-id/x-event-kbd,colour=red", "Unknown scanner option"),
        ("/dev/ttyACM0,baudrate=fast", "no number"),
        ("/dev/input/by-id/x-event-kbd,layout=xx", "Unknown keyboard layout"),
        ("/dev/input/by-id/x-event-kbd,terminators=ENTRE", "no key named"),
    ],
)
def test_a_scanner_spec_that_cannot_be_used_says_why(spec: str, says: str) -> None:
    with pytest.raises(DevicesError, match=says):
        parse_scanner(spec)
