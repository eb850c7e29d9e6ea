"""The warehouse geometry: parallel aisles, cross aisles, slots, levels and depots.

A layout is one or more blocks of parallel aisles. Cross aisles run across every
aisle: one at the front, one at the back and one between each pair of blocks.
Pickers walk on the centre lines of aisles and cross aisles and pick from both rack
faces, so a location's place is its aisle, its distance from the front cross aisle
and its level. All lengths are whole millimetres.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from routing.errors import LayoutError, UnknownLocationError

DEFAULT_CODE_PATTERN = r"^(?P<aisle>\d{2})-(?P<bay>\d{2})-(?P<level>\d)$"


def _mm(metres: float) -> int:
    return round(metres * 1000)


@dataclass(frozen=True, slots=True)
class Point:
    """A place a picker can stand: aisle column, x and y in mm, and rack level.

    ``column`` is the aisle's index from the left, or -1 for a point on a cross
    aisle between two aisles (a depot), which cannot be walked along.
    """

    column: int
    x: int
    y: int
    level: int = 1


@dataclass(frozen=True, slots=True)
class Depot:
    """Where routes start and end, on a cross aisle."""

    name: str
    point: Point


@dataclass(frozen=True)
class Layout:
    """Blocks of parallel aisles, how location codes map onto them, and depots."""

    name: str
    aisle_numbers: tuple[int, ...]
    aisle_x: tuple[int, ...]
    blocks: int
    slots_per_side: int
    slot_length: int
    cross_aisle_width: int
    levels: int
    level_change: int
    depots: tuple[Depot, ...]
    code_pattern: str = DEFAULT_CODE_PATTERN
    zones: Mapping[int, str] = field(default_factory=dict)
    sequence: Mapping[str, int] = field(default_factory=dict)
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _column_of: dict[int, int] = field(init=False, repr=False, compare=False)
    _points: dict[str, Point] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.aisle_numbers or len(self.aisle_numbers) != len(self.aisle_x):
            raise LayoutError(f"layout {self.name!r} needs one x for every aisle")
        if list(self.aisle_x) != sorted(set(self.aisle_x)):
            raise LayoutError(f"layout {self.name!r}: aisles must run left to right")
        if min(self.blocks, self.slots_per_side, self.slot_length, self.levels) < 1:
            raise LayoutError(f"layout {self.name!r}: sizes must be positive")
        if not self.depots:
            raise LayoutError(f"layout {self.name!r} has no depot")
        try:
            pattern = re.compile(self.code_pattern)
        except re.error as error:
            raise LayoutError(f"bad code_pattern in {self.name!r}: {error}") from error
        columns = {n: i for i, n in enumerate(self.aisle_numbers)}
        object.__setattr__(self, "_pattern", pattern)
        object.__setattr__(self, "_column_of", columns)
        object.__setattr__(self, "_points", {})

    @property
    def block_length(self) -> int:
        """Length of the racks of one block, front to back."""
        return self.slots_per_side * self.slot_length

    @property
    def cross_y(self) -> tuple[int, ...]:
        """The y of every cross aisle's centre line, front first."""
        step = self.block_length + self.cross_aisle_width
        return tuple(k * step for k in range(self.blocks + 1))

    @property
    def depot(self) -> Depot:
        """The default depot: the first one in the layout."""
        return self.depots[0]

    def depot_named(self, name: str) -> Depot | None:
        """The depot called ``name``, or None."""
        return next((d for d in self.depots if d.name == name), None)

    def slot_y(self, slot: int) -> int:
        """The y of the centre of slot ``slot`` (1 is the front slot of block 1)."""
        block, index = divmod(slot - 1, self.slots_per_side)
        front = self.cross_y[block] + self.cross_aisle_width // 2
        return front + index * self.slot_length + self.slot_length // 2

    def locate(self, code: str) -> Point:
        """Where the picker stands to pick from location ``code``."""
        point = self._points.get(code) if isinstance(code, str) else None
        if point is None:
            point = self._points[code] = self._place(code)
        return point

    def _place(self, code: str) -> Point:
        match = self._pattern.match(code) if isinstance(code, str) else None
        if match is None:
            raise UnknownLocationError(code, self.name)
        column = self._column_of.get(int(match["aisle"]))
        bay, level = int(match["bay"]), int(match["level"])
        slot = math.ceil(bay / 2)
        slots = self.slots_per_side * self.blocks
        if column is None or not 1 <= slot <= slots or not 1 <= level <= self.levels:
            raise UnknownLocationError(code, self.name)
        return Point(column, self.aisle_x[column], self.slot_y(slot), level)

    def zone_of(self, code: str) -> str:
        """The zone of location ``code``: its aisle's zone, or the aisle itself."""
        column = self.locate(code).column
        return self.zones.get(self.aisle_numbers[column], f"aisle {column + 1}")

    def sequence_of(self, code: str) -> tuple[int, str]:
        """The house pick sequence key of ``code``: its number, then the code."""
        self.locate(code)
        return (self.sequence.get(code, 0), code)


def grid_layout(
    *,
    name: str,
    aisles: int,
    aisle_pitch_m: float,
    blocks: int,
    slots_per_side: int,
    slot_length_m: float,
    cross_aisle_width_m: float,
    levels: int = 1,
    level_change_m: float = 0.0,
    depots: Sequence[Mapping[str, Any]] = ({"name": "depot", "aisle": 1},),
    first_aisle: int = 1,
    code_pattern: str = DEFAULT_CODE_PATTERN,
    zones: Sequence[Mapping[str, Any]] = (),
    sequence: Mapping[str, int] | None = None,
) -> Layout:
    """A layout of equal aisles at a fixed pitch, as described in a layout file."""
    numbers = tuple(range(first_aisle, first_aisle + aisles))
    xs = tuple(_mm(i * aisle_pitch_m) for i in range(aisles))
    block_length = slots_per_side * _mm(slot_length_m)
    cross_width = _mm(cross_aisle_width_m)
    zone_of = {}
    for zone in zones:
        low, high = zone["aisles"]
        zone_of.update({n: str(zone["name"]) for n in range(low, high + 1)})

    placed = []
    for depot in depots:
        cross = int(depot.get("cross_aisle", 0))
        if not 0 <= cross <= blocks:
            raise LayoutError(f"depot {depot!r}: no cross aisle {cross}")
        y = cross * (block_length + cross_width)
        if "aisle" in depot:
            if depot["aisle"] not in numbers:
                raise LayoutError(f"depot {depot!r}: no aisle {depot['aisle']}")
            column = numbers.index(depot["aisle"])
            point = Point(column, xs[column], y)
        else:
            x = _mm(float(depot["x_m"]))
            column = xs.index(x) if x in xs else -1
            point = Point(column, x, y)
        placed.append(Depot(str(depot.get("name", "depot")), point))

    return Layout(
        name=name,
        aisle_numbers=numbers,
        aisle_x=xs,
        blocks=blocks,
        slots_per_side=slots_per_side,
        slot_length=_mm(slot_length_m),
        cross_aisle_width=cross_width,
        levels=levels,
        level_change=_mm(level_change_m),
        depots=tuple(placed),
        code_pattern=code_pattern,
        zones=zone_of,
        sequence=dict(sequence or {}),
    )


_KEYS = {
    "name",
    "aisles",
    "aisle_pitch_m",
    "blocks",
    "slots_per_side",
    "slot_length_m",
    "cross_aisle_width_m",
    "levels",
    "level_change_m",
    "depots",
    "first_aisle",
    "code_pattern",
    "zones",
    "sequence",
}


def layout_from_dict(data: Mapping[str, Any]) -> Layout:
    """A layout from the parsed contents of a layout file."""
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise LayoutError(f"unknown layout keys: {', '.join(unknown)}")
    try:
        return grid_layout(**data)
    except (TypeError, KeyError, ValueError) as error:
        raise LayoutError(f"bad layout: {error}") from error


def load_layout(path: str | Path) -> Layout:
    """A layout from a TOML or JSON layout file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (OSError, ValueError) as error:
        raise LayoutError(f"cannot read layout {path.name}: {error}") from error
    return layout_from_dict(data)


def demo_layout() -> Layout:
    """The layout of the demo warehouse, shipped with the package."""
    text = resources.files("routing").joinpath("layouts/demo.toml").read_text("utf-8")
    return layout_from_dict(tomllib.loads(text))
