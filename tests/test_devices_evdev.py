"""The evdev reader, fed recorded events through a fake device."""

from __future__ import annotations

import errno
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

evdev = pytest.importorskip("evdev")

from devices.errors import ScannerDenied, ScannerGone  # noqa: E402
from devices.evdev_reader import (  # noqa: E402
    EvdevScanner,
    EventSource,
    list_candidates,
    looks_like_scanner,
    permission_problem,
    resolve,
)
from devices.keys import KeyDecoder, key_code  # noqa: E402
from devices.replay import Event, parse_tokens  # noqa: E402
from devices.scan import Scan, Signal  # noqa: E402


def events(tokens: str) -> list[Any]:
    """Recorded key events as python-evdev's own `InputEvent` objects."""
    out = []
    for record in parse_tokens(tokens, start=1_700_000_000.0):
        assert isinstance(record, Event)
        sec, usec = divmod(round(record.time * 1_000_000), 1_000_000)
        out.append(evdev.InputEvent(sec, usec, record.type, record.code, record.value))
    return out


class FakeDevice:
    """Replays batches of events, one batch per wakeup, then stops the reader."""

    def __init__(self, batches: list[Any], scanner: list[EvdevScanner]) -> None:
        self.batches = list(batches)
        self.scanner = scanner
        self.log: list[str] = []

    def fileno(self) -> int:
        return -1

    def read(self) -> Iterable[Any]:
        if not self.batches:
            self.scanner[0].stop()
            raise BlockingIOError
        batch = self.batches.pop(0)
        if isinstance(batch, OSError):
            raise batch
        return iter(batch)

    def grab(self) -> None:
        self.log.append("grab")

    def ungrab(self) -> None:
        self.log.append("ungrab")

    def close(self) -> None:
        self.log.append("close")


def run_reader(*batches: Any, layout: str = "us") -> tuple[list[Any], list[FakeDevice]]:
    out: list[Scan | Signal] = []
    devices: list[FakeDevice] = []
    holder: list[EvdevScanner] = []

    def opener(path: str) -> EventSource:
        devices.append(FakeDevice(list(batches) if not devices else [], holder))
        return devices[-1]

    scanner = EvdevScanner(
        "/dev/input/by-id/usb-Scanner-event-kbd",
        out.append,
        KeyDecoder(layout, source="evdev:test"),
        opener=opener,
        wait=lambda source, timeout: True,
        clock=lambda: 1_700_000_100.0,
        backoff=(0,),
    )
    holder.append(scanner)
    scanner.run()
    return out, devices


def kinds(out: list[Any]) -> list[str]:
    return [item.text if isinstance(item, Scan) else item.kind for item in out]


def test_all_pending_events_are_drained_in_one_wakeup() -> None:
    keys = " ".join(f"{d}+ {d}-" for d in "0123456789" * 20)
    out, _ = run_reader(events(f"{keys} ENTER+ ENTER-"))

    assert kinds(out) == ["connected", "0123456789" * 20]


def test_unplug_drops_the_partial_scan_and_reopens() -> None:
    gone = OSError(errno.ENODEV, "No such device")
    out, devices = run_reader(events("1+ 1- ENTER+ ENTER-"), events("2+ 2-"), gone)

    assert kinds(out) == ["connected", "1", "disconnected", "connected"]
    assert devices[0].log == ["ungrab", "close"]


def test_dropped_events_report_a_corrupted_scan() -> None:
    out, _ = run_reader(events("0+ 0- !DROP 2+ 2- ENTER+ ENTER- 5+ 5- ENTER+ ENTER-"))

    assert kinds(out) == ["connected", "corrupted", "5"]


def test_scan_times_come_from_the_kernel_events() -> None:
    out, _ = run_reader(events("1+ 1- ENTER+ ENTER-"))

    scan = out[1]
    assert scan.source == "evdev:test"
    assert 1_700_000_000 < scan.time.timestamp() < 1_700_000_001


def test_a_denied_device_is_reported_and_retried() -> None:
    out: list[Scan | Signal] = []
    calls: list[str] = []

    def opener(path: str) -> EventSource:
        calls.append(path)
        if len(calls) == 3:
            scanner.stop()
        raise ScannerDenied(f"No permission to read {path}.")

    scanner = EvdevScanner(
        "/dev/input/event9", out.append, KeyDecoder(), opener=opener, backoff=(0,)
    )
    scanner.run()
    # Reported once, not once per attempt.
    assert [(s.kind, s.message) for s in out if isinstance(s, Signal)] == [
        ("denied", "No permission to read /dev/input/event9.")
    ]
    assert len(calls) == 3


def test_permission_problem_names_node_group_and_fix(tmp_path: Path) -> None:
    node = tmp_path / "event7"
    node.write_bytes(b"")

    message = permission_problem(str(node))
    assert str(node) in message
    assert "group " in message
    assert "udev rule" in message


def test_a_mouse_node_is_no_scanner() -> None:
    keyboard = {1: [key_code(k) for k in ("A", "Z", "1", "0", "ENTER")]}
    mouse = {1: [272, 273], 2: [0, 1]}
    scanner_mouse = {**keyboard, 2: [0, 1]}

    assert looks_like_scanner(keyboard)
    assert not looks_like_scanner(mouse)
    assert not looks_like_scanner(scanner_mouse)


def test_candidates_list_keyboard_and_serial_scanners(tmp_path: Path) -> None:
    inputs, serials = tmp_path / "input", tmp_path / "serial"
    inputs.mkdir()
    serials.mkdir()
    (tmp_path / "event3").write_bytes(b"")
    (inputs / "usb-Acme_Scanner-event-kbd").symlink_to(tmp_path / "event3")
    (inputs / "usb-Acme_Scanner-event-mouse").symlink_to(tmp_path / "event3")
    (serials / "usb-Acme_Scanner-if00").symlink_to(tmp_path / "event3")

    found = list_candidates(inputs, serials)
    assert [(c.mode, c.name) for c in found] == [
        ("keyboard", "usb-Acme_Scanner-event-kbd"),
        ("serial", "usb-Acme_Scanner-if00"),
    ]


def test_a_path_resolves_to_itself_and_a_missing_vendor_product_is_gone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(evdev, "list_devices", lambda: [])

    assert resolve("/dev/input/by-id/usb-Acme-event-kbd").endswith("-event-kbd")
    with pytest.raises(ScannerGone, match="0c2e:0b61"):
        resolve("0c2e:0b61")
