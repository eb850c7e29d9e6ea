"""Key events to scan frames: the keyboard-wedge decoder.

A scanner in keyboard mode reports physical key positions (evdev ``KEY_*`` codes, US
positions); the characters they mean depend on the keyboard country the scanner is
set to, never on the host's keymap. `KeyDecoder` is fed one event at a time, strictly
in order, and returns the frames and signals each event completes.
"""

from __future__ import annotations

import datetime
import logging
import unicodedata
from collections.abc import Iterable, Mapping

from devices._layouts import KEY_CODES, LAYOUTS
from devices.errors import LayoutError
from devices.scan import SCAN_CORRUPTED, SCANNER_DISCONNECTED, Scan, Signal

EV_SYN, EV_KEY = 0, 1
SYN_REPORT, SYN_DROPPED = 0, 3
KEY_UP, KEY_DOWN, KEY_HOLD = 0, 1, 2
DEFAULT_TERMINATORS = ("ENTER", "KPENTER")

_SHIFT = frozenset({KEY_CODES["LEFTSHIFT"], KEY_CODES["RIGHTSHIFT"]})
_CTRL = frozenset({KEY_CODES["LEFTCTRL"], KEY_CODES["RIGHTCTRL"]})
_ALT = frozenset({KEY_CODES["LEFTALT"], KEY_CODES["RIGHTALT"]})
_ALTGR = KEY_CODES["RIGHTALT"]
_MODIFIERS = _SHIFT | _CTRL | _ALT | {KEY_CODES["LEFTMETA"], KEY_CODES["RIGHTMETA"]}
_LOCKS = frozenset({KEY_CODES["NUMLOCK"], KEY_CODES["SCROLLLOCK"]})
_CAPSLOCK = KEY_CODES["CAPSLOCK"]
_KEYPAD_DIGITS = {KEY_CODES[f"KP{digit}"]: str(digit) for digit in range(10)}
_KEY_NAMES = {code: name for name, code in sorted(KEY_CODES.items(), reverse=True)}
_LEVEL_NAMES = ("base", "Shift", "AltGr", "Shift+AltGr")
_CONTROL_KEYS = {
    KEY_CODES[name]: char
    for name, char in (
        ("ENTER", "\r"),
        ("KPENTER", "\r"),
        ("TAB", "\t"),
        ("ESC", "\x1b"),
        ("BACKSPACE", "\x08"),
    )
}
_SPOILED_GAP = 0.5  # seconds of silence that end a corrupted scan with no terminator

# Dead keys: the character typed alone (dead key, then space) and the combining mark.
_DEAD_KEYS = {
    "dead_grave": ("`", "\u0300"),
    "dead_acute": ("´", "\u0301"),
    "dead_circumflex": ("^", "\u0302"),
    "dead_tilde": ("~", "\u0303"),
    "dead_macron": ("¯", "\u0304"),
    "dead_breve": ("˘", "\u0306"),
    "dead_abovedot": ("˙", "\u0307"),
    "dead_diaeresis": ("¨", "\u0308"),
    "dead_abovering": ("˚", "\u030a"),
    "dead_doubleacute": ("˝", "\u030b"),
    "dead_caron": ("ˇ", "\u030c"),
    "dead_cedilla": ("¸", "\u0327"),
    "dead_ogonek": ("˛", "\u0328"),
}

log = logging.getLogger("devices")


def key_code(name: str) -> int:
    """The evdev code of a key named ``ENTER`` or ``KEY_ENTER``."""
    try:
        return KEY_CODES[name.upper().removeprefix("KEY_")]
    except KeyError:
        raise LayoutError(f"There is no key named {name!r}.") from None


def key_name(code: int) -> str:
    """The ``KEY_*`` name of an evdev key code."""
    return f"KEY_{_KEY_NAMES.get(code, code)}"


def ctrl_chords(layout: str) -> dict[int, str]:
    """The control characters a Ctrl chord types, per key code.

    Letters follow the layout (Ctrl+Z is 0x1A wherever Z is); the brackets and
    backslash sit at their US positions, so Ctrl+] (the GS1 separator) is the key
    right of P on every layout, as scanners send it.
    """
    chords = {}
    for code, levels in _layout(layout).items():
        base = levels[0]
        if base and len(base) == 1 and "a" <= base <= "z":
            chords[code] = chr(ord(base) - ord("a") + 1)
    for name, char in (
        ("LEFTBRACE", "\x1b"),
        ("BACKSLASH", "\x1c"),
        ("RIGHTBRACE", "\x1d"),
        ("6", "\x1e"),
        ("MINUS", "\x1f"),
    ):
        chords[KEY_CODES[name]] = char
    return chords


class KeyDecoder:
    """Turns key events from one scanner into frames, one event at a time."""

    def __init__(
        self,
        layout: str = "us",
        *,
        terminators: Iterable[str] = DEFAULT_TERMINATORS,
        idle_ms: float | None = None,
        source: str = "keyboard",
        chords: Mapping[int, str] | None = None,
    ) -> None:
        """A decoder for a scanner set to the keyboard country ``layout``.

        Args:
            layout: The scanner's keyboard country, e.g. ``us``, ``de``, ``fr``.
            terminators: Key names that end a scan; empty for scanners that send
                none, which then need ``idle_ms``.
            idle_ms: A pause after which a scan ends even without a terminator.
            source: Where the events come from, carried into each `Scan`.
            chords: Ctrl chords, key code → control character (see `ctrl_chords`).
        """
        self.layout = layout
        self._keys = _layout(layout)
        self._terminators = frozenset(key_code(name) for name in terminators)
        if not self._terminators and idle_ms is None:
            raise LayoutError("A scanner without a terminator key needs an idle time.")
        self._idle = None if idle_ms is None else idle_ms / 1000
        self._source = source
        self._chords = dict(ctrl_chords(layout) if chords is None else chords)
        self._held: set[int] = set()
        self._caps = False
        self._alt_code = ""
        self._dead: str | None = None
        self._frame: list[str] = []
        self._spoiled = False
        self._last_key: float | None = None

    def feed(
        self, type_: int, code: int, value: int, time: float
    ) -> list[Scan | Signal]:
        """Take one input event (``time`` in seconds) and return what it completes."""
        if type_ == EV_SYN:
            return self._drop(time) if code == SYN_DROPPED else []
        if type_ != EV_KEY:
            return []  # scan codes (EV_MSC), LEDs
        if value == KEY_HOLD:
            log.debug("autorepeat_ignored", extra={"key": key_name(code)})
            return []
        out = self.tick(time) if value == KEY_DOWN else []
        if self._spoiled and value == KEY_DOWN and self._paused(time, _SPOILED_GAP):
            self._spoiled = False  # the spoiled scan's terminator was lost too
        if code in _MODIFIERS:
            return out + self._modifier(code, value, time)
        if value == KEY_DOWN:
            self._last_key = time
            out += self._key_down(code, time)
        return out

    def tick(self, time: float) -> list[Scan | Signal]:
        """Close a frame that has been idle for longer than the idle time."""
        last = self._last_key
        if self._idle is None or last is None or time - last <= self._idle:
            return []
        return self._close(last)

    def _paused(self, time: float, seconds: float) -> bool:
        return self._last_key is not None and time - self._last_key > seconds

    def disconnect(self) -> list[Scan | Signal]:
        """The device is gone: drop the partial scan and report it."""
        self._reset()
        return [Signal("disconnected", SCANNER_DISCONNECTED)]

    def _modifier(self, code: int, value: int, time: float) -> list[Scan | Signal]:
        if value == KEY_DOWN:
            self._held.add(code)
            return []
        self._held.discard(code)
        if code in _ALT and self._alt_code and not self._held & _ALT:
            digits, self._alt_code = self._alt_code, ""
            return self._alt_character(digits, time)
        return []

    def _key_down(self, code: int, time: float) -> list[Scan | Signal]:
        if code in self._terminators:
            return self._close(time)
        if code == _CAPSLOCK:
            self._caps = not self._caps
            return []
        if code in _LOCKS or self._spoiled:
            return []
        if self._held & _ALT and code in _KEYPAD_DIGITS:
            self._alt_code += _KEYPAD_DIGITS[code]
            return []
        if self._held & _CTRL:
            return self._typed(self._chords.get(code), code, "Ctrl")
        if code in _CONTROL_KEYS:  # kept, for the interpreter to refuse by name
            return self._typed(_CONTROL_KEYS[code], code, "base")
        level = self._level(code)
        levels = self._keys.get(code)
        return self._typed(levels[level] if levels else None, code, _LEVEL_NAMES[level])

    def _level(self, code: int) -> int:
        shifted = bool(self._held & _SHIFT)
        levels = self._keys.get(code)
        if self._caps and levels and _is_letter_key(levels):
            shifted = not shifted
        return int(shifted) + (2 if _ALTGR in self._held else 0)

    def _typed(self, char: str | None, code: int, level: str) -> list[Scan | Signal]:
        if char is None:
            return self._spoil(
                f"The scanner sent {key_name(code)} with {level}, which types nothing "
                f"on the {self.layout} layout: scan again, or check the layout."
            )
        if char in _DEAD_KEYS:
            if self._dead:
                self._frame.append(_DEAD_KEYS[self._dead][0])
            self._dead = char
            return []
        if self._dead:
            char = _compose(self._dead, char)
            self._dead = None
        self._frame.append(char)
        return []

    def _alt_character(self, digits: str, time: float) -> list[Scan | Signal]:
        number = int(digits)
        if self._spoiled:
            return []
        if number > 255:
            return self._spoil(f"Alt+{digits} is no character code: scan again.")
        if number < 128:
            self._frame.append(chr(number))
        else:
            # Windows reads Alt+0nnn in the ANSI code page, Alt+nnn in the OEM one.
            encoding = "cp1252" if digits.startswith("0") else "cp437"
            self._frame.append(bytes([number]).decode(encoding, errors="replace"))
        self._last_key = time
        return []

    def _close(self, time: float) -> list[Scan | Signal]:
        if self._dead:
            self._frame.append(_DEAD_KEYS[self._dead][0])
        text = "".join(self._frame)
        spoiled = self._spoiled
        self._frame, self._dead, self._spoiled = [], None, False
        self._alt_code, self._last_key = "", None
        if spoiled or not text:
            return []
        return [Scan.of(text, self._source, _wall_time(time))]

    def _drop(self, time: float) -> list[Scan | Signal]:
        # Key-ups may be among the lost events, so no modifier is trusted either.
        log.warning("events_dropped", extra={"source": self._source})
        self._held.clear()
        self._last_key = time
        return self._spoil(SCAN_CORRUPTED)

    def _spoil(self, message: str) -> list[Scan | Signal]:
        """Discard the scan in progress up to its end, and say so once."""
        self._frame, self._dead, self._alt_code = [], None, ""
        if self._spoiled:
            return []
        self._spoiled = True
        return [Signal("corrupted", message)]

    def _reset(self) -> None:
        self._held.clear()
        self._frame, self._dead, self._alt_code = [], None, ""
        self._spoiled, self._last_key = False, None


def _layout(name: str) -> dict[int, tuple[str | None, ...]]:
    try:
        return LAYOUTS[name]
    except KeyError:
        known = ", ".join(sorted(LAYOUTS))
        raise LayoutError(
            f"Unknown keyboard layout {name!r}; known: {known}."
        ) from None


def _is_letter_key(levels: tuple[str | None, ...]) -> bool:
    base, shifted = levels[0], levels[1]
    return bool(base and base.isalpha() and shifted == base.upper() != base)


def _compose(dead: str, char: str) -> str:
    spacing, combining = _DEAD_KEYS[dead]
    if char == " ":
        return spacing
    composed = unicodedata.normalize("NFC", char + combining)
    return composed if len(composed) == 1 else spacing + char


def _wall_time(seconds: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(seconds, datetime.UTC)
