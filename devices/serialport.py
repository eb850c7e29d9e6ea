"""Serial and USB-CDC scanners, read through pyserial.

Every port is opened with ``serial_for_url``, so a real port, ``loop://``,
``socket://`` and a pseudo terminal share one code path. Bytes go into one buffer
kept across reads; a frame ends at CR, LF or CRLF, and a partial frame is never
delivered: not at a read timeout, not when the scanner is unplugged.
"""

from __future__ import annotations

import errno
import logging
import threading
from collections.abc import Callable, Sequence
from typing import Protocol

import serial

from devices.errors import ScannerBusy, ScannerDenied, ScannerError, ScannerGone
from devices.scan import SCANNER_DISCONNECTED, Scan, Signal, signal_for

log = logging.getLogger("devices")

DEFAULT_BACKOFF = (0.2, 0.5, 1.0, 2.0, 5.0)


class Port(Protocol):
    """What the reader needs of a pyserial port."""

    @property
    def in_waiting(self) -> int: ...

    def read(self, size: int = 1) -> bytes: ...

    def close(self) -> None: ...


class LineFramer:
    """Splits a byte stream into frames at CR, LF or CRLF."""

    def __init__(self, source: str, *, encoding: str = "utf-8") -> None:
        self._source = source
        self._encoding = encoding
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[Scan]:
        """Add ``data`` and return the frames it completes; empty frames are dropped."""
        self._buffer += data
        scans = []
        while (end := _first_terminator(self._buffer)) >= 0:
            frame = bytes(self._buffer[:end])
            del self._buffer[: end + 1]
            if frame:
                text = frame.decode(self._encoding, errors="replace")
                scans.append(Scan.of(text, self._source))
        return scans

    def discard(self) -> bool:
        """Drop a partial frame; True if there was one."""
        partial = bool(self._buffer)
        self._buffer.clear()
        return partial


def _first_terminator(buffer: bytearray) -> int:
    ends = [index for index in map(buffer.find, (b"\r", b"\n")) if index >= 0]
    return min(ends, default=-1)


def open_port(url: str, *, baudrate: int = 9600, timeout: float = 0.1) -> Port:
    """Open ``url`` exclusively, translating failures into `ScannerError`."""
    try:
        port: Port = serial.serial_for_url(
            url, baudrate=baudrate, timeout=timeout, exclusive=True
        )
    except serial.SerialException as error:
        raise _translate(url, error) from error
    except ValueError as error:
        raise ScannerError(f"{url} is not a serial port address: {error}") from error
    return port


def _translate(url: str, error: serial.SerialException) -> ScannerError:
    code = error.errno
    detail = str(error)
    if code == errno.EBUSY:
        return ScannerBusy(f"Port {url} is busy (ModemManager probing it?).")
    if code == errno.EAGAIN or "exclusively lock" in detail:
        return ScannerBusy(f"Port {url} is held by another program.")
    if code == errno.EACCES:
        return ScannerDenied(
            f"No permission to read {url}: join the group that owns it (often "
            "dialout) or add a udev rule for the scanner."
        )
    if code in (errno.ENOENT, errno.ENODEV, errno.ENXIO):
        return ScannerGone(f"Serial scanner {url} is not connected.")
    return ScannerError(f"Cannot open {url}: {detail}")


class SerialScanner:
    """Reads one serial scanner in a named thread, and reopens it after an unplug.

    Frames and signals go to ``emit`` from the reader thread; a crash of the thread
    goes to ``on_crash``. Open the port by its stable ``/dev/serial/by-id/…`` name,
    so that reopening finds the same scanner after it comes back.
    """

    def __init__(
        self,
        url: str,
        emit: Callable[[Scan | Signal], None],
        *,
        on_crash: Callable[[BaseException], None] | None = None,
        opener: Callable[[str], Port] = open_port,
        backoff: Sequence[float] = DEFAULT_BACKOFF,
        encoding: str = "utf-8",
    ) -> None:
        self.url = url
        self._emit = emit
        self._on_crash = on_crash
        self._opener = opener
        self._backoff = backoff
        self._framer = LineFramer(f"serial:{url}", encoding=encoding)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the reader thread."""
        self._thread = threading.Thread(
            target=self.run, name=f"scanner-serial:{self.url}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 1.0) -> None:
        """Ask the reader thread to end and wait for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run(self) -> None:
        """The thread body: open, read until failure, report, reopen; until stopped."""
        try:
            while not self._stop.is_set():
                port = self._open_with_backoff()
                if port is None:
                    return
                try:
                    self._read(port)
                finally:
                    port.close()
        except BaseException as error:  # handed to the app, never lost in a thread
            log.exception("serial_reader_crashed", extra={"url": self.url})
            if self._on_crash is None:
                raise
            self._on_crash(error)

    def _open_with_backoff(self) -> Port | None:
        attempt = 0
        reported = ""
        while not self._stop.is_set():
            try:
                port = self._opener(self.url)
            except ScannerError as error:
                if str(error) != reported:
                    reported = str(error)
                    self._emit(signal_for(error))
                delay = self._backoff[min(attempt, len(self._backoff) - 1)]
                attempt += 1
                self._stop.wait(delay)
                continue
            self._emit(Signal("connected", f"Scanner on {self.url} connected."))
            return port
        return None

    def _read(self, port: Port) -> None:
        while not self._stop.is_set():
            try:
                data = port.read(max(1, port.in_waiting))
            except (serial.SerialException, OSError) as error:
                partial = self._framer.discard()
                log.warning(
                    "serial_disconnected",
                    extra={"url": self.url, "partial": partial, "error": str(error)},
                )
                self._emit(Signal("disconnected", SCANNER_DISCONNECTED))
                return
            for scan in self._framer.feed(data):
                self._emit(scan)
