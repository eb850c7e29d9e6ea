"""Serial scanners: the serial cases, loop://, and pseudo terminals as scanners."""

from __future__ import annotations

import contextlib
import json
import os
import queue
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import serial

from devices.errors import ScannerBusy, ScannerGone
from devices.scan import Scan, Signal
from devices.serialport import LineFramer, Port, SerialScanner, open_port

CASES = Path(__file__).parent / "cases" / "serial.jsonl"
SERIAL_CASES = [
    json.loads(line)
    for line in CASES.read_text(encoding="utf-8").split("\n")
    if line.strip(" ")
]
WAIT = 5.0  # seconds a test waits for a reader thread before it fails


class ScriptedPort:
    """A port whose reads return the given chunks, then stop the reader."""

    def __init__(self, chunks: list[str], scanner: SerialScanner) -> None:
        self.chunks = list(chunks)
        self.scanner = scanner
        self.closed = False

    @property
    def in_waiting(self) -> int:
        return len(self.chunks[0]) if self.chunks else 0

    def read(self, size: int = 1) -> bytes:
        if not self.chunks:
            self.scanner.stop()
            return b""
        chunk = self.chunks.pop(0)
        if chunk == "!DISCONNECT":
            raise serial.SerialException("device reports readiness to read but ...")
        return chunk.encode("latin-1")

    def close(self) -> None:
        self.closed = True


def run_scripted(chunks: list[str]) -> list[Scan | Signal]:
    out: list[Scan | Signal] = []
    ports: list[ScriptedPort] = []

    def opener(url: str) -> Port:
        ports.append(ScriptedPort(chunks if not ports else [], scanner))
        return ports[-1]

    scanner = SerialScanner("scripted://", out.append, opener=opener, backoff=(0,))
    scanner.run()
    assert all(port.closed for port in ports)
    return out


@pytest.mark.parametrize("case", SERIAL_CASES, ids=[c["id"] for c in SERIAL_CASES])
def test_serial_case(case: dict[str, Any]) -> None:
    out = run_scripted(case["chunks"])

    assert [item.text for item in out if isinstance(item, Scan)] == case[
        "expect_frames"
    ]
    # "connected" reports each (re)opened port; the cases list the other signals.
    signals = [item.kind for item in out if isinstance(item, Signal)]
    assert [kind for kind in signals if kind != "connected"] == case.get(
        "expect_signals", []
    )


def test_a_port_is_reopened_after_an_unplug() -> None:
    out = run_scripted(["]E0400", "!DISCONNECT"])

    kinds = [item.kind for item in out if isinstance(item, Signal)]
    assert kinds == ["connected", "disconnected", "connected"]


def test_crlf_split_across_reads_is_one_terminator() -> None:
    framer = LineFramer("test")

    assert [s.text for s in framer.feed(b"A1\r")] == ["A1"]
    assert framer.feed(b"\n") == []
    assert [s.text for s in framer.feed(b"B2\n\r\nC\x1d3\r")] == ["B2", "C\x1d3"]
    assert framer.discard() is False


def test_a_read_crash_reaches_the_app() -> None:
    crashes: list[BaseException] = []

    def opener(url: str) -> Port:
        raise RuntimeError("bug")

    out: list[Scan | Signal] = []
    SerialScanner("x://", out.append, opener=opener, on_crash=crashes.append).run()
    assert out == []
    assert [str(error) for error in crashes] == ["bug"]


def test_loop_url_delivers_whole_frames() -> None:
    port = serial.serial_for_url("loop://", timeout=0.05)
    port.write(b"]E04006381333931\r\n]E05901234123457\r")
    out: list[Scan | Signal] = []

    def collect(item: Scan | Signal) -> None:
        out.append(item)
        if sum(isinstance(i, Scan) for i in out) == 2:
            scanner.stop()

    scanner = SerialScanner("loop://", collect, opener=lambda url: port)
    scanner.run()

    texts = [item.text for item in out if isinstance(item, Scan)]
    assert texts == ["]E04006381333931", "]E05901234123457"]
    assert [item.aim for item in out if isinstance(item, Scan)] == ["]E0", "]E0"]


@pytest.fixture
def pty_pair() -> Iterator[tuple[int, str]]:
    master, slave = os.openpty()
    yield master, os.ttyname(slave)
    for fd in (master, slave):
        with contextlib.suppress(OSError):
            os.close(fd)


def next_item(items: queue.Queue[Scan | Signal], kind: type) -> Any:
    while True:
        item = items.get(timeout=WAIT)
        if isinstance(item, kind):
            return item


def next_signal(items: queue.Queue[Scan | Signal], kind: str) -> Signal:
    while True:
        signal = next_item(items, Signal)
        if signal.kind == kind:
            return signal  # type: ignore[no-any-return]


def test_pty_scanner_frames_chunks_and_reconnects_by_its_link(tmp_path: Path) -> None:
    master, slave = os.openpty()
    link = tmp_path / "usb-Scanner_1234-if00"
    link.symlink_to(os.ttyname(slave))
    items: queue.Queue[Scan | Signal] = queue.Queue()
    scanner = SerialScanner(str(link), items.put, backoff=(0.01,))
    scanner.start()
    try:
        next_signal(items, "connected")
        for chunk in (b"]C1010950", b"6000134352\x1d10A", b"BC\r\n"):
            os.write(master, chunk)
        assert next_item(items, Scan).text == "]C10109506000134352\x1d10ABC"

        os.write(master, b"0123")  # a partial frame, then the unplug
        os.close(master)
        os.close(slave)
        assert next_item(items, Signal).kind == "disconnected"

        master, slave = os.openpty()
        staged = tmp_path / "staged"
        staged.symlink_to(os.ttyname(slave))
        staged.replace(link)  # as udev does: the stable name now means the new node
        next_signal(items, "connected")
        os.write(master, b"T007\r")
        assert next_item(items, Scan).text == "T007"
    finally:
        scanner.stop()
        os.close(master)
        os.close(slave)


def test_a_port_held_by_another_program_is_busy(pty_pair: tuple[int, str]) -> None:
    _, slave_name = pty_pair
    first = open_port(slave_name)
    try:
        with pytest.raises(ScannerBusy, match="held by another program"):
            open_port(slave_name)
    finally:
        first.close()


def test_a_missing_port_is_not_connected(tmp_path: Path) -> None:
    with pytest.raises(ScannerGone):
        open_port(str(tmp_path / "usb-gone-if00"))
