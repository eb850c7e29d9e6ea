"""What a scan means: a product, a pallet, a location, a tote, a badge or plain text.

`interpret` routes a frame by its AIM symbology identifier, the way GS1 specifies:

- ``]C1 ]d2 ]Q3 ]e0 ]J1`` carry GS1 element strings;
- ``]E0 ]E3 ]E4 ]I1`` carry a GTIN (EAN-13, UPC-A, UPC-E, EAN-8, ITF-14);
- every other identifier (``]C0 ]d1 ]Q1`` …) carries plain data: a site label, a GS1
  Digital Link URI, or text. Plain data never goes to the element-string parser.

A frame without an identifier is read by its shape. A wrong check digit is an error
that names the expected digit, never a reason to try another reading. Errors are
readings of kind ``error``, not exceptions, so a screen can always show something.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from devices import _gs1
from devices._ai_names import field_name
from devices._gs1 import is_digits
from devices.errors import BarcodeError, CheckDigitError

GS = "\x1d"
GS1_ELEMENT_STRING_AIMS = frozenset({"]C1", "]d2", "]Q3", "]e0", "]J1"})
GTIN_AIMS = frozenset({"]E0", "]E3", "]E4", "]I1"})
GTIN_LENGTHS = frozenset({8, 12, 13, 14})

_AIM = re.compile(r"\][A-Za-z][0-9A-Za-z]")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")  # Unicode category Cc
_CONTROL_NAMES = {
    0: "NUL",
    4: "EOT",
    9: "TAB",
    10: "LF",
    13: "CR",
    27: "ESC",
    127: "DEL",
}


@dataclass(frozen=True)
class SiteFormats:
    """The site's own plain-text labels, as regular expressions matched in full."""

    location: str = r"\d{2}-\d{2}-\d"
    """Aisle-bay-level, e.g. ``03-14-2``."""
    tote: str = r"T\d{3,5}"
    """A tote, e.g. ``T007``."""
    badge: str = r"B\d{4,6}"
    """A user's badge, e.g. ``B1001``."""
    command: str = r"CMD:[A-Z]+"
    """A printed command barcode, e.g. ``CMD:DONE``."""

    def match(self, text: str) -> str | None:
        """The kind of site label ``text`` is, or None."""
        for kind in ("location", "tote", "badge", "command"):
            if re.fullmatch(getattr(self, kind), text):
                return kind
        return None


@dataclass(frozen=True)
class Reading:
    """The interpretation of one scan."""

    kind: str
    """product, sscc, location, tote, badge, command, text or error."""
    raw: str
    """The frame as delivered, AIM identifier and separators included."""
    aim: str | None = None
    """The AIM symbology identifier, e.g. ``]C1``, when the scanner sent one."""
    gtin: str | None = None
    """The GTIN as the barcode carries it: 8, 12, 13 or 14 digits (UPC-E expanded)."""
    sscc: str | None = None
    lot: str | None = None
    serial: str | None = None
    expiry: str | None = None
    """ISO date; a day of 00 means the last day of the month."""
    best_before: str | None = None
    net_weight_kg: str | None = None
    """An exact decimal, as text."""
    code: str | None = None
    """The code of a location, tote, badge or command label."""
    text: str | None = None
    """Plain text, e.g. a stock code such as ``85123A``."""
    message: str | None = None
    """For errors: a sentence a picker can read."""
    warnings: tuple[str, ...] = ()
    elements: Mapping[str, str] = field(default_factory=dict)
    """GS1 application identifier → its data, as scanned."""
    details: Mapping[str, str] = field(default_factory=dict)
    """Every GS1 field by its snake-case name, dates in ISO form, measures exact."""
    hri: str | None = None
    """GS1 data as printed under the barcode, e.g. ``(01)09506000134352(10)A1``."""

    @property
    def gtin_14(self) -> str | None:
        """The GTIN as 14 digits, the form to look products up by."""
        return None if self.gtin is None else self.gtin.rjust(14, "0")

    def to_json(self) -> dict[str, object]:
        """A JSON-ready dict: the fixed keys, then every field that is present."""
        out: dict[str, object] = {
            "kind": self.kind,
            "raw": self.raw,
            "aim": self.aim,
            "elements": dict(self.elements),
            "warnings": list(self.warnings),
            "message": self.message,
        }
        for name in (
            "gtin",
            "sscc",
            "lot",
            "serial",
            "expiry",
            "best_before",
            "net_weight_kg",
            "code",
            "text",
            "hri",
        ):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        for name, value in self.details.items():
            out.setdefault(name, value)
        return out


def interpret(
    text: str,
    *,
    separators: Sequence[str] = (GS,),
    formats: SiteFormats = SiteFormats(),
) -> Reading:
    """Read one scan frame.

    Args:
        text: The frame as the scanner delivered it, AIM identifier first if any.
        separators: The characters the site's scanners send for the GS1 group
            separator (FNC1); GS is always one of them.
        formats: The site's label formats for locations, totes, badges, commands.

    Raises:
        ValueError: A separator is not one character (a set-up error, not a scan).
    """
    separators = tuple(dict.fromkeys((GS, *separators)))
    if any(len(separator) != 1 for separator in separators):
        raise ValueError(f"Separators are single characters, not {separators!r}.")
    aim = text[:3] if _AIM.match(text) else None
    data = text[3:] if aim else text
    try:
        _refuse_controls(text, separators)
        if not data:
            raise BarcodeError("The scan is empty: nothing was read.")
        if aim in GS1_ELEMENT_STRING_AIMS:
            return _element_strings(text, aim, data, separators)
        if aim in GTIN_AIMS:
            return _gtin_symbol(text, aim, data)
        if aim is not None:
            return _plain(text, aim, data, formats)
        return _unidentified(text, data, separators, formats)
    except BarcodeError as error:
        return Reading(kind="error", raw=text, aim=aim, message=str(error))


def _refuse_controls(text: str, separators: Sequence[str]) -> None:
    for match in _CONTROL.finditer(text):
        char, position = match.group(), match.start() + 1
        if char not in separators:
            code = ord(char)
            name = _CONTROL_NAMES.get(code, f"0x{code:02X}")
            raise BarcodeError(
                f"The scan holds a control character ({name}) at position "
                f"{position}, so it was refused. Check the scanner's set-up and "
                "scan again."
            )


def _element_strings(
    raw: str, aim: str | None, data: str, separators: Sequence[str]
) -> Reading:
    # A leading FNC1 sent as GS is dropped, but it still shows that this scanner
    # sends separators, which matters to the greedy-field warning.
    strings = data.lstrip("".join(separators))
    if not strings:
        raise BarcodeError("The scan holds no GS1 data, only a separator.")
    elements = _gs1.parse_element_string(strings, separators)
    warnings = _greedy_warnings(data, elements, separators)
    return _gs1_reading(raw, aim, elements, warnings)


def _gtin_symbol(raw: str, aim: str, data: str) -> Reading:
    if not is_digits(data):
        raise BarcodeError(f"An EAN/UPC barcode should hold digits only, not {data!r}.")
    warnings: tuple[str, ...] = ()
    details: dict[str, str] = {}
    if aim == "]E3" and len(data) in (15, 18):
        data, add_on = data[:13], data[13:]
        details["add_on"] = add_on
        warnings = (f"The add-on {add_on} was read too; it is not part of the GTIN.",)
    if aim == "]I1" and len(data) != 14:
        return Reading(kind="text", raw=raw, aim=aim, text=data)
    if aim == "]E0" and len(data) == 8:
        gtin = _gs1.upc_e_as_upc_a(data)
    elif len(data) in GTIN_LENGTHS and not (aim == "]E4" and len(data) != 8):
        gtin = _gs1.checked_gtin(data)
    else:
        raise BarcodeError(
            f"This EAN/UPC barcode holds {len(data)} digits, which is no GTIN length."
        )
    return Reading(
        kind="product",
        raw=raw,
        aim=aim,
        gtin=gtin,
        warnings=warnings,
        details=details,
    )


def _plain(raw: str, aim: str | None, data: str, formats: SiteFormats) -> Reading:
    kind = formats.match(data)
    if kind is not None:
        return Reading(kind=kind, raw=raw, aim=aim, code=data)
    if data[:8].lower().startswith(("http://", "https://")):
        try:
            return _gs1_reading(raw, aim, _gs1.parse_digital_link(data), ())
        except CheckDigitError:
            raise
        except BarcodeError:
            pass  # an ordinary web address
    return Reading(kind="text", raw=raw, aim=aim, text=data)


def _unidentified(
    raw: str, data: str, separators: Sequence[str], formats: SiteFormats
) -> Reading:
    if data[0] in separators:
        return _element_strings(raw, None, data, separators)
    if formats.match(data) is None and is_digits(data) and len(data) in GTIN_LENGTHS:
        return Reading(kind="product", raw=raw, gtin=_gs1.checked_gtin(data))
    if GS in data or _looks_like_element_strings(data):
        return _element_strings(raw, None, data, separators)
    return _plain(raw, None, data, formats)


def _looks_like_element_strings(data: str) -> bool:
    # Nearly every GS1 element string starts with an SSCC or a GTIN.
    return data[:2] in ("00", "01", "02") and len(data) >= 16 and is_digits(data[:16])


def _gs1_reading(
    raw: str,
    aim: str | None,
    elements: Sequence[_gs1.Element],
    warnings: tuple[str, ...],
) -> Reading:
    values = {element.ai: element.value for element in elements}
    details: dict[str, str] = {}
    for element in elements:
        name = field_name(element.ai, element.description)
        if name in details:
            name = f"{name}_{element.ai}"
        details[name] = _readable(element)
    return Reading(
        kind="sscc" if "00" in values and "01" not in values else "product",
        raw=raw,
        aim=aim,
        gtin=values.get("01"),
        sscc=values.get("00"),
        lot=values.get("10"),
        serial=values.get("21"),
        expiry=details.get("expiry"),
        best_before=details.get("best_before"),
        net_weight_kg=details.get("net_weight_kg"),
        warnings=warnings,
        elements=values,
        details=details,
        hri="".join(f"({element.ai}){element.value}" for element in elements),
    )


def _readable(element: _gs1.Element) -> str:
    if element.moment is not None:
        return element.moment.isoformat()
    if element.date is not None:
        return element.date.isoformat()
    if element.decimal is not None:
        return format(element.decimal, "f")
    return element.value


def _greedy_warnings(
    data: str, elements: Sequence[_gs1.Element], separators: Sequence[str]
) -> tuple[str, ...]:
    """Warn when a variable-length field may have swallowed the fields after it.

    Only a scan with no separator at all, not even a leading FNC1, is ambiguous: a
    scanner that sends them would have sent one before a following field.
    """
    last = elements[-1] if elements else None
    if last is None or not last.variable_length or any(s in data for s in separators):
        return ()
    for cut in range(1, len(last.value) - 2):
        tail = last.value[cut:]
        if not is_digits(tail[:2]):
            continue
        try:
            hidden = _gs1.parse_element_string(tail, separators)
        except BarcodeError:
            continue
        name = field_name(last.ai, last.description).replace("_", " ")
        found = "".join(f"({element.ai}){element.value}" for element in hidden)
        return (
            f"No separator ends the {name} ({last.ai}) {last.value!r}: it may be "
            f"{last.value[:cut]!r} followed by {found}. Compare with the label.",
        )
    return ()
