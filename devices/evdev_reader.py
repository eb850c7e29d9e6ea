"""Keyboard-wedge scanners read as input devices (evdev), grabbed from the start.

A reader thread waits on the device, drains every pending event on each wakeup, and
feeds them to a `KeyDecoder`. An unplugged device (ENODEV) drops the partial scan,
reports "scanner disconnected", and is found again by its stable ``by-id`` path. The
grab keeps scans away from the console and the terminal; the kernel also releases it
when the process ends, whatever the way.
"""

from __future__ import annotations

import errno
import grp
import logging
import os
import re
import select
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from devices.errors import ScannerBusy, ScannerDenied, ScannerError, ScannerGone
from devices.keys import KeyDecoder, key_code
from devices.scan import Scan, Signal, signal_for

log = logging.getLogger("devices")

INPUT_BY_ID = Path("/dev/input/by-id")
SERIAL_BY_ID = Path("/dev/serial/by-id")
DEFAULT_BACKOFF = (0.2, 0.5, 1.0, 2.0, 5.0)
EV_KEY, EV_REL = 1, 2
_VENDOR_PRODUCT = re.compile(r"[0-9a-fA-F]{4}:[0-9a-fA-F]{4}")
_SCANNER_KEYS = frozenset(key_code(name) for name in ("A", "Z", "1", "0", "ENTER"))


class EventSource(Protocol):
    """What the reader needs of an input device (python-evdev's `InputDevice`)."""

    def fileno(self) -> int: ...

    def read(self) -> Iterable[Any]: ...

    def grab(self) -> None: ...

    def ungrab(self) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Candidate:
    """A device that may be a scanner."""

    path: str
    """The stable path where there is one (``by-id``), else the device node."""
    mode: str
    """``keyboard`` (an input device) or ``serial``."""
    name: str = ""
    readable: bool = True
    problem: str | None = None
    """Why it cannot be read, with the fix."""


def permission_problem(node: str, *, rule_group: str = "input") -> str:
    """A sentence naming the node, its group and the fix for reading it."""
    try:
        info = os.stat(node)
        group = grp.getgrgid(info.st_gid).gr_name
        mode = f"{info.st_mode & 0o777:04o}"
    except (OSError, KeyError):
        group, mode = "?", "?"
    return (
        f"No permission to read {node} (group {group}, mode {mode}). Add this user "
        f"to the {group} group and log in again, or add a udev rule for the scanner: "
        f'ATTRS{{idVendor}}=="VVVV", ATTRS{{idProduct}}=="PPPP", GROUP="{rule_group}", '
        'MODE="0660", TAG+="uaccess", SYMLINK+="scanner".'
    )


def looks_like_scanner(capabilities: Mapping[int, Sequence[int]]) -> bool:
    """True for a node with letter, digit and Enter keys that is not a mouse."""
    keys = set(capabilities.get(EV_KEY, ()))
    return keys >= _SCANNER_KEYS and EV_REL not in capabilities


def list_candidates(
    input_dir: Path = INPUT_BY_ID, serial_dir: Path = SERIAL_BY_ID
) -> list[Candidate]:
    """Keyboard-like input devices and serial ports that may be scanners."""
    found = []
    for link in sorted(input_dir.glob("*-event-kbd")) if input_dir.is_dir() else []:
        readable = os.access(link, os.R_OK)
        node = os.path.realpath(link)
        found.append(
            Candidate(
                path=str(link),
                mode="keyboard",
                name=link.name,
                readable=readable,
                problem=None if readable else permission_problem(node),
            )
        )
    for link in sorted(serial_dir.iterdir()) if serial_dir.is_dir() else []:
        readable = os.access(link, os.R_OK | os.W_OK)
        found.append(
            Candidate(
                path=str(link),
                mode="serial",
                name=link.name,
                readable=readable,
                problem=None
                if readable
                else permission_problem(str(link), rule_group="dialout"),
            )
        )
    return found


def is_vendor_product(spec: str) -> bool:
    """True for a USB ``vendor:product`` pair such as ``0c2e:0b61``."""
    return _VENDOR_PRODUCT.fullmatch(spec) is not None


def resolve(spec: str) -> str:
    """The device node of a path, or of a ``vendor:product`` keyboard-mode scanner."""
    if not is_vendor_product(spec):
        return spec
    import evdev  # a C extension: loaded only where devices are read

    vendor, product = (int(part, 16) for part in spec.split(":"))
    for node in evdev.list_devices():
        try:
            device = evdev.InputDevice(node)
        except OSError:
            continue  # unreadable nodes are reported by list_candidates
        try:
            info = device.info
            if (info.vendor, info.product) == (vendor, product) and looks_like_scanner(
                device.capabilities()
            ):
                return str(node)
        finally:
            device.close()
    raise ScannerGone(f"No keyboard-mode scanner {spec} is connected.")


def open_evdev(spec: str) -> EventSource:
    """Open and grab an input device by path or ``vendor:product``.

    Failures are translated into `ScannerError`. The spec is resolved again on
    every open, so a scanner that comes back under another node is found.
    """
    import evdev  # a C extension: loaded only where devices are read

    path = resolve(spec)
    try:
        device = evdev.InputDevice(path)
    except OSError as error:
        raise _translate(path, error) from error
    if not looks_like_scanner(device.capabilities()):
        device.close()
        raise ScannerError(f"{path} has no letter, digit and Enter keys: no scanner.")
    try:
        device.grab()
    except OSError as error:
        device.close()
        if error.errno == errno.EBUSY:
            raise ScannerBusy(f"{path} is grabbed by another program.") from error
        raise _translate(path, error) from error
    return device


def _translate(path: str, error: OSError) -> ScannerError:
    if error.errno == errno.EACCES:
        return ScannerDenied(permission_problem(os.path.realpath(path)))
    if error.errno in (errno.ENOENT, errno.ENODEV):
        return ScannerGone(f"Scanner {path} is not connected.")
    return ScannerError(f"Cannot open {path}: {error}")


def wait_readable(source: EventSource, timeout: float) -> bool:
    """Wait until ``source`` has events, at most ``timeout`` seconds."""
    ready, _, _ = select.select([source.fileno()], [], [], timeout)
    return bool(ready)


class EvdevScanner:
    """Reads one wedge scanner in a named thread; reopens it after an unplug."""

    def __init__(
        self,
        path: str,
        emit: Callable[[Scan | Signal], None],
        decoder: KeyDecoder,
        *,
        on_crash: Callable[[BaseException], None] | None = None,
        opener: Callable[[str], EventSource] = open_evdev,
        wait: Callable[[EventSource, float], bool] = wait_readable,
        clock: Callable[[], float] = time.time,
        backoff: Sequence[float] = DEFAULT_BACKOFF,
        poll: float = 0.1,
    ) -> None:
        self.path = path
        self._emit = emit
        self._decoder = decoder
        self._on_crash = on_crash
        self._opener = opener
        self._wait = wait
        self._clock = clock
        self._backoff = backoff
        self._poll = poll
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the reader thread."""
        self._thread = threading.Thread(
            target=self.run, name=f"scanner-evdev:{self.path}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 1.0) -> None:
        """Ask the reader thread to end (it ungrabs) and wait for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run(self) -> None:
        """The thread body: open, grab and read the device, again after an unplug."""
        try:
            while not self._stop.is_set():
                source = self._open_with_backoff()
                if source is None:
                    return
                try:
                    self._read(source)
                finally:
                    _release(source)
        except BaseException as error:  # handed to the app, never lost in a thread
            log.exception("evdev_reader_crashed", extra={"path": self.path})
            if self._on_crash is None:
                raise
            self._on_crash(error)

    def _open_with_backoff(self) -> EventSource | None:
        attempt = 0
        reported = ""
        while not self._stop.is_set():
            try:
                source = self._opener(self.path)
            except ScannerError as error:
                if str(error) != reported:
                    reported = str(error)
                    self._emit(signal_for(error))
                self._stop.wait(self._backoff[min(attempt, len(self._backoff) - 1)])
                attempt += 1
                continue
            self._emit(Signal("connected", f"Scanner {self.path} connected."))
            return source
        return None

    def _read(self, source: EventSource) -> None:
        while not self._stop.is_set():
            if self._wait(source, self._poll):
                events, gone = _drain(source)
                batch = [
                    (event.type, event.code, event.value, event.sec + event.usec / 1e6)
                    for event in events
                ]
                self._send(self._decoder.feed_all(batch))
                if gone is not None:
                    if gone.errno != errno.ENODEV:
                        raise gone
                    log.warning("evdev_disconnected", extra={"path": self.path})
                    self._send(self._decoder.disconnect())
                    return
            self._send(self._decoder.tick(self._clock()))

    def _send(self, items: Iterable[Scan | Signal]) -> None:
        for item in items:
            self._emit(item)


def _drain(source: EventSource) -> tuple[list[Any], OSError | None]:
    """Every pending event, and the error that ended the read if it was no mere
    "nothing more to read"."""
    events: list[Any] = []
    try:
        events.extend(source.read())
    except BlockingIOError:
        return events, None
    except OSError as error:
        return events, error
    return events, None


def _release(source: EventSource) -> None:
    try:
        source.ungrab()
    except OSError:
        pass  # the device is gone, and its grab with it
    finally:
        source.close()
