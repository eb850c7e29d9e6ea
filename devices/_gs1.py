"""The GS1 engine behind a facade of our own: the only module that imports biip.

Everything biip returns is copied into `Element` values, and everything it raises or
reports as an error field is translated into `BarcodeError`, so callers never see a
biip type and the engine can be swapped without changing them.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

import biip
from biip.gs1_application_identifiers import GS1ApplicationIdentifier
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_messages import GS1Message
from biip.upc import Upc

from devices.errors import BarcodeError, CheckDigitError

GS = "\x1d"

# Fixed-length numeric AIs that end in a GS1 check digit: AI -> what it identifies.
_CHECKED_AIS = {
    "00": "SSCC",
    "01": "GTIN",
    "02": "GTIN",
    **{f"41{n}": "GLN" for n in range(8)},
    "8017": "GSRN",
    "8018": "GSRN",
}


_BAD_DATA = re.compile(r"with GS1 AI \((\d{2,4})\)")
_NO_AI = re.compile(r"Application Identifier from '(.*)'", re.DOTALL)


@dataclass(frozen=True)
class Element:
    """One GS1 element string: an application identifier and its data."""

    ai: str
    value: str
    description: str
    variable_length: bool
    date: datetime.date | None = None
    moment: datetime.datetime | None = None
    decimal: Decimal | None = None


def is_digits(text: str) -> bool:
    """True for ASCII digits only (``str.isdigit`` also takes ``²`` and ``٣``)."""
    return text.isascii() and text.isdigit()


def check_digit(payload: str) -> int:
    """The GS1 modulo-10 check digit of ``payload`` (the digits before it)."""
    total = 0
    for position, digit in enumerate(reversed(payload)):
        total += int(digit) * (3 if position % 2 == 0 else 1)
    return (10 - total % 10) % 10


def verify_check_digit(what: str, number: str) -> None:
    """Raise `CheckDigitError` unless the last digit of ``number`` is right."""
    expected = check_digit(number[:-1])
    if int(number[-1]) != expected:
        raise CheckDigitError(what, number, expected)


def checked_gtin(digits: str) -> str:
    """A GTIN-8, -12, -13 or -14 as printed, after checking its check digit."""
    verify_check_digit(f"GTIN-{len(digits)}", digits)
    return digits


def upc_e_as_upc_a(digits: str) -> str:
    """An 8-digit UPC-E, expanded to the 12-digit UPC-A it stands for."""
    try:
        # Without its check digit, so that a wrong one can be named.
        upc_a = Upc.parse(digits[:7], config=_config(())).as_upc_a()
    except biip.ParseError as error:
        raise BarcodeError(f"{digits} is not a UPC-E number.") from error
    if upc_a[-1] != digits[-1]:
        raise CheckDigitError("UPC-E", digits, int(upc_a[-1]))
    return str(upc_a)


def parse_element_string(text: str, separators: Sequence[str]) -> list[Element]:
    """Parse GS1 element strings (no symbology identifier, no leading FNC1)."""
    try:
        message = GS1Message.parse(text, config=_config(separators))
    except biip.ParseError as error:
        raise BarcodeError(_element_problem(str(error))) from error
    return _elements(message.element_strings)


def parse_digital_link(uri: str) -> list[Element]:
    """Parse a GS1 Digital Link URI into its element strings."""
    try:
        link = GS1DigitalLinkURI.parse(uri)
    except biip.ParseError as error:
        raise BarcodeError(f"This is not a GS1 Digital Link: {error}") from error
    return _elements(link.element_strings)


def _elements(
    strings: Sequence[biip.gs1_element_strings.GS1ElementString],
) -> list[Element]:
    elements = []
    for string in strings:
        ai = string.ai.ai
        if ai in _CHECKED_AIS and is_digits(string.value):
            verify_check_digit(_CHECKED_AIS[ai], string.value)
        problem = string.gtin_error or string.sscc_error or string.gln_error
        if problem:
            raise BarcodeError(f"AI ({ai}) holds a number that is not valid: {problem}")
        elements.append(
            Element(
                ai=ai,
                value=string.value,
                description=string.ai.description,
                variable_length=".." in string.ai.format,
                date=string.date,
                moment=string.datetime,
                decimal=string.decimal,
            )
        )
    _refuse_contradictions(elements)
    once = {(e.ai, e.value): e for e in reversed(elements)}  # a repeat adds nothing
    return [e for e in elements if once[(e.ai, e.value)] is e]


def _refuse_contradictions(elements: Sequence[Element]) -> None:
    """One AI twice with two values, or one measure in two decimal places
    (3102 and 3103), leaves it open which is meant (GS1 General Specifications,
    the rules for repeated and mutually exclusive AIs)."""
    seen: dict[str, str] = {}
    measures: dict[str, str] = {}
    for element in elements:
        ai, value = element.ai, element.value
        if seen.get(ai, value) != value:
            raise BarcodeError(
                f"AI ({ai}) appears twice, as {seen[ai]} and as {value}:"
                " which is meant cannot be told. Scan again or key it in."
            )
        seen[ai] = value
        if len(ai) == 4 and "310" <= ai[:3] <= "369":
            other = measures.setdefault(ai[:3], ai)
            if other != ai:
                raise BarcodeError(
                    f"AIs ({other}) and ({ai}) give the same measure twice."
                    " Scan again or key it in."
                )


def _element_problem(detail: str) -> str:
    if bad := _BAD_DATA.search(detail):
        ai = bad.group(1)
        identifier = GS1ApplicationIdentifier.extract(ai)
        expected = _format_in_words(identifier.format)
        if "YYMMDD" in identifier.description:
            expected = "a real date written YYMMDD"
        return (
            f"The data of AI ({ai}), {identifier.description}, is not valid: it "
            f"should be {expected}. Scan again or key it in."
        )
    if missing := _NO_AI.search(detail):
        rest = missing.group(1).replace("\\x1d", "␝")
        shown = rest if len(rest) <= 16 else rest[:16] + "…"
        return f"No GS1 application identifier where one should start, at {shown}."
    return f"This is no valid GS1 data ({detail})."


def _format_in_words(format_: str) -> str:
    """``N2+N14[+X..16]`` → ``14 digits, then optionally up to 16 characters``."""
    words = []
    for part in re.findall(r"\[?\+?([NX])(\.\.)?(\d+)\]?", format_)[1:]:
        kind, variable, count = part
        noun = "digits" if kind == "N" else "characters"
        words.append(f"{'up to ' if variable else ''}{count} {noun}")
    optional = format_.find("[")
    if optional > 0 and len(words) > 1:
        words[-1] = "optionally " + words[-1]
    return ", then ".join(words) or format_


def _config(separators: Sequence[str]) -> biip.ParseConfig:
    return _cached_config(tuple(separators))


@lru_cache(maxsize=16)
def _cached_config(separators: tuple[str, ...]) -> biip.ParseConfig:
    return biip.ParseConfig(separator_chars=list(dict.fromkeys((GS, *separators))))
