"""The calibration label: does the scanner's keyboard country match its setting?

A site prints `CALIBRATION_TEXT` as a plain Code 128 label (see the README) and scans
it once per scanner. Decoded with the configured layout it must come out unchanged;
when it does not, every known layout is tried, and the ones that fit are named.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from devices._layouts import LAYOUTS
from devices.keys import KeyDecoder
from devices.replay import Record, replay
from devices.scan import Scan

# The GS1 82-character set, and the bracket that starts an AIM symbology identifier.
CALIBRATION_TEXT = (
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_"
    "abcdefghijklmnopqrstuvwxyz]"
)


@dataclass(frozen=True)
class Calibration:
    """What a scan of the calibration label says about a scanner's layout."""

    layout: str
    """The layout the scanner is configured with here."""
    ok: bool
    fits: tuple[str, ...]
    """Every known layout that decodes the label right."""
    differences: tuple[tuple[str, str], ...]
    """(expected, got) for the characters the configured layout gets wrong."""

    @property
    def message(self) -> str:
        """A sentence for the person setting the scanner up."""
        if self.ok:
            return f"The scanner types correctly with the {self.layout} layout."
        shown = self.differences[:4]
        wrong = ", ".join(f"{want!r} came as {got!r}" for want, got in shown)
        if len(self.differences) > len(shown):
            wrong += f" and {len(self.differences) - len(shown)} more"
        advice = (
            f"set it to {' or '.join(self.fits)}"
            if self.fits
            else "no known layout fits; check the scanner's keyboard country"
        )
        return f"Layout {self.layout} does not fit this scanner ({wrong}): {advice}."


def calibrate(records: Sequence[Record], layout: str) -> Calibration:
    """Judge a recorded scan of the calibration label against ``layout``."""
    got = _decode(records, layout)
    fits = tuple(name for name in LAYOUTS if _decode(records, name) == CALIBRATION_TEXT)
    return Calibration(
        layout=layout,
        ok=got == CALIBRATION_TEXT,
        fits=fits,
        differences=_differences(CALIBRATION_TEXT, got or ""),
    )


def _decode(records: Sequence[Record], layout: str) -> str | None:
    for item in replay(records, KeyDecoder(layout, source="calibration")):
        if isinstance(item, Scan):
            return item.text
    return None


def _differences(want: str, got: str) -> tuple[tuple[str, str], ...]:
    if len(want) != len(got):
        return ((want, got),)
    return tuple((a, b) for a, b in zip(want, got, strict=True) if a != b)
