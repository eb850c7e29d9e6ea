"""Recorded key events, replayed into a decoder: for tests and for field support.

Two notations are read: the token notation of the scanner cases (``LEFTSHIFT+ A+ A-
LEFTSHIFT- | ENTER+ ENTER- | ~150ms !DROP !ENODEV``) and the text that ``evtest``
(or ``python -m evdev.evtest``) prints for a capture.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

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
    Signal,
    key_code,
)
from devices.scan import Scan

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
