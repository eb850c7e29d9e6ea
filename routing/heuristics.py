"""The classic picker-routing rules: S-shape, return, midpoint, largest gap, combined.

Each rule gives a visiting order; the route walks it by shortest paths, so it is
never longer than the rule's textbook walk. The rules are defined for one block;
with more blocks they are applied block by block, farthest block first, sweeping
each block from the side nearer to where the picker stands.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from routing.layout import Layout, Point


@dataclass(frozen=True, slots=True)
class _Aisle:
    """The picks of one aisle within one block, by y relative to the block front."""

    x: int
    picks: list[tuple[int, int]]  # (relative y, pick index), ascending


# A rule orders the pick aisles of one block: it gets the aisles left to right (or
# right to left), the block depth and whether the picker enters at the front, and
# returns pick indexes in order and whether the picker leaves at the front.
Rule = Callable[[list[_Aisle], int, bool], tuple[list[int], bool]]


def _up(aisle: _Aisle) -> list[int]:
    return [i for _, i in aisle.picks]


def _down(aisle: _Aisle) -> list[int]:
    return [i for _, i in reversed(aisle.picks)]


def s_shape(aisles: list[_Aisle], depth: int, front: bool) -> tuple[list[int], bool]:
    """Walk every pick aisle from end to end, alternating direction."""
    order: list[int] = []
    for aisle in aisles:
        order += _up(aisle) if front else _down(aisle)
        front = not front
    return order, front


def return_rule(
    aisles: list[_Aisle], depth: int, front: bool
) -> tuple[list[int], bool]:
    """Enter and leave every pick aisle from the same end."""
    order: list[int] = []
    for aisle in aisles:
        order += _up(aisle) if front else _down(aisle)
    return order, front


def _split_rule(cut_of: Callable[[_Aisle, int], int]) -> Rule:
    """A rule that walks the first and last pick aisle through and splits the rest.

    Picks beyond an aisle's cut are taken from the back cross aisle on the way out,
    the others from the front on the way back.
    """

    def rule(aisles: list[_Aisle], depth: int, front: bool) -> tuple[list[int], bool]:
        if len(aisles) == 1:
            return return_rule(aisles, depth, front)
        if not front:
            flipped = [
                _Aisle(a.x, [(depth - y, i) for y, i in reversed(a.picks)])
                for a in aisles
            ]
            order, at_front = rule(flipped, depth, True)
            return order, not at_front
        order = _up(aisles[0])
        for aisle in aisles[1:-1]:
            cut = cut_of(aisle, depth)
            order += [i for y, i in reversed(aisle.picks) if y > cut]
        order += _down(aisles[-1])
        for aisle in reversed(aisles[1:-1]):
            cut = cut_of(aisle, depth)
            order += [i for y, i in aisle.picks if y <= cut]
        return order, True

    return rule


def _midpoint_cut(aisle: _Aisle, depth: int) -> int:
    return depth // 2


def _largest_gap_cut(aisle: _Aisle, depth: int) -> int:
    ys = [0] + [y for y, _ in aisle.picks] + [depth]
    gaps = [(b - a, -k) for k, (a, b) in enumerate(itertools.pairwise(ys))]
    _, k = max(gaps)
    return ys[-k]


midpoint = _split_rule(_midpoint_cut)
largest_gap = _split_rule(_largest_gap_cut)


def combined(aisles: list[_Aisle], depth: int, front: bool) -> tuple[list[int], bool]:
    """Per aisle, walk through or return, whichever a left-to-right sweep finds best.

    A small dynamic programme over (aisle, end the picker stands at) chooses, and
    the picker must finish at the end she entered the block from.
    """
    # cost[side]: the cheapest way to have picked the aisles so far and stand at
    # that end (True = front); made[side]: the end the last aisle was entered from.
    never = 1 << 62
    start = front
    cost = {front: 0, not front: never}
    choices: list[dict[bool, bool]] = []
    for aisle in aisles:
        ys = [y for y, _ in aisle.picks]
        reach = {True: 2 * ys[-1], False: 2 * (depth - ys[0])}
        new = {True: never, False: never}
        made: dict[bool, bool] = {}
        for side, base in cost.items():
            for to, extra in ((not side, depth), (side, reach[side])):
                if base + extra < new[to]:
                    new[to] = base + extra
                    made[to] = side
        cost = new
        choices.append(made)

    end = start if cost[start] <= cost[not start] + depth else not start
    order: list[list[int]] = []
    side = end
    for aisle, made in zip(reversed(aisles), reversed(choices), strict=True):
        came_from = made[side]
        order.append(_up(aisle) if came_from else _down(aisle))
        side = came_from
    return [i for group in reversed(order) for i in group], end


RULES: dict[str, Rule] = {
    "s-shape": s_shape,
    "return": return_rule,
    "midpoint": midpoint,
    "largest-gap": largest_gap,
    "combined": combined,
}


def heuristic_order(
    layout: Layout, points: Sequence[Point], rule: str, start: Point
) -> list[int]:
    """The order of ``points`` (as indexes) that the named rule walks from ``start``."""
    apply = RULES[rule]
    cross = layout.cross_y
    by_block: dict[int, dict[int, list[tuple[int, int]]]] = {}
    for index, point in enumerate(points):
        block = next(k for k in range(layout.blocks) if point.y < cross[k + 1])
        relative = point.y - cross[block]
        aisle = by_block.setdefault(block, {}).setdefault(point.x, [])
        aisle.append((relative, index))

    order: list[int] = []
    x, y = start.x, start.y

    def distance_to(block: int) -> int:
        return abs(cross[block] + cross[block + 1] - 2 * start.y)

    for block in sorted(by_block, key=lambda b: (-distance_to(b), b)):
        depth = cross[block + 1] - cross[block]
        front = abs(y - cross[block]) <= abs(y - cross[block + 1])
        columns = sorted(by_block[block])
        if abs(x - columns[-1]) < abs(x - columns[0]):
            columns.reverse()
        aisles = [_Aisle(c, sorted(by_block[block][c])) for c in columns]
        picked, at_front = apply(aisles, depth, front)
        order += picked
        x = aisles[-1].x
        y = cross[block] if at_front else cross[block + 1]
    return order
