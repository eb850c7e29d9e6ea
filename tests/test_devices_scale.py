"""The bench scale, read through pyserial: common output shapes, exact kilograms."""

from __future__ import annotations

import os
import threading
from decimal import Decimal

import pytest

from devices.errors import ScaleError
from devices.scale import parse_reading, read_weight


@pytest.mark.parametrize(
    ("line", "kg", "stable"),
    [
        ("ST,GS,+  1.234 kg", "1.234", True),
        ("US,GS,+  1.230kg", "1.230", False),
        ("ST,NT,+0000.850 kg", "0.850", True),
        ("S S      2.500 kg", "2.500", True),
        ("S D      2.480 kg", "2.480", False),
        ("  1.234 kg", "1.234", True),
        ("1250 g", "1.250", True),
        ("2.00 lb", "0.907", True),
    ],
)
def test_common_scale_lines_give_exact_kilograms(
    line: str, kg: str, stable: bool
) -> None:
    reading = parse_reading(line)

    assert reading.kg == Decimal(kg)
    assert str(reading.kg) == kg
    assert reading.stable is stable


@pytest.mark.parametrize("line", ["OL,GS,+ 99.999 kg", "hello", "1.2.3 kg"])
def test_what_is_no_steady_weight_is_refused_with_a_reason(line: str) -> None:
    with pytest.raises(ScaleError):
        parse_reading(line)


def test_the_first_steady_weight_from_a_pseudo_terminal_is_taken() -> None:
    controller, device = os.openpty()
    name = os.ttyname(device)

    def scale() -> None:
        # A scale that answers when asked: once the port is open and raw.
        os.read(controller, 16)
        os.write(controller, b"US,GS,+  1.1 kg\r\nST,GS,+  1.234 kg\r\n")

    answering = threading.Thread(target=scale)
    try:
        answering.start()
        assert read_weight(name, timeout=3.0, request=b"S\r\n") == Decimal("1.234")
    finally:
        answering.join()
        os.close(controller)
        os.close(device)


def test_a_scale_that_asks_to_be_asked_answers_on_loop() -> None:
    # loop:// sends back what is written: the request is the answer here.
    assert read_weight("loop://", request=b"ST,GS,+  0.750 kg\r\n") == Decimal("0.750")


def test_a_silent_scale_says_so() -> None:
    with pytest.raises(ScaleError, match="sent nothing"):
        read_weight("loop://", timeout=0.2)


def test_a_scale_that_is_not_there_cannot_be_opened() -> None:
    with pytest.raises(ScaleError, match="cannot be opened"):
        read_weight("/dev/does-not-exist", timeout=0.2)
