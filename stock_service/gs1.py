"""GS1 numbers the service makes: check digits and SSCCs."""

from __future__ import annotations

SSCC_LENGTH = 18


def check_digit(body: str) -> str:
    """The GS1 mod-10 check digit of ``body``."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def sscc(prefix: str, serial: int) -> str:
    """The SSCC of serial reference ``serial`` under ``prefix`` (the extension
    digit and the company prefix)."""
    body = prefix + str(serial).rjust(SSCC_LENGTH - 1 - len(prefix), "0")
    return body + check_digit(body)


def serial_capacity(prefix: str) -> int:
    """How many serial references fit after ``prefix``."""
    return 10 ** (SSCC_LENGTH - 1 - len(prefix))


def is_sscc(text: str) -> bool:
    """Whether ``text`` is 18 ASCII digits ending in the right check digit."""
    return (
        len(text) == SSCC_LENGTH
        and text.isascii()
        and text.isdigit()
        and check_digit(text[:-1]) == text[-1]
    )
