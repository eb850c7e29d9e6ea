"""One way to start any scanner: the app names it, and scans arrive the same way.

`start_scanner` picks the reader for a configured scanner (keyboard mode through
evdev, or serial) and starts its thread. Whatever the source, the app receives
`Scan` and `Signal` values through one callback, from the reader's thread; it hands
them on to its own loop (in Textual, with ``call_from_thread``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from devices.evdev_reader import EvdevScanner, is_vendor_product
from devices.keys import DEFAULT_TERMINATORS, KeyDecoder
from devices.scan import Scan, Signal
from devices.serialport import SerialScanner, open_port


class Reader(Protocol):
    """A started scanner reader."""

    def stop(self, timeout: float = 1.0) -> None: ...


@dataclass(frozen=True)
class ScannerConfig:
    """One scanner, as a site configures it."""

    device: str
    """An input device path (``/dev/input/by-id/…-event-kbd``), a USB
    ``vendor:product`` pair, or a serial port path or URL."""
    mode: str = "auto"
    """``keyboard``, ``serial``, or ``auto`` (judged from ``device``)."""
    layout: str = "us"
    """The keyboard country the scanner is set to (keyboard mode)."""
    terminators: tuple[str, ...] = DEFAULT_TERMINATORS
    idle_ms: float | None = None
    baudrate: int = 9600

    @property
    def keyboard_mode(self) -> bool:
        """Whether the scanner is read as an input device."""
        if self.mode != "auto":
            return self.mode == "keyboard"
        return self.device.startswith("/dev/input/") or is_vendor_product(self.device)


def start_scanner(
    config: ScannerConfig,
    emit: Callable[[Scan | Signal], None],
    *,
    on_crash: Callable[[BaseException], None] | None = None,
) -> Reader:
    """Start reading ``config``'s scanner in its own thread; stop it with ``stop``."""
    reader: EvdevScanner | SerialScanner
    if config.keyboard_mode:
        decoder = KeyDecoder(
            config.layout,
            terminators=config.terminators,
            idle_ms=config.idle_ms,
            source=f"evdev:{config.device}",
        )
        reader = EvdevScanner(config.device, emit, decoder, on_crash=on_crash)
    else:
        reader = SerialScanner(
            config.device,
            emit,
            on_crash=on_crash,
            opener=lambda url: open_port(url, baudrate=config.baudrate),
        )
    reader.start()
    return reader
