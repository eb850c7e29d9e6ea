"""The GS1 logistic label as ZPL, from our own small template.

The label is 4 × 6 inches at 203 dpi: the sender, the ship-to block, the order
reference, carton and weight, and the SSCC as GS1-128. The barcode's data
starts with ``>;`` (Code 128 start code C) and ``>8`` (FNC1), which makes it
GS1-128, then AI 00 and the 18 digits, all in code set C.

Every piece of field data goes through `escape`: ``^FH_`` makes the printer
read ``_XX`` as the byte XX, so a ``^`` or ``~`` in an address can never start
a ZPL command, and the label stays plain ASCII whatever the text holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from labels.sscc import human_readable, verify_sscc

# Bytes that must not reach the printer as themselves: the format and control
# prefixes, our hex indicator, and the ^FB line-break escape.
_SPECIAL = frozenset(b"^~_\\")


@dataclass(frozen=True)
class LabelData:
    """What one logistic label shows."""

    sscc: str
    order_id: str = ""
    ship_to: tuple[str, ...] = ()
    """The name, address lines and country, one line each."""
    ship_from: str = ""
    carton: str = ""
    weight_kg: str | None = None
    items: int | None = None
    job_id: str = ""
    """Printed small, so support can match a label to its job."""
    reprint: bool = False


def escape(text: str) -> str:
    """Field data safe inside ``^FH_^FD…^FS``: specials, controls and every
    non-ASCII byte (UTF-8, read as such under ``^CI28``) written as ``_XX``."""
    out = []
    for byte in text.encode("utf-8"):
        if byte in _SPECIAL or byte < 0x20 or byte >= 0x7F:
            out.append(f"_{byte:02X}")
        else:
            out.append(chr(byte))
    return "".join(out)


def gs1_128_data(sscc: str) -> str:
    """``^BC`` field data for an SSCC: start code C, FNC1, AI 00, the digits."""
    return ">;>800" + verify_sscc(sscc)


def _text(x: int, y: int, size: int, value: str) -> str:
    return f"^FO{x},{y}^A0N,{size},{size}^FH_^FD{escape(value)}^FS"


def logistic_label(data: LabelData) -> str:
    """The label as ZPL text, one command group per line."""
    sscc = verify_sscc(data.sscc)
    lines = [
        "^XA",
        "^CI28",
        "^PW812",
        "^LL1218",
        "^LH0,0",
        _text(40, 30, 26, "FROM"),
        _text(40, 66, 24, data.ship_from[:48]),
        "^FO0,110^GB812,3,3^FS",
        _text(40, 126, 26, "SHIP TO"),
    ]
    for row, value in enumerate(data.ship_to[:5]):
        lines.append(_text(40, 162 + row * 52, 46, value[:32]))
    weight = f"{data.weight_kg} kg" if data.weight_kg else ""
    items = f"{data.items} items" if data.items is not None else ""
    lines += [
        "^FO0,430^GB812,3,3^FS",
        _text(40, 446, 26, "ORDER"),
        _text(40, 480, 56, data.order_id[:16]),
        _text(430, 446, 26, "CARTON"),
        _text(430, 480, 36, " ".join(v for v in (data.carton, items) if v)[:22]),
        _text(430, 524, 36, weight),
        "^FO0,580^GB812,3,3^FS",
        _text(40, 596, 26, "SSCC"),
        _text(40, 630, 48, human_readable(sscc)),
        f"^FO70,700^BY4^BCN,300,N,N,N^FD{gs1_128_data(sscc)}^FS",
        _text(40, 1030, 40, human_readable(sscc)),
        _text(40, 1160, 22, f"job {data.job_id}" if data.job_id else ""),
    ]
    if data.reprint:
        lines.append(_REPRINT)
    lines.append("^XZ")
    return "\n".join(lines) + "\n"


_REPRINT = _text(560, 1150, 36, "REPRINT")


def mark_reprint(zpl: str) -> str:
    """The same label, marked as a reprint."""
    if _REPRINT in zpl:
        return zpl
    head, end, tail = zpl.rpartition("^XZ")
    return f"{head}{_REPRINT}\n{end}{tail}" if end else zpl
