"""Scanners in the terminal: every source reaches the screen the same way.

Reader threads (evdev, serial) and the keyboard entry post `ScanArrived` to the
app; the app interprets the scan once and posts `Scanned` to the current screen.
Screens never learn where a scan came from. What a reader reports besides scans
arrives as `ScannerSignalled`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from textual.app import App
from textual.message import Message
from textual.notifications import SeverityLevel

from devices.barcode import Reading
from devices.scan import Scan, Signal
from devices.sources import Reader, ScannerConfig, start_scanner

log = logging.getLogger("terminal")

Starter = Callable[..., Reader]
"""`devices.sources.start_scanner`, or the same with a test's device opener."""


class ScanArrived(Message, bubble=False):
    """A scanner delivered a frame; posted to the app from any thread."""

    def __init__(self, scan: Scan) -> None:
        super().__init__()
        self.scan = scan


class Scanned(Message, bubble=False):
    """A scan, interpreted once, for the current screen."""

    def __init__(self, scan: Scan, reading: Reading) -> None:
        super().__init__()
        self.scan = scan
        self.reading = reading


class ScannerSignalled(Message, bubble=False):
    """A scanner was connected, lost, refused or sent a corrupted scan."""

    def __init__(self, device: str, signal: Signal) -> None:
        super().__init__()
        self.device = device
        self.signal = signal


@dataclass(frozen=True)
class Notice:
    """How a signal is told to the person at the device."""

    title: str
    message: str
    severity: SeverityLevel
    bell: bool

    @property
    def timeout(self) -> float:
        """Seconds on screen: long enough to read a fix, short for good news."""
        return 20 if self.severity == "error" else 8


def notice(device: str, signal: Signal, *, was_off: bool) -> Notice | None:
    """What to tell about ``signal``; None for a first, expected connection."""
    if signal.kind == "connected":
        if not was_off:
            return None
        return Notice("Scanner back", signal.message, "information", bell=False)
    if signal.kind == "corrupted":
        return Notice("Rescan", signal.message, "warning", bell=True)
    if signal.kind == "crashed":
        return Notice("Scanner stopped", signal.message, "error", bell=True)
    message = signal.message
    if device not in message:
        message = f"{message} ({device})"
    return Notice("Scanner off", message, "error", bell=True)


class Scanners:
    """The configured scanners of this device, read in their own threads."""

    def __init__(
        self, configs: Sequence[ScannerConfig] = (), *, start: Starter = start_scanner
    ) -> None:
        self.configs = tuple(configs)
        self.off: dict[str, Signal] = {}
        """Scanners that cannot be read now, by device, with the reason."""
        self._start = start
        self._readers: list[Reader] = []

    def start(self, app: App[Any]) -> None:
        """Start every reader; their scans and signals are posted to ``app``."""
        for config in self.configs:
            self._readers.append(
                self._start(
                    config,
                    _poster(app, config.device),
                    on_crash=_crash_poster(app, config.device),
                )
            )
            log.info("scanner.started", extra={"device": config.device})

    def note(self, device: str, signal: Signal) -> Notice | None:
        """Keep track of which scanners are off; what to tell about ``signal``."""
        before = self.off.get(device)
        if signal.kind == "connected":
            self.off.pop(device, None)
        elif signal.kind != "corrupted":
            self.off[device] = signal
            if before is not None and before.kind == signal.kind:
                return None  # told already; the reader keeps trying
        return notice(device, signal, was_off=before is not None)

    def stop(self) -> None:
        """Stop every reader and wait for it: grabs released, ports closed."""
        readers, self._readers = self._readers, []
        for reader in readers:
            reader.stop()
        log.info("scanner.stopped", extra={"count": len(readers)})


def _poster(app: App[Any], device: str) -> Callable[[Scan | Signal], None]:
    def post(item: Scan | Signal) -> None:
        try:
            if isinstance(item, Scan):
                app.post_message(ScanArrived(item))
            else:
                app.post_message(ScannerSignalled(device, item))
        except RuntimeError:  # the app's loop has closed: nobody left to tell
            log.info("scanner.after_exit", extra={"device": device})

    return post


def _crash_poster(app: App[Any], device: str) -> Callable[[BaseException], None]:
    post = _poster(app, device)

    def crashed(error: BaseException) -> None:
        post(Signal("crashed", f"Scanner {device} stopped: {error}"))

    return crashed
