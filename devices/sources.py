"""One way to start any scanner: the app names it, and scans arrive the same way.

`start_scanner` picks the reader for a configured scanner (keyboard mode through
evdev, or serial) and starts its thread. Whatever the source, the app receives
`Scan` and `Signal` values through one callback, from the reader's thread; it hands
them on to its own loop (in Textual, with ``call_from_thread``).

`parse_scanner` reads a scanner as a site writes it on the command line or in the
environment: ``[evdev:|serial:]DEVICE[,NAME=VALUE]...``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from devices.errors import SettingError
from devices.evdev_reader import (
    EvdevScanner,
    EventSource,
    is_vendor_product,
    open_evdev,
)
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

    def decoder(self) -> KeyDecoder:
        """A key decoder for this scanner (keyboard mode)."""
        return KeyDecoder(
            self.layout,
            terminators=self.terminators,
            idle_ms=self.idle_ms,
            source=f"evdev:{self.device}",
        )


def terminator_keys(
    names: str, idle_ms: float | None
) -> tuple[tuple[str, ...], float | None]:
    """The terminator keys of ``ENTER,KPENTER`` (or ``ENTER+TAB``, or ``none``),
    and the idle time: 100 ms when there is no terminator and none was given."""
    keys = () if names == "none" else tuple(names.replace("+", ",").split(","))
    if any(not key for key in keys):
        raise SettingError(f"No terminator key named in {names!r}.")
    return keys, (100.0 if idle_ms is None and not keys else idle_ms)


def parse_scanner(
    spec: str,
    *,
    layout: str = "us",
    terminators: str = "ENTER,KPENTER",
    idle_ms: float | None = None,
    baudrate: int = 9600,
) -> ScannerConfig:
    """A scanner written as ``[evdev:|serial:]DEVICE[,NAME=VALUE]...``.

    ``evdev:`` or ``serial:`` sets the mode, which is otherwise judged from the
    device. The options ``layout``, ``terminators`` (keys joined by ``+``, or
    ``none``), ``idle-ms`` and ``baudrate`` override the keyword arguments for
    this scanner alone.

    Raises:
        SettingError: The spec or one of its options cannot be used.
        LayoutError: The keyboard layout is unknown.
    """
    device, *options = spec.split(",")
    mode = "auto"
    for prefix, named in (("evdev:", "keyboard"), ("serial:", "serial")):
        if device.startswith(prefix):
            mode, device = named, device[len(prefix) :]
    if not device:
        raise SettingError(f"Scanner {spec!r} names no device.")
    for option in options:
        name, equals, value = option.partition("=")
        if not equals or not value:
            raise SettingError(f"Scanner option {option!r} in {spec!r} has no value.")
        if name == "layout":
            layout = value
        elif name == "terminators":
            terminators = value
        elif name in ("idle-ms", "baudrate"):
            try:
                number = float(value) if name == "idle-ms" else int(value)
            except ValueError:
                raise SettingError(f"Scanner option {option!r} is no number.") from None
            if name == "idle-ms":
                idle_ms = number
            else:
                baudrate = int(number)
        else:
            raise SettingError(
                f"Unknown scanner option {name!r} in {spec!r}; known: layout, "
                "terminators, idle-ms, baudrate."
            )
    keys, idle = terminator_keys(terminators, idle_ms)
    config = ScannerConfig(device, mode, layout, keys, idle, baudrate)
    config.decoder()  # an unknown layout or key fails here, before any thread
    return config


def start_scanner(
    config: ScannerConfig,
    emit: Callable[[Scan | Signal], None],
    *,
    on_crash: Callable[[BaseException], None] | None = None,
    open_device: Callable[[str], EventSource] = open_evdev,
) -> Reader:
    """Start reading ``config``'s scanner in its own thread; stop it with ``stop``.

    ``open_device`` opens and grabs an input device (keyboard mode); tests give
    one that replays recorded events.
    """
    reader: EvdevScanner | SerialScanner
    if config.keyboard_mode:
        reader = EvdevScanner(
            config.device,
            emit,
            config.decoder(),
            on_crash=on_crash,
            opener=open_device,
        )
    else:
        reader = SerialScanner(
            config.device,
            emit,
            on_crash=on_crash,
            opener=lambda url: open_port(url, baudrate=config.baudrate),
        )
    reader.start()
    return reader
