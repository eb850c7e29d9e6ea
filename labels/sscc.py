"""SSCC-18: extension digit, GS1 company prefix, serial reference, check digit."""

from __future__ import annotations

from labels.errors import SSCCError

LENGTH = 18


def check_digit(body: str) -> int:
    """The GS1 modulo-10 check digit of ``body`` (the digits before it)."""
    total = sum(
        int(digit) * (3 if position % 2 == 0 else 1)
        for position, digit in enumerate(reversed(body))
    )
    return (10 - total % 10) % 10


def make_sscc(prefix: str, serial: int) -> str:
    """The SSCC of serial reference ``serial`` after ``prefix`` (extension digit
    and company prefix)."""
    width = LENGTH - 1 - len(prefix)
    if not (prefix.isascii() and prefix.isdigit()) or width < 1:
        raise SSCCError(f"{prefix!r} cannot begin an SSCC.")
    if not 0 <= serial < 10**width:
        raise SSCCError(f"Serial reference {serial} does not fit after {prefix}.")
    body = prefix + str(serial).rjust(width, "0")
    return body + str(check_digit(body))


def verify_sscc(text: str) -> str:
    """``text`` if it is a valid SSCC; else `SSCCError` saying what is wrong."""
    if not (text.isascii() and text.isdigit()):
        raise SSCCError(f"An SSCC holds digits only, not {text!r}.")
    if len(text) != LENGTH:
        raise SSCCError(f"An SSCC has {LENGTH} digits; {text} has {len(text)}.")
    expected = check_digit(text[:-1])
    if int(text[-1]) != expected:
        raise SSCCError(
            f"Wrong check digit in SSCC {text}: the last digit should be"
            f" {expected}, not {text[-1]}.",
            expected=expected,
        )
    return text


def human_readable(sscc: str) -> str:
    """The SSCC as printed beside its barcode: the AI in brackets, the digits."""
    return f"(00) {sscc}"
