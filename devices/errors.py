"""The exceptions of the devices package, in one small tree.

    DevicesError
    ├── BarcodeError            a scan that cannot be read as what it claims to be
    │   └── CheckDigitError     a GTIN, SSCC or GLN whose check digit is wrong
    ├── LayoutError             an unknown keyboard layout or an unusable key table
    ├── SettingError            a scanner setting that cannot be used
    ├── ScaleError              a scale that cannot be read, or does not settle
    └── ScannerError            a scanner that cannot be read
        ├── ScannerGone         the device was unplugged or vanished
        ├── ScannerDenied       no permission to read the device node
        └── ScannerBusy         another process holds the device or the port

Third-party errors (biip, pyserial, evdev, ``OSError``) are translated into these
at the package edge, with the original chained as the cause.
"""

from __future__ import annotations


class DevicesError(Exception):
    """Base of every error raised by the devices package."""


class BarcodeError(DevicesError):
    """A scan that cannot be read as what its symbology says it is."""


class CheckDigitError(BarcodeError):
    """A number whose check digit does not match its other digits."""

    def __init__(self, what: str, number: str, expected: int) -> None:
        self.what = what
        self.number = number
        self.expected = expected
        super().__init__(
            f"Wrong check digit in {what} {number}: the last digit should be "
            f"{expected}, not {number[-1]}. Scan again or key in the number."
        )


class LayoutError(DevicesError):
    """An unknown keyboard layout, or a key table that cannot be used."""


class SettingError(DevicesError):
    """A scanner setting, as a site wrote it, that cannot be used."""


class ScaleError(DevicesError):
    """A scale that cannot be read, or gives no steady weight."""


class ScannerError(DevicesError):
    """A scanner that cannot be read."""


class ScannerGone(ScannerError):
    """The scanner was unplugged or its device node vanished."""


class ScannerDenied(ScannerError):
    """The device node exists, but this user may not read it."""


class ScannerBusy(ScannerError):
    """Another process holds the scanner's device or serial port."""
