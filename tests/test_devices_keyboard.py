"""Terminal keys: a scanner's burst is a scan, a person's typing stays typing."""

from __future__ import annotations

from devices.calibration import CALIBRATION_TEXT, calibrate
from devices.keyboard import KeyboardScanDetector, Typed
from devices.replay import keystrokes, parse_tokens
from devices.scan import Scan


def type_into(
    detector: KeyboardScanDetector, text: str, gap: float, start: float = 10.0
) -> list[Scan | Typed]:
    out: list[Scan | Typed] = []
    for index, char in enumerate(text):
        out += detector.key(char, start + index * gap)
    return out


def test_a_fast_burst_ended_by_enter_is_a_scan() -> None:
    out = type_into(KeyboardScanDetector(), "]C1T007\r", gap=0.004)

    assert [(type(item), item.text) for item in out] == [(Scan, "]C1T007")]


def test_slow_typing_stays_typing_with_its_enter() -> None:
    detector = KeyboardScanDetector()
    out = type_into(detector, "T007\r", gap=0.25)

    assert "".join(item.text for item in out if isinstance(item, Typed)) == "T007\r"
    assert not any(isinstance(item, Scan) for item in out)


def test_a_short_fast_burst_is_typing() -> None:
    out = type_into(KeyboardScanDetector(), "12\r", gap=0.01)

    assert out == [Typed("12\r")]


def test_typing_before_a_scan_is_given_back_before_the_scan() -> None:
    detector = KeyboardScanDetector()
    out = detector.key("x", 1.0)
    out += type_into(detector, "4006381333931\r", gap=0.002, start=2.0)

    assert [type(item) for item in out] == [Typed, Scan]
    assert out[0] == Typed("x")


def test_a_burst_longer_than_the_timeout_is_typing() -> None:
    detector = KeyboardScanDetector(timeout_ms=100)
    out = type_into(detector, "0123456789" * 3 + "\r", gap=0.009)

    assert [type(item) for item in out] == [Typed]


def test_eot_ends_a_scan_as_enter_does() -> None:
    out = type_into(KeyboardScanDetector(), "B1001\x04", gap=0.003)

    assert [item.text for item in out] == ["B1001"]


def test_without_terminator_a_pause_ends_the_scan_when_allowed() -> None:
    detector = KeyboardScanDetector(end_on_pause=True)
    type_into(detector, "T0071", gap=0.003)

    assert detector.tick(10.05) == []
    (scan,) = detector.tick(10.5)
    assert isinstance(scan, Scan)
    assert scan.text == "T0071"


def test_calibration_label_accepts_the_right_layout() -> None:
    result = calibrate(keystrokes(CALIBRATION_TEXT, "de"), "de")

    assert result.ok
    assert "de" in result.fits


def test_calibration_label_names_the_layout_that_fits() -> None:
    result = calibrate(keystrokes(CALIBRATION_TEXT, "fr"), "us")

    assert not result.ok
    assert result.fits == ("fr",)
    assert "set it to fr" in result.message
    assert ("a", "q") in result.differences


def test_calibration_survives_a_corrupted_capture() -> None:
    result = calibrate(parse_tokens("1+ 1- !DROP ENTER+ ENTER-"), "us")

    assert (result.ok, result.fits) == (False, ())
