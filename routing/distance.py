"""Shortest walking distances in the aisle graph.

Within one aisle a picker walks straight. Between aisles she walks to a cross aisle,
along it and back into the other aisle, choosing the cross aisle that makes the
detour shortest; racks cannot be crossed. Changing rack level costs the layout's
level-change length per level.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from routing.layout import Layout, Point


def distance(layout: Layout, a: Point, b: Point) -> int:
    """The shortest walk from ``a`` to ``b`` in mm."""
    climb = layout.level_change * abs(a.level - b.level)
    if a.column == b.column and a.column >= 0:
        return abs(a.y - b.y) + climb
    detour = min(abs(a.y - y) + abs(b.y - y) for y in layout.cross_y)
    return abs(a.x - b.x) + detour + climb


def walked_m(layout: Layout, codes: Sequence[str]) -> float:
    """Metres walked from the default depot through ``codes`` in the order given.

    Raises:
        UnknownLocationError: A code the layout cannot place.
    """
    total, here = 0, layout.depot.point
    for code in codes:
        there = layout.locate(code)
        total += distance(layout, here, there)
        here = there
    return total / 1000


def distance_matrix(layout: Layout, points: Sequence[Point]) -> list[list[int]]:
    """Shortest walks between every pair of ``points``, in mm."""
    matrix: list[list[int]] = distance_array(layout, points).tolist()
    return matrix


def distance_array(layout: Layout, points: Sequence[Point]) -> np.ndarray:
    """Shortest walks between every pair of ``points``, in mm, as a numpy array."""
    column = np.array([p.column for p in points], dtype=np.int64)
    x = np.array([p.x for p in points], dtype=np.int64)
    y = np.array([p.y for p in points], dtype=np.int64)
    level = np.array([p.level for p in points], dtype=np.int64)
    cross = np.array(layout.cross_y, dtype=np.int64)

    to_cross = np.abs(y[:, None] - cross[None, :])
    detour = (to_cross[:, None, :] + to_cross[None, :, :]).min(axis=2)
    across = np.abs(x[:, None] - x[None, :]) + detour
    along = np.abs(y[:, None] - y[None, :])
    same = (column[:, None] == column[None, :]) & (column[:, None] >= 0)
    walk = np.where(same, along, across)
    walk += layout.level_change * np.abs(level[:, None] - level[None, :])
    return walk
