"""Recorded key events, replayed into a decoder: for tests and for field support.

Two notations are read: the token notation of the scanner cases (``LEFTSHIFT+ A+ A-
LEFTSHIFT- | ENTER+ ENTER- | ~150ms !DROP !ENODEV``) and the text that ``evtest``
(or ``python -m evdev.evtest``) prints for a capture.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from devices._layouts import KEY_CODES, LAYOUTS
from devices.errors import LayoutError
from devices.keys import (
    EV_KEY,
    EV_SYN,
    KEY_DOWN,
    KEY_HOLD,
    KEY_UP,
    SYN_DROPPED,
    SYN_REPORT,
    KeyDecoder,
    ctrl_chords,
    key_code,
)
from devices.scan import Scan, Signal

TOKEN_STEP = 0.001  # seconds between two events of a token capture: a fast scanner

_KEY_VALUES = {"+": KEY_DOWN, "-": KEY_UP, "*": KEY_HOLD}
_PAUSE = re.compile(r"~(\d+(?:\.\d+)?)ms")
_EVTEST_EVENT = re.compile(
    r"time\s+(\d+\.\d+).*?type\s+(\d+)\s*(?:\([^)]*\))?,\s*code\s+(\d+)\s*"
    r"(?:\([^)]*\))?,\s*value\s+(-?\d+)"
)
_EVTEST_SYN = re.compile(r"time\s+(\d+\.\d+).*?(SYN_REPORT|SYN_DROPPED)")


@dataclass(frozen=True)
class Event:
    """One input event as the kernel reports it."""

    time: float
    type: int
    code: int
    value: int


@dataclass(frozen=True)
class Pause:
    """Nothing happened until ``time``."""

    time: float


@dataclass(frozen=True)
class Unplugged:
    """The next read failed with ENODEV at ``time``."""

    time: float


Record = Event | Pause | Unplugged


def parse_tokens(text: str, *, start: float = 0.0) -> list[Record]:
    """Read the token notation; a SYN_REPORT follows each key unless ``|`` is used."""
    tokens = text.split(" ")  # never default whitespace rules on capture text
    tokens = [token for token in tokens if token]
    explicit_syn = "|" in tokens
    records: list[Record] = []
    clock = start
    for token in tokens:
        clock += TOKEN_STEP
        if token == "|":
            records.append(Event(clock, EV_SYN, SYN_REPORT, 0))
        elif token == "!DROP":
            records.append(Event(clock, EV_SYN, SYN_DROPPED, 0))
        elif token == "!ENODEV":
            records.append(Unplugged(clock))
        elif pause := _PAUSE.fullmatch(token):
            clock += float(pause.group(1)) / 1000
            records.append(Pause(clock))
        elif token[-1:] in _KEY_VALUES:
            value = _KEY_VALUES[token[-1]]
            records.append(Event(clock, EV_KEY, key_code(token[:-1]), value))
            if not explicit_syn:
                records.append(Event(clock, EV_SYN, SYN_REPORT, 0))
        else:
            raise LayoutError(f"Cannot read the capture token {token!r}.")
    return records


def parse_evtest(text: str) -> list[Record]:
    """Read the lines ``evtest`` prints; other lines (the header) are skipped."""
    records: list[Record] = []
    for line in text.split("\n"):
        if event := _EVTEST_EVENT.search(line):
            time, type_, code, value = event.groups()
            records.append(Event(float(time), int(type_), int(code), int(value)))
        elif syn := _EVTEST_SYN.search(line):
            code = SYN_DROPPED if syn.group(2) == "SYN_DROPPED" else SYN_REPORT
            records.append(Event(float(syn.group(1)), EV_SYN, code, 0))
        elif "No such device" in line:
            last = records[-1].time if records else 0.0
            records.append(Unplugged(last))
    return records


def parse_capture(text: str) -> list[Record]:
    """Read a capture in either notation."""
    if _EVTEST_EVENT.search(text) or _EVTEST_SYN.search(text):
        return parse_evtest(text)
    return parse_tokens(" ".join(text.split("\n")))


def replay(records: Iterable[Record], decoder: KeyDecoder) -> Iterator[Scan | Signal]:
    """Feed ``records`` to ``decoder``, yielding frames and signals as they end.

    The end of the capture counts as a long silence, which closes a frame that a
    scanner without terminator was typing.
    """
    for record in records:
        if isinstance(record, Event):
            yield from decoder.feed(record.type, record.code, record.value, record.time)
        elif isinstance(record, Pause):
            yield from decoder.tick(record.time)
        else:
            yield from decoder.disconnect()
    yield from decoder.tick(float("inf"))


def keystrokes(
    text: str, layout: str = "us", *, start: float = 0.0, key_time: float = 0.001
) -> list[Event]:
    """The key events a scanner set to ``layout`` sends to type ``text`` and Enter.

    One key per ``key_time`` seconds; modifiers go down and up around each key, and
    control characters are Ctrl chords (GS is Ctrl+]). For benchmarks and tests.
    """
    keys = _typing_table(layout)
    shift, altgr, ctrl = (
        key_code("LEFTSHIFT"),
        key_code("RIGHTALT"),
        key_code("LEFTCTRL"),
    )
    events: list[Event] = []
    clock = start
    for char in [*text, "\r"]:
        if char not in keys:
            raise LayoutError(f"The {layout} layout cannot type {char!r}.")
        code, level = keys[char]
        held = {0: [], 1: [shift], 2: [altgr], 3: [shift, altgr], 4: [ctrl]}[level]
        clock += key_time
        for value, codes in ((KEY_DOWN, [*held, code]), (KEY_UP, [code, *held])):
            for each in codes:
                events.append(Event(clock, EV_KEY, each, value))
                events.append(Event(clock, EV_SYN, SYN_REPORT, 0))
    return events


def _typing_table(layout: str) -> dict[str, tuple[int, int]]:
    """Character → (key code, level), preferring main keys and lower levels."""
    table: dict[str, tuple[int, int]] = {"\r": (key_code("ENTER"), 0)}
    keypad = {code for name, code in KEY_CODES.items() if name.startswith("KP")}
    for level in range(4):
        for code, levels in sorted(
            LAYOUTS[layout].items(), key=lambda i: i[0] in keypad
        ):
            char = levels[level]
            if char and len(char) == 1:
                table.setdefault(char, (code, level))
    for code, char in ctrl_chords(layout).items():
        table.setdefault(char, (code, 4))
    return table
