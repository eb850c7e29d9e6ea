"""The exact route for single-block layouts (Ratliff and Rosenthal, 1983).

The dynamic programme sweeps the aisles from left to right. After each aisle it keeps,
for every class of partial tour, the cheapest way to have got there. A class is the
degree of the aisle's front and back node (none, odd or even) and whether those two
nodes are already joined; every piece of a partial tour must touch one of them, or
be the finished tour. The cheapest finished tour is then walked as an Euler circuit
from the depot, and the order in which it first meets each pick is the route.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from routing.layout import Layout, Point

_EMPTY = "empty"
_CROSSINGS: tuple[tuple[int, int], ...] = tuple(
    (front, back) for front in (0, 1, 2) for back in (0, 1, 2)
)
_CLOSED = "closed"
# A partial tour's class: (front degree, back degree, joined) with degrees 0 = none,
# 1 = odd, 2 = even and more than none; or nothing yet, or a finished tour.
State = tuple[int, int, bool] | str


@dataclass(frozen=True, slots=True)
class _Column:
    x: int
    picks: tuple[int, ...]  # distinct y of picks, ascending
    depot: bool
    walkable: bool


@dataclass(frozen=True, slots=True)
class _Move:
    """Edges added in one aisle: cost, degree added front and back, joins ends."""

    name: str
    cost: int
    front: int
    back: int
    joins: bool


def _moves(column: _Column, length: int) -> list[_Move]:
    none = _Move("none", 0, 0, 0, False)
    if not column.walkable:
        return [none]
    moves = [
        _Move("through", length, 1, 1, True),
        _Move("twice", 2 * length, 2, 2, True),
    ]
    picks = column.picks
    if not picks:
        return [none, *moves]
    moves.append(_Move("front", 2 * picks[-1], 2, 0, False))
    moves.append(_Move("back", 2 * (length - picks[0]), 0, 2, False))
    if len(picks) > 1:
        gap = max(b - a for a, b in itertools.pairwise(picks))
        moves.append(_Move("gap", 2 * (length - gap), 2, 2, False))
    return moves


def _degree(before: int, added: int) -> int:
    if added == 0:
        return before
    if before == 0:
        return 1 if added % 2 else 2
    return (3 - before) if added % 2 else before


def _after_aisle(state: State, move: _Move, column: _Column) -> State | None:
    required = bool(column.picks) or column.depot
    if state == _CLOSED:
        return None if required else state
    if move.name == "none" and column.picks:
        return None
    if state == _EMPTY and move.name == "none" and not column.depot:
        return state
    front, back, joined = state if isinstance(state, tuple) else (0, 0, False)
    new_front, new_back = _degree(front, move.front), _degree(back, move.back)
    if column.depot and new_front == 0:
        new_front = 2  # the depot alone, a piece of the tour with no edges yet
    joined = move.joins or (joined and front > 0 and back > 0)
    if not joined and (new_front == 1 or new_back == 1):
        return None
    if joined and (new_front == 1) != (new_back == 1):
        return None
    return (new_front, new_back, joined)


def _across(state: State, front_edges: int, back_edges: int) -> State | None:
    if not isinstance(state, tuple):
        return state if front_edges == back_edges == 0 else None
    front, back, joined = state
    for degree, edges in ((front, front_edges), (back, back_edges)):
        if (degree == 1) != (edges == 1) or (degree == 0 and edges > 0):
            return None
    if front_edges == back_edges == 0:
        separate = front > 0 and back > 0 and not joined
        return None if separate else _CLOSED
    if front > 0 and back > 0 and not joined and 0 in (front_edges, back_edges):
        return None
    both = front_edges > 0 and back_edges > 0
    return (front_edges, back_edges, both and (joined or front == 0 or back == 0))


def _closes(state: State) -> bool:
    if not isinstance(state, tuple):
        return state == _CLOSED
    front, back, joined = state
    return front != 1 and back != 1 and (joined or front == 0 or back == 0)


def _columns(
    layout: Layout, picks: Sequence[tuple[int, int]], depot: Point
) -> list[_Column]:
    length = layout.cross_y[1]
    flip = depot.y == length
    by_column: dict[int, set[int]] = {}
    for column, y in picks:
        by_column.setdefault(column, set()).add(length - y if flip else y)
    columns = [
        _Column(x, tuple(sorted(by_column.get(i, ()))), depot.column == i, True)
        for i, x in enumerate(layout.aisle_x)
    ]
    if depot.column < 0:
        columns.append(_Column(depot.x, (), True, False))
        columns.sort(key=lambda c: c.x)
    return columns


_Layer = dict[State, tuple[int, State | None, _Move]]
_Arrivals = dict[State, tuple[int, State | None, tuple[int, int]]]


def exact_order(
    layout: Layout, picks: Sequence[tuple[int, int]], depot: Point | None = None
) -> tuple[list[int], int]:
    """The optimal visiting order of ``picks`` and the tour's length in mm.

    ``picks`` are distinct (aisle column, y) pairs in a single-block layout; the
    tour starts and ends at ``depot``, the layout's first depot unless given.
    """
    depot = depot or layout.depot.point
    if layout.blocks != 1:
        raise ValueError("the exact programme needs a single-block layout")
    length = layout.cross_y[1]
    columns = _columns(layout, picks, depot)
    layers, trail = _sweep(columns, length)

    finals = [(cost, s) for s, (cost, _, _) in layers[-1].items() if _closes(s)]
    best_cost, state = min(finals, key=lambda final: final[0])
    moves: list[_Move] = []
    crossings: list[tuple[int, int]] = []
    for index in range(len(columns) - 1, -1, -1):
        _, before, move = layers[index][state]
        assert before is not None
        _, state_back, edges = trail[index][before]
        moves.append(move)
        crossings.append(edges)
        state = state_back if state_back is not None else _EMPTY
    moves.reverse()
    crossings.reverse()
    order = _euler_order(columns, moves, crossings[1:], length)
    flip = depot.y == length
    return _to_pick_indexes(layout, columns, picks, order, flip), best_cost


def _sweep(columns: list[_Column], length: int) -> tuple[list[_Layer], list[_Arrivals]]:
    """The cheapest partial tour of each class after each aisle, and how it came."""
    layers: list[_Layer] = []
    trail: list[_Arrivals] = []
    arrivals: _Arrivals = {_EMPTY: (0, None, (0, 0))}
    for index, column in enumerate(columns):
        trail.append(arrivals)
        layer: _Layer = {}
        for state, (cost, _, _) in arrivals.items():
            for move in _moves(column, length):
                new = _after_aisle(state, move, column)
                total = cost + move.cost
                if new is not None and (new not in layer or total < layer[new][0]):
                    layer[new] = (total, state, move)
        layers.append(layer)
        if index + 1 == len(columns):
            break
        width = columns[index + 1].x - column.x
        arrivals = {}
        for state, (cost, _, _) in layer.items():
            for edges in _CROSSINGS:
                new = _across(state, *edges)
                total = cost + width * sum(edges)
                if new is not None and (
                    new not in arrivals or total < arrivals[new][0]
                ):
                    arrivals[new] = (total, state, edges)
    return layers, trail


def _euler_order(
    columns: list[_Column],
    moves: list[_Move],
    crossings: list[tuple[int, int]],
    length: int,
) -> list[tuple[int, int]]:
    """The (column, y) of picks in the order an Euler walk from the depot meets them."""
    edges: dict[tuple[int, int], list[tuple[int, int]]] = {}

    def link(a: tuple[int, int], b: tuple[int, int], times: int) -> None:
        for _ in range(times):
            edges.setdefault(a, []).append(b)
            edges.setdefault(b, []).append(a)

    def chain(column: int, ys: list[int], times: int) -> None:
        for a, b in itertools.pairwise(ys):
            link((column, a), (column, b), times)

    for index, (column, move) in enumerate(zip(columns, moves, strict=True)):
        ys = [0, *column.picks, length]
        if move.name in ("through", "twice"):
            chain(index, ys, 1 if move.name == "through" else 2)
        elif move.name == "front":
            chain(index, ys[:-1], 2)
        elif move.name == "back":
            chain(index, ys[1:], 2)
        elif move.name == "gap":
            gaps = [b - a for a, b in itertools.pairwise(ys[1:-1])]
            split = 1 + gaps.index(max(gaps))
            chain(index, ys[: split + 1], 2)
            chain(index, ys[split + 1 :], 2)
    for index, (front, back) in enumerate(crossings):
        link((index, 0), (index + 1, 0), front)
        link((index, length), (index + 1, length), back)

    start = (next(i for i, c in enumerate(columns) if c.depot), 0)
    stack, circuit = [start], list[tuple[int, int]]()
    while stack:
        node = stack[-1]
        if edges.get(node):
            nxt = edges[node].pop(0)
            edges[nxt].remove(node)
            stack.append(nxt)
        else:
            circuit.append(stack.pop())
    seen: list[tuple[int, int]] = []
    for place in reversed(circuit):
        if place[1] in columns[place[0]].picks and place not in seen:
            seen.append(place)
    return seen


def _to_pick_indexes(
    layout: Layout,
    columns: list[_Column],
    picks: Sequence[tuple[int, int]],
    order: list[tuple[int, int]],
    flip: bool,
) -> list[int]:
    length = layout.cross_y[1]
    column_of_x = {x: i for i, x in enumerate(layout.aisle_x)}
    index_of = {pick: i for i, pick in enumerate(picks)}
    result = []
    for column, y in order:
        aisle = column_of_x[columns[column].x]
        result.append(index_of[(aisle, length - y if flip else y)])
    return result
