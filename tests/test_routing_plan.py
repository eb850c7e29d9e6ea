"""Route planning: exact where exact, never worse than the rules, deterministic."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest

from routing import (
    METHODS,
    RouteRequestError,
    UnknownLocationError,
    demo_layout,
    grid_layout,
    load_layout,
    plan_route,
)
from routing.distance import distance
from routing.heuristics import RULES

DEMO_CODES = [
    f"{aisle:02d}-{bay:02d}-{level}"
    for aisle in range(1, 17)
    for bay in range(1, 41)
    for level in range(1, 5)
]


def _layout(blocks: int, depot: dict | None = None):
    return grid_layout(
        name=f"{blocks}-blocks",
        aisles=5,
        aisle_pitch_m=3.0,
        blocks=blocks,
        slots_per_side=12 // blocks,
        slot_length_m=1.0,
        cross_aisle_width_m=2.0,
        depots=[depot or {"name": "depot", "aisle": 1}],
    )


def _codes(layout, count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    bays = 2 * layout.slots_per_side * layout.blocks
    return [
        f"{rng.randint(1, len(layout.aisle_x)):02d}-{rng.randint(1, bays):02d}-1"
        for _ in range(count)
    ]


def _walk(layout, stops, start=None) -> float:
    points = [layout.locate(start) if start else layout.depot.point]
    points += [layout.locate(code) for code in stops] + [layout.depot.point]
    legs = itertools.pairwise(points)
    return sum(distance(layout, a, b) for a, b in legs) / 1000


def _brute_force(layout, codes, start=None) -> float:
    places = {(p.x, p.y): code for code in codes for p in [layout.locate(code)]}
    return min(
        _walk(layout, order, start) for order in itertools.permutations(places.values())
    )


DEPOTS = [
    {"name": "left", "aisle": 1},
    {"name": "between", "x_m": 4.5},
    {"name": "back", "aisle": 4, "cross_aisle": 1},
]


@pytest.mark.parametrize("depot", DEPOTS, ids=lambda d: d["name"])
def test_exact_single_block_route_equals_brute_force(depot) -> None:
    layout = _layout(1, depot)
    for seed in range(40):
        codes = _codes(layout, 1 + seed % 6, seed)

        route = plan_route(layout, codes, method="exact")

        assert route.length_m == pytest.approx(_brute_force(layout, codes))
        assert route.length_m == pytest.approx(_walk(layout, route.stops))


@pytest.mark.parametrize("blocks", [2, 3])
def test_multi_block_best_route_equals_brute_force_on_small_lists(blocks) -> None:
    layout = _layout(blocks, {"name": "between", "x_m": 7.5})
    for seed in range(25):
        codes = _codes(layout, 2 + seed % 5, seed)

        route = plan_route(layout, codes)

        assert route.length_m == pytest.approx(_brute_force(layout, codes))


def test_a_route_from_where_the_picker_stands_equals_brute_force() -> None:
    layout = _layout(2)
    for seed in range(20):
        codes = _codes(layout, 6, seed)
        here, rest = codes[0], codes[1:]

        route = plan_route(layout, rest, start=here)

        assert route.length_m == pytest.approx(_brute_force(layout, rest, here))
        assert route.length_m == pytest.approx(_walk(layout, route.stops, here))


@pytest.mark.parametrize("rule", sorted(RULES))
def test_rules_never_beat_the_exact_route(rule: str) -> None:
    layout = demo_layout()
    for seed in range(30):
        codes = random.Random(seed).sample(DEMO_CODES, 5 + seed)

        exact = plan_route(layout, codes, method="exact")
        ruled = plan_route(layout, codes, method=rule)

        assert ruled.length_m >= exact.length_m
        assert sorted(ruled.stops) == sorted(codes)


def test_multi_block_best_is_never_longer_than_any_rule() -> None:
    layout = grid_layout(
        name="L4",
        aisles=15,
        aisle_pitch_m=3.0,
        blocks=3,
        slots_per_side=15,
        slot_length_m=1.0,
        cross_aisle_width_m=2.0,
    )
    for seed in range(10):
        codes = _codes(layout, 10 + 9 * seed, seed)

        best = plan_route(layout, codes)

        for rule in RULES:
            assert best.length_m <= plan_route(layout, codes, method=rule).length_m


@pytest.mark.parametrize("method", METHODS)
def test_the_same_list_always_gives_the_same_route(method: str) -> None:
    layout = demo_layout()
    codes = random.Random(7).sample(DEMO_CODES, 40)

    first = plan_route(layout, codes, method=method)

    assert plan_route(layout, codes, method=method) == first
    assert plan_route(layout, list(reversed(codes)), method=method) == first


def test_multi_block_lists_of_up_to_eighteen_places_always_give_the_same_route():
    # fast-tsp solves these exactly; longer lists meet its clock (see the README).
    layout = _layout(3)
    codes = _codes(layout, 18, seed=3)

    first = plan_route(layout, codes)

    assert all(plan_route(layout, codes) == first for _ in range(5))


def test_repeated_and_facing_locations_are_listed_together() -> None:
    layout = demo_layout()
    codes = ["07-03-1", "02-10-2", "07-03-1", "07-04-4", "12-30-1"]

    stops = plan_route(layout, codes).stops

    assert sorted(stops) == sorted(codes)
    together = "".join("x" if code.startswith("07-0") else "." for code in stops)
    assert "xxx" in together


def test_length_runs_from_the_depot_through_every_stop_and_back() -> None:
    layout = demo_layout()
    codes = random.Random(2).sample(DEMO_CODES, 25)

    route = plan_route(layout, codes)

    assert route.length_m == pytest.approx(_walk(layout, route.stops))


def test_an_empty_list_is_an_empty_route() -> None:
    assert plan_route(demo_layout(), []).stops == ()
    assert plan_route(demo_layout(), []).length_m == 0


def test_precedence_picks_heavy_goods_first_and_fragile_goods_last() -> None:
    layout = demo_layout()
    codes = random.Random(5).sample(DEMO_CODES, 30)
    rank = {code: k % 3 for k, code in enumerate(codes)}

    stops = plan_route(layout, codes, precedence=rank).stops

    assert [rank[code] for code in stops] == sorted(rank[code] for code in stops)
    assert sorted(stops) == sorted(codes)


def test_sequence_mode_follows_the_house_numbers() -> None:
    layout = demo_layout()
    numbers = {"09-01-1": 1, "02-40-1": 2, "16-20-3": 3, "01-01-1": 4}

    route = plan_route(layout, list(numbers)[::-1], method="sequence", sequence=numbers)

    assert route.stops == tuple(numbers)


def test_zones_are_visited_whole_in_house_sequence_order() -> None:
    layout = demo_layout()
    codes = random.Random(9).sample(DEMO_CODES, 30)
    numbers = {code: 0 if code >= "09" else 1 for code in codes}

    stops = plan_route(layout, codes, method="zones", sequence=numbers).stops

    zones = [layout.zone_of(code) for code in stops]
    assert zones == sorted(zones, key=lambda zone: zone != "B")


def test_unknown_codes_in_a_pick_list_raise_unknown_location() -> None:
    with pytest.raises(UnknownLocationError, match="'01-99-1'"):
        plan_route(demo_layout(), ["01-01-1", "01-99-1"])


def test_unknown_methods_and_inexact_exact_requests_are_refused() -> None:
    with pytest.raises(RouteRequestError, match="unknown routing method"):
        plan_route(demo_layout(), ["01-01-1"], method="fastest")
    with pytest.raises(RouteRequestError, match="single-block"):
        plan_route(_layout(2), ["01-01-1"], method="exact")


@pytest.mark.parametrize("blocks", [1, 3])
def test_re_planning_after_a_skip_is_never_longer_than_the_old_plan(blocks) -> None:
    layout = _layout(blocks)
    for seed in range(15):
        stops = plan_route(layout, _codes(layout, 25, seed)).stops
        here, skipped, rest = stops[5], stops[6], list(stops[7:])

        again = plan_route(layout, [*rest, skipped], start=here)

        assert sorted(again.stops) == sorted([*rest, skipped])
        assert again.length_m <= _walk(layout, [*rest, skipped], start=here) + 1e-9


def test_skipped_locations_can_be_put_last_when_re_planning() -> None:
    layout = demo_layout()
    stops = plan_route(layout, random.Random(4).sample(DEMO_CODES, 20)).stops
    here, skipped, rest = stops[3], list(stops[4:6]), list(stops[6:])

    again = plan_route(
        layout, [*skipped, *rest], start=here, precedence=dict.fromkeys(skipped, 1)
    )

    assert sorted(again.stops[-2:]) == sorted(skipped)
    assert again.length_m == pytest.approx(_walk(layout, again.stops, start=here))


def test_the_shipped_demo_layout_file_loads_like_demo_layout() -> None:
    import routing

    path = Path(routing.__file__).parent / "layouts" / "demo.toml"

    assert load_layout(path) == demo_layout()


def test_routes_can_start_and_end_at_any_named_depot() -> None:
    layout = grid_layout(
        name="two-depots",
        aisles=5,
        aisle_pitch_m=3.0,
        blocks=1,
        slots_per_side=10,
        slot_length_m=1.0,
        cross_aisle_width_m=2.0,
        depots=[
            {"name": "front", "aisle": 1},
            {"name": "back", "aisle": 5, "cross_aisle": 1},
        ],
    )
    back = layout.depot_named("back")
    assert back is not None
    for seed in range(10):
        codes = _codes(layout, 5, seed)

        route = plan_route(layout, codes, depot="back")

        legs = [back.point, *map(layout.locate, route.stops), back.point]
        walked = sum(distance(layout, a, b) for a, b in itertools.pairwise(legs))
        assert route.length_m == pytest.approx(walked / 1000)
        assert route.length_m == pytest.approx(
            min(
                sum(
                    distance(layout, a, b)
                    for a, b in itertools.pairwise(
                        [back.point, *map(layout.locate, order), back.point]
                    )
                )
                for order in itertools.permutations(codes)
            )
            / 1000
        )


def test_an_unknown_depot_is_refused() -> None:
    with pytest.raises(RouteRequestError, match="no depot 'dock'"):
        plan_route(demo_layout(), ["01-01-1"], depot="dock")
