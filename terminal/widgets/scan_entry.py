"""The entry line: typing stays typing, a scanner typing into it becomes a scan."""

from __future__ import annotations

from textual import events
from textual.widgets import Input

from devices.barcode import GS
from devices.keyboard import KeyboardScanDetector
from devices.scan import Scan
from terminal.scanners import ScanArrived

# Keys a scanner sends besides printable characters: the terminators, and GS.
_KEY_CHARS = {"enter": "\r", "ctrl+d": "\x04", "ctrl+right_square_bracket": GS}


class ScanEntry(Input):
    """An `Input` that tells a wedge scanner's burst from a person typing.

    Every character is also fed, with the time of its key, to a
    `KeyboardScanDetector`. When Enter ends a burst that the detector takes for a
    scan, the entry is cleared and the scan goes to the app as `ScanArrived`, the
    way every scanner's scans do, with a GS typed as Ctrl+] kept. Otherwise Enter
    submits the typed text as usual; so does a burst that follows what a person
    typed into the entry, which keeps that text whole.
    """

    def __init__(self, *, placeholder: str = "", id: str | None = None) -> None:
        super().__init__(placeholder=placeholder, id=id)
        self.detector = KeyboardScanDetector()

    async def _on_key(self, event: events.Key) -> None:
        char = _KEY_CHARS.get(event.key) or (
            event.character if event.is_printable else None
        )
        if char is None:
            return
        for item in self.detector.key(char, event.time):
            if isinstance(item, Scan) and self._holds_only(item):
                event.prevent_default()
                event.stop()
                self.clear()
                self.app.post_message(ScanArrived(item))

    def _holds_only(self, scan: Scan) -> bool:
        """Whether the entry holds nothing but ``scan``'s printable characters."""
        return self.value == "".join(char for char in scan.text if char.isprintable())
