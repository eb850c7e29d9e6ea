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
_ALT = KEY_CODES["LEFTALT"]  # held for Alt+keypad character codes
_ALTGR = KEY_CODES["RIGHTALT"]
_LEVEL_KEYS = _SHIFT | {_ALTGR}
_MODIFIERS = (
    _SHIFT | _CTRL | {_ALT, _ALTGR, KEY_CODES["LEFTMETA"], KEY_CODES["RIGHTMETA"]}
)
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
_SPECIAL_KEYS = frozenset({_CAPSLOCK, *_LOCKS, *_CONTROL_KEYS})
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

Output = tuple[Scan | Signal, ...]
"""What one event completes: usually nothing, sometimes a scan or a signal."""


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
        self._shift = self._ctrl = self._alt = self._altgr = False
        self._level_index = 0
        self._plain = True  # no Ctrl, Alt, CapsLock, dead key or spoiled scan
        self._fast = self._idle is None  # and no pause to look for either
        self._not_fast = _MODIFIERS | _SPECIAL_KEYS | self._terminators

    def feed(self, type_: int, code: int, value: int, time: float) -> Output:
        """Take one input event (``time`` in seconds) and return what it completes."""
        if type_ != EV_KEY:
            if type_ == EV_SYN and code == SYN_DROPPED:
                return self._drop(time)
            return ()  # SYN_REPORT, scan codes (EV_MSC), LEDs
        if value == KEY_UP:
            return self._modifier_up(code, time) if code in _MODIFIERS else ()
        if value != KEY_DOWN:
            log.debug("autorepeat_ignored", extra={"key": key_name(code)})
            return ()
        out = self._after_pause(time) if self._last_key is not None else ()
        if code in _MODIFIERS:
            self._held.add(code)
            self._refresh()
            return out
        self._last_key = time
        if self._plain and code not in _SPECIAL_KEYS:
            # The common case, kept short: a printable key at the Shift/AltGr level.
            levels = self._keys.get(code)
            char = levels[self._level_index] if levels else None
            if char is not None and len(char) == 1:  # not a dead key
                self._frame.append(char)
                return out
        done = self._key_down(code, time)
        self._refresh()
        return out + done

    def feed_all(self, events: Iterable[tuple[int, int, int, float]]) -> Output:
        """Take a batch of events, (type, code, value, time) each, as `feed` would.

        The same state machine, with the common events handled inline: a reader
        drains every pending event on each wakeup, and a 2D code is a thousand.
        """
        out: list[Scan | Signal] = []
        keys, not_fast = self._keys, self._not_fast
        fast, level, append = self._fast, self._level_index, self._frame.append
        held = self._held
        last = None
        stale = False
        for type_, code, value, time in events:
            if type_ != EV_KEY:
                if code != SYN_DROPPED:
                    continue  # SYN_REPORT, scan codes
            elif fast and code in _LEVEL_KEYS:
                if value == KEY_DOWN:
                    held.add(code)
                elif value == KEY_UP:
                    held.discard(code)
                level = (not held.isdisjoint(_SHIFT)) + 2 * (_ALTGR in held)
                stale = True  # the flags catch up before the slow path needs them
                continue
            elif value == KEY_UP:
                if code not in _MODIFIERS:
                    continue
            elif value == KEY_DOWN and fast and code not in not_fast:
                levels = keys.get(code)
                char = levels[level] if levels else None
                if char is not None and len(char) == 1:  # not a dead key
                    append(char)
                    last = time
                    continue
            if last is not None:
                self._last_key, last = last, None
            if stale:
                self._refresh()
                stale = False
            out.extend(self.feed(type_, code, value, time))
            fast, level, append = self._fast, self._level_index, self._frame.append
            held = self._held
        if last is not None:
            self._last_key = last
        if stale:
            self._refresh()
        return tuple(out)

    def tick(self, time: float) -> Output:
        """Close a frame that has been idle for longer than the idle time."""
        last = self._last_key
        if self._idle is None or last is None or time - last <= self._idle:
            return ()
        return self._close(last)

    def disconnect(self) -> Output:
        """The device is gone: drop the partial scan and report it."""
        self._reset()
        return (Signal("disconnected", SCANNER_DISCONNECTED),)

    def _after_pause(self, time: float) -> Output:
        last = self._last_key
        if self._spoiled and last is not None and time - last > _SPOILED_GAP:
            self._spoiled = False  # the spoiled scan's terminator was lost too
            self._refresh()
        return self.tick(time)

    def _refresh(self) -> None:
        held = self._held
        self._shift = not held.isdisjoint(_SHIFT)
        self._ctrl = not held.isdisjoint(_CTRL)
        self._alt = _ALT in held
        self._altgr = _ALTGR in held
        self._level_index = int(self._shift) + (2 if self._altgr else 0)
        self._plain = not (
            self._ctrl or self._alt or self._caps or self._spoiled or self._dead
        )
        self._fast = self._plain and self._idle is None

    def _modifier_up(self, code: int, time: float) -> Output:
        self._held.discard(code)
        self._refresh()
        if code == _ALT and self._alt_code:
            digits, self._alt_code = self._alt_code, ""
            return self._alt_character(digits, time)
        return ()

    def _key_down(self, code: int, time: float) -> Output:
        if code in self._terminators:
            return self._close(time)
        if code == _CAPSLOCK:
            self._caps = not self._caps
            return ()
        if code in _LOCKS or self._spoiled:
            return ()
        if self._alt and code in _KEYPAD_DIGITS:
            self._alt_code += _KEYPAD_DIGITS[code]
            return ()
        if self._ctrl:
            return self._typed(self._chords.get(code), code, "Ctrl")
        if code in _CONTROL_KEYS:  # kept, for the interpreter to refuse by name
            return self._typed(_CONTROL_KEYS[code], code, "base")
        level = self._level(code)
        levels = self._keys.get(code)
        return self._typed(levels[level] if levels else None, code, _LEVEL_NAMES[level])

    def _level(self, code: int) -> int:
        shifted = self._shift
        levels = self._keys.get(code)
        if self._caps and levels and _is_letter_key(levels):
            shifted = not shifted
        return int(shifted) + (2 if self._altgr else 0)

    def _typed(self, char: str | None, code: int, level: str) -> Output:
        if char is None:
            return self._spoil(
                f"The scanner sent {key_name(code)} with {level}, which types nothing "
                f"on the {self.layout} layout: scan again, or check the layout."
            )
        if len(char) > 1:  # a dead key, by its XKB name
            if char not in _DEAD_KEYS:
                return self._spoil(
                    f"The scanner sent {key_name(code)} with {level}, a dead key "
                    f"({char}) that pickwise does not compose: check the layout."
                )
            if self._dead:
                self._frame.append(_DEAD_KEYS[self._dead][0])
            self._dead = char
            return ()
        if self._dead:
            char = _compose(self._dead, char)
            self._dead = None
        self._frame.append(char)
        return ()

    def _alt_character(self, digits: str, time: float) -> Output:
        number = int(digits)
        if self._spoiled:
            return ()
        if number > 255:
            return self._spoil(f"Alt+{digits} is no character code: scan again.")
        if number < 128:
            self._frame.append(chr(number))
        else:
            # Windows reads Alt+0nnn in the ANSI code page, Alt+nnn in the OEM one.
            encoding = "cp1252" if digits.startswith("0") else "cp437"
            self._frame.append(bytes([number]).decode(encoding, errors="replace"))
        self._last_key = time
        return ()

    def _close(self, time: float) -> Output:
        if self._dead:
            self._frame.append(_DEAD_KEYS[self._dead][0])
        text = "".join(self._frame)
        spoiled = self._spoiled
        self._frame, self._dead, self._spoiled = [], None, False
        self._alt_code, self._last_key = "", None
        self._refresh()
        if spoiled or not text:
            return ()
        return (Scan.of(text, self._source, _wall_time(time)),)

    def _drop(self, time: float) -> Output:
        # Key-ups may be among the lost events, so no modifier is trusted either.
        log.warning("events_dropped", extra={"source": self._source})
        self._held.clear()
        self._last_key = time
        out = self._spoil(SCAN_CORRUPTED)
        self._refresh()
        return out

    def _spoil(self, message: str) -> Output:
        """Discard the scan in progress up to its end, and say so once."""
        self._frame, self._dead, self._alt_code = [], None, ""
        if self._spoiled:
            return ()
        self._spoiled = True
        self._refresh()
        return (Signal("corrupted", message),)

    def _reset(self) -> None:
        self._held.clear()
        self._frame, self._dead, self._alt_code = [], None, ""
        self._spoiled, self._last_key = False, None
        self._refresh()


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
