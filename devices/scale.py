"""Serial scales at the packing bench, read through pyserial.

Scales print a line per reading, in one of a few common shapes:

- ``ST,GS,+  1.234 kg``: stable (``ST``), unstable (``US``) or overload
  (``OL``), gross or net, the weight and its unit (many bench scales);
- ``S S     1.234 kg``: MT-SICS, ``S`` stable, ``D`` still moving;
- ``  1.234 kg`` or ``+0001.234kg``: a weight alone, taken as stable.

Weights are exact decimals in kilograms. Ports are opened with
``serial_for_url``, so ``loop://`` and pseudo terminals work as real ports do.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

import serial

from devices.errors import ScaleError

_LINE = re.compile(
    r"""\s*
    (?:(?P<state>ST|US|OL)\s*,\s*(?:GS|NT|TR|G|N)?\s*,\s*    # ST,GS,
      |S\s+(?P<sics>[SD+-])\s+)?                             # MT-SICS S S
    (?P<sign>[+-])?\s*(?P<number>\d+(?:\.\d+)?)\s*
    (?P<unit>kg|g|lb)?\s*""",
    re.IGNORECASE | re.VERBOSE,
)
_TO_KG = {"kg": Decimal(1), "g": Decimal("0.001"), "lb": Decimal("0.45359237")}
GRAM = Decimal("0.001")


@dataclass(frozen=True)
class ScaleReading:
    """One line from a scale."""

    kg: Decimal
    stable: bool


def parse_reading(line: str) -> ScaleReading:
    """Read one line of scale output; `ScaleError` if it is not a weight."""
    match = _LINE.fullmatch(line)
    if match is None:
        raise ScaleError(f"The scale sent {line.strip()[:40]!r}, which is no weight.")
    state, sics = (match["state"] or "ST").upper(), match["sics"] or "S"
    if state == "OL" or sics in ("+", "-"):
        raise ScaleError("The scale is overloaded or under its range.")
    unit = (match["unit"] or "kg").lower()
    kg = Decimal(match["number"]) * _TO_KG[unit]
    if match["sign"] == "-":
        kg = -kg
    if unit != "kg":
        kg = kg.quantize(GRAM, rounding=ROUND_HALF_EVEN)
    return ScaleReading(kg, stable=state == "ST" and sics == "S")


def read_weight(
    url: str,
    *,
    baudrate: int = 9600,
    timeout: float = 3.0,
    request: bytes = b"",
) -> Decimal:
    """The first steady weight the scale at ``url`` gives within ``timeout``.

    ``request`` is sent first, for scales that answer only when asked (``S\\r\\n``
    for MT-SICS, ``W\\r`` for many others).
    """
    try:
        port = serial.serial_for_url(url, baudrate=baudrate, timeout=0.1)
    except (serial.SerialException, ValueError) as exc:
        raise ScaleError(f"The scale on {url} cannot be opened: {exc}") from exc
    try:
        return _steady(port, timeout, request)
    except serial.SerialException as exc:
        raise ScaleError(f"The scale on {url} stopped answering: {exc}") from exc
    finally:
        port.close()


def _steady(port: serial.SerialBase, timeout: float, request: bytes) -> Decimal:
    if request:
        port.write(request)
    deadline = time.monotonic() + timeout
    buffer = b""
    last: ScaleReading | None = None
    while time.monotonic() < deadline:
        buffer += port.read(max(1, port.in_waiting))
        *lines, buffer = re.split(rb"\r\n|\r|\n", buffer)
        for raw in lines:
            text = raw.decode("ascii", "replace")
            if not text.strip():
                continue
            last = parse_reading(text)
            if last.stable:
                if last.kg <= 0:
                    raise ScaleError("The scale shows no weight: put the carton on.")
                return last.kg
    if last is not None:
        raise ScaleError("The scale does not settle: keep the carton still.")
    raise ScaleError("The scale sent nothing: check its cable, or type the weight.")
