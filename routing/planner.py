"""Planning a pick route: the order in which to visit a list of locations.

Locations that share a place on the floor (both rack faces of a slot, every level
when climbing costs nothing) are one stop for the router and are listed together.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from routing.distance import distance_array
from routing.errors import RouteRequestError
from routing.exact import exact_order
from routing.heuristics import RULES, heuristic_order
from routing.layout import Layout, Point
from routing.search import fast_tsp_path, local_search, path_length

HEURISTICS = tuple(RULES)
METHODS = ("best", "exact", "tsp", *HEURISTICS, "sequence", "zones")

# fast-tsp is exact up to 20 nodes; above, it searches for this long.
_BUDGET_S = {60: 0.006, 130: 0.012}
# Perturbations of the local search when precedence rules out fast-tsp.
_KICK_WORK = 2_000


@dataclass(frozen=True, slots=True)
class Route:
    """Locations in visiting order and the walk's length.

    ``length_m`` runs from the start (the depot unless given) through every stop
    and back to the depot.
    """

    stops: tuple[str, ...]
    length_m: float
    method: str


@dataclass(frozen=True, slots=True)
class _Problem:
    layout: Layout
    points: list[Point]  # the distinct places to visit
    codes: list[list[str]]  # the locations at each place, in listing order
    rank: list[int]  # precedence rank of each place
    start: Point
    depot: Point
    dist: list[list[int]]  # 0 = start, 1 = depot, then the places from 2
    array: np.ndarray  # the same as a numpy array

    def length(self, order: Sequence[int]) -> int:
        return path_length(self.dist, 0, [k + 2 for k in order], 1)

    def route(self, order: Sequence[int], method: str) -> Route:
        stops = tuple(code for k in order for code in self.codes[k])
        return Route(stops, self.length(order) / 1000, method)


def plan_route(
    layout: Layout,
    locations: Sequence[str],
    *,
    start: str | None = None,
    depot: str | None = None,
    method: str = "best",
    precedence: Mapping[str, int] | None = None,
    sequence: Mapping[str, int] | None = None,
) -> Route:
    """The route through ``locations`` that ``method`` plans.

    Args:
        layout: The warehouse layout.
        locations: Location codes to visit; a code may repeat.
        start: Where the picker stands, as a location code or a depot name; the
            route's depot when None.
        depot: The name of the depot where the route ends; the layout's first
            when None.
        method: ``"best"`` (the shortest route we can find: exact on single-block
            layouts), ``"exact"``, ``"tsp"``, one of the classic rules
            (``"s-shape"``, ``"return"``, ``"midpoint"``, ``"largest-gap"``,
            ``"combined"``), ``"sequence"`` (the house pick sequence) or
            ``"zones"`` (zones in house-sequence order, shortest inside each).
        precedence: A rank per location code; lower ranks are picked first (heavy
            goods 0, fragile goods 2). Codes not named rank 0.
        sequence: House sequence numbers per location, overriding the layout's.

    Raises:
        UnknownLocationError: A code the layout cannot place.
        RouteRequestError: An unknown method, or ``"exact"`` where it is not exact.
    """
    if method not in METHODS:
        known = ", ".join(METHODS)
        raise RouteRequestError(f"unknown routing method {method!r}; use {known}")
    ranks = dict(precedence or {})
    seq_key = _sequence_key(layout, sequence)
    if method == "zones":
        zone_order = _zone_order(layout, locations, seq_key)
        ranks = {
            code: ranks.get(code, 0) * len(zone_order)
            + zone_order[layout.zone_of(code)]
            for code in locations
        }
    problem = _problem(layout, locations, start, depot, ranks)
    if not problem.points:
        return problem.route([], method)

    if method == "sequence":
        order = sorted(
            range(len(problem.points)),
            key=lambda k: (problem.rank[k], min(map(seq_key, problem.codes[k]))),
        )
        return problem.route(order, method)
    if method in HEURISTICS:
        return problem.route(_heuristic(problem, method), method)
    if method == "exact":
        if not _exact_applies(problem):
            raise RouteRequestError(
                "the exact method needs a single-block layout, a route from the "
                "depot, no level-change cost and no precedence"
            )
        return problem.route(_exact(problem), method)
    if method == "best" and _exact_applies(problem):
        return problem.route(_exact(problem), method)
    return problem.route(_search(problem), method)


def _sequence_key(layout: Layout, sequence: Mapping[str, int] | None):
    numbers = layout.sequence if sequence is None else sequence

    def key(code: str) -> tuple[int, str]:
        return (numbers.get(code, 0), code)

    return key


def _zone_order(layout: Layout, locations: Sequence[str], seq_key) -> dict[str, int]:
    first: dict[str, tuple[int, str]] = {}
    for code in locations:
        zone = layout.zone_of(code)
        first[zone] = min(first.get(zone, seq_key(code)), seq_key(code))
    ordered = sorted(first, key=lambda zone: (first[zone], zone))
    return {zone: k for k, zone in enumerate(ordered)}


def _problem(
    layout: Layout,
    locations: Sequence[str],
    start: str | None,
    depot: str | None,
    ranks: Mapping[str, int],
) -> _Problem:
    places: dict[tuple[int, int, int, int, int], list[str]] = {}
    for code in locations:
        point = layout.locate(code)
        level = point.level if layout.level_change else 1
        key = (ranks.get(code, 0), point.column, point.x, point.y, level)
        places.setdefault(key, []).append(code)
    keys = list(places)
    points = [Point(c, x, y, level) for _, c, x, y, level in keys]
    codes = [sorted(places[k], key=lambda c: (layout.locate(c).level, c)) for k in keys]

    home = layout.depot if depot is None else layout.depot_named(depot)
    if home is None:
        names = ", ".join(d.name for d in layout.depots)
        raise RouteRequestError(f"no depot {depot!r} in {layout.name!r}; use {names}")
    if start is None or start == home.name:
        origin = home.point
    else:
        other = layout.depot_named(start)
        origin = other.point if other else layout.locate(start)
    array = distance_array(layout, [origin, home.point, *points])
    rank = [k[0] for k in keys]
    return _Problem(
        layout, points, codes, rank, origin, home.point, array.tolist(), array
    )


def _exact_applies(problem: _Problem) -> bool:
    return (
        problem.layout.blocks == 1
        and problem.start == problem.depot
        and not problem.layout.level_change
        and len(set(problem.rank)) == 1
    )


def _exact(problem: _Problem) -> list[int]:
    places = [(p.column, p.y) for p in problem.points]
    order, _ = exact_order(problem.layout, places, problem.depot)
    return order


def _heuristic(problem: _Problem, rule: str) -> list[int]:
    order = heuristic_order(problem.layout, problem.points, rule, problem.start)
    return sorted(order, key=lambda k: problem.rank[k])


def _search(problem: _Problem) -> list[int]:
    """The shortest of the listed order, the rules, fast-tsp and a local search."""
    # The order as listed is a candidate too, so that re-planning the rest of a
    # route from where the picker stands is never longer than keeping to it.
    listed = sorted(range(len(problem.points)), key=lambda k: problem.rank[k])
    candidates = [listed] + [_heuristic(problem, rule) for rule in HEURISTICS]
    best = min(candidates, key=problem.length)
    nodes = [k + 2 for k in best]
    if len(set(problem.rank)) > 1:
        rank = {k + 2: r for k, r in enumerate(problem.rank)}
        found = local_search(
            problem.dist,
            problem.array,
            0,
            nodes,
            1,
            rank=rank,
            kicks=_KICK_WORK // len(nodes),
        )
    else:
        budget = next((s for n, s in _BUDGET_S.items() if len(nodes) <= n), 0.02)
        tour = fast_tsp_path(problem.array, 0, nodes, 1, budget_s=budget)
        found = local_search(problem.dist, problem.array, 0, tour, 1)
    order = [k - 2 for k in found]
    return order if problem.length(order) < problem.length(best) else best
