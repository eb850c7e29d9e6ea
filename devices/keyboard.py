"""A scanner that types into the terminal, told apart from a person typing.

Where key events cannot be read (the demo, or no access to the input device) a
scanner's characters arrive as ordinary terminal keys. A scan is a burst: every key
within ``max_gap_ms`` of the one before, at least ``min_length`` characters, ended
by a terminator, all within ``timeout_ms``. Anything else is a person typing, and
goes back to the screen as `Typed` text, unchanged and in order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from devices.scan import Scan

DEFAULT_TERMINATORS = ("\r", "\n", "\x04")  # Enter, or EOT on some Zebra set-ups


@dataclass(frozen=True)
class Typed:
    """Keys a person typed, for the focused field."""

    text: str


class KeyboardScanDetector:
    """Splits terminal key presses into scans and typing, by timing."""

    def __init__(
        self,
        *,
        max_gap_ms: float = 100,
        min_length: int = 4,
        timeout_ms: float = 1500,
        terminators: Iterable[str] = DEFAULT_TERMINATORS,
        end_on_pause: bool = False,
        source: str = "keyboard",
    ) -> None:
        """A detector with the thresholds of the site's scanners.

        Args:
            max_gap_ms: The longest pause between two keys of one scan.
            min_length: The fewest characters a scan has.
            timeout_ms: The longest a whole scan takes.
            terminators: Characters that end a scan; never part of it.
            end_on_pause: Also take a burst ended by a pause as a scan, for
                scanners that send no terminator.
            source: Carried into each `Scan`.
        """
        self._gap = max_gap_ms / 1000
        self._min = min_length
        self._timeout = timeout_ms / 1000
        self._terminators = frozenset(terminators)
        self._end_on_pause = end_on_pause
        self._source = source
        self._burst: list[str] = []
        self._first = 0.0
        self._last = 0.0

    def key(self, char: str, time: float) -> list[Scan | Typed]:
        """Take one character typed at ``time`` (monotonic seconds)."""
        out = self.tick(time)
        if not self._burst:
            self._first = time
        self._last = time
        if char in self._terminators:
            text = "".join(self._burst)
            self._burst = []
            if self._is_scan(text, time):
                return [*out, Scan.of(text, self._source)]
            return [*out, Typed(text + char)]
        self._burst.append(char)
        return out

    def tick(self, time: float) -> list[Scan | Typed]:
        """Give back a burst that has paused for longer than a scan would."""
        if not self._burst or time - self._last <= self._gap:
            return []
        text = "".join(self._burst)
        self._burst = []
        if self._end_on_pause and self._is_scan(text, self._last):
            return [Scan.of(text, self._source)]
        return [Typed(text)]

    def _is_scan(self, text: str, end: float) -> bool:
        return len(text) >= self._min and end - self._first <= self._timeout
