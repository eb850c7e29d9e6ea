"""What readers deliver: scans (text, symbology, source, time) and signals."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from devices.errors import ScannerBusy, ScannerDenied, ScannerError

_AIM = re.compile(r"\][A-Za-z][0-9A-Za-z]")


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


@dataclass(frozen=True)
class Scan:
    """One complete frame from a scanner, control characters (GS) kept."""

    text: str
    """The frame as delivered, AIM identifier included; never stripped or split."""
    source: str
    """Where it came from, e.g. ``evdev:/dev/input/by-id/…`` or ``keyboard``."""
    aim: str | None = None
    """The AIM symbology identifier at the start of ``text``, e.g. ``]C1``."""
    time: datetime.datetime = field(default_factory=_now)
    """The device clock when the frame ended: for people to read, never for order."""

    @classmethod
    def of(cls, text: str, source: str, time: datetime.datetime | None = None) -> Scan:
        """A scan of ``text``, with its AIM identifier found."""
        aim = text[:3] if _AIM.match(text) else None
        return cls(text=text, source=source, aim=aim, time=time or _now())

    @property
    def raw_view(self) -> str:
        """The text with every control character made visible (GS as ␝)."""
        return raw_view(self.text)


def raw_view(text: str) -> str:
    """``text`` with control characters shown as their Unicode pictures (GS → ␝).

    Markup such as ``[bold]`` is left as it is: the screen must show it literally.
    """
    out = []
    for char in text:
        code = ord(char)
        if code < 0x20:
            out.append(chr(0x2400 + code))
        elif code == 0x7F:
            out.append("␡")
        elif 0x80 <= code < 0xA0:
            out.append(f"<{code:02X}>")
        else:
            out.append(char)
    return "".join(out)


@dataclass(frozen=True)
class Signal:
    """Something a reader reports besides frames."""

    kind: str
    """``disconnected``, ``corrupted``, ``denied`` or ``busy``."""
    message: str
    """A sentence a picker or a supervisor can read."""


SCAN_CORRUPTED = "Scan corrupted: scan again."
SCANNER_DISCONNECTED = "Scanner disconnected."


def signal_for(error: ScannerError) -> Signal:
    """The signal that reports a scanner that cannot be opened."""
    if isinstance(error, ScannerDenied):
        return Signal("denied", str(error))
    if isinstance(error, ScannerBusy):
        return Signal("busy", str(error))
    return Signal("disconnected", str(error))
