"""Layouts: location codes, layout files and walking distances."""

from __future__ import annotations

import itertools
import json
import random

import pytest

from routing import (
    LayoutError,
    Point,
    RoutingError,
    UnknownLocationError,
    demo_layout,
    grid_layout,
    load_layout,
)
from routing.distance import distance, distance_matrix

THREE_BLOCKS = dict(
    name="three-blocks",
    aisles=6,
    aisle_pitch_m=3.0,
    blocks=3,
    slots_per_side=5,
    slot_length_m=1.0,
    cross_aisle_width_m=2.0,
)


def test_demo_codes_name_aisle_bay_and_level() -> None:
    layout = demo_layout()

    point = layout.locate("03-14-2")

    # Aisle 03 is the third from the left; bay 14 is slot 7 from the front.
    assert point == Point(column=2, x=6_000, y=1_000 + 6 * 1_250 + 625, level=2)


def test_odd_and_even_bays_of_a_slot_face_each_other() -> None:
    layout = demo_layout()

    left, right = layout.locate("05-07-1"), layout.locate("05-08-1")

    assert (left.x, left.y) == (right.x, right.y)


def test_demo_has_sixteen_aisles_of_forty_bays_and_a_front_left_depot() -> None:
    layout = demo_layout()

    assert layout.locate("16-40-4").column == 15
    assert layout.cross_y == (0, 27_000)
    assert layout.depot.point == Point(column=0, x=0, y=0, level=1)


@pytest.mark.parametrize(
    "code", ["17-01-1", "00-01-1", "01-41-1", "01-00-1", "01-01-5", "1-1-1", "", "x"]
)
def test_unknown_codes_raise_a_routing_error_naming_the_code(code: str) -> None:
    with pytest.raises(UnknownLocationError) as caught:
        demo_layout().locate(code)

    assert isinstance(caught.value, RoutingError)
    assert repr(code) in str(caught.value)


def test_toml_and_json_layout_files_give_the_same_layout(tmp_path) -> None:
    toml = tmp_path / "site.toml"
    toml.write_text(
        'name = "site"\naisles = 4\naisle_pitch_m = 2.5\nblocks = 2\n'
        "slots_per_side = 8\nslot_length_m = 1.2\ncross_aisle_width_m = 1.5\n"
        '[[depots]]\nname = "dock"\nx_m = 3.75\n'
    )
    data = {
        "name": "site",
        "aisles": 4,
        "aisle_pitch_m": 2.5,
        "blocks": 2,
        "slots_per_side": 8,
        "slot_length_m": 1.2,
        "cross_aisle_width_m": 1.5,
        "depots": [{"name": "dock", "x_m": 3.75}],
    }
    (tmp_path / "site.json").write_text(json.dumps(data))

    from_toml = load_layout(toml)

    assert from_toml == load_layout(tmp_path / "site.json")
    assert from_toml.depot.point == Point(column=-1, x=3_750, y=0)


@pytest.mark.parametrize(
    "text",
    [
        "name = 'x'\naisles = 0\naisle_pitch_m = 3\nblocks = 1\n"
        "slots_per_side = 5\nslot_length_m = 1\ncross_aisle_width_m = 2\n",
        "name = 'x'\naisles = 3\n",
        "name = 'x'\ncolour = 'red'\n",
        "this is not toml",
    ],
)
def test_broken_layout_files_raise_layout_error(tmp_path, text: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)

    with pytest.raises(LayoutError):
        load_layout(path)


def test_a_missing_layout_file_raises_layout_error(tmp_path) -> None:
    with pytest.raises(LayoutError):
        load_layout(tmp_path / "absent.toml")


def test_walks_within_an_aisle_are_straight() -> None:
    layout = grid_layout(**THREE_BLOCKS)
    a, b = Point(1, 3_000, 1_500), Point(1, 3_000, 13_500)

    assert distance(layout, a, b) == 12_000


def test_walks_between_aisles_go_round_the_nearest_rack_end() -> None:
    layout = grid_layout(**THREE_BLOCKS)
    # Both picks sit 1.5 m behind the middle cross aisle of block 1 and 2 at 7 m.
    a, b = Point(0, 0, 5_500), Point(2, 6_000, 5_500)

    assert distance(layout, a, b) == 6_000 + 2 * 1_500


def _random_points(layout, count: int, seed: int) -> list[Point]:
    rng = random.Random(seed)
    slots = layout.slots_per_side * layout.blocks
    return [
        Point(c, layout.aisle_x[c], layout.slot_y(rng.randint(1, slots)))
        for c in (rng.randrange(len(layout.aisle_x)) for _ in range(count))
    ] + [layout.depot.point]


def test_distances_are_symmetric_and_obey_the_triangle_inequality() -> None:
    layout = grid_layout(**THREE_BLOCKS, depots=[{"name": "d", "x_m": 7.5}])
    points = _random_points(layout, 30, seed=4)

    dist = distance_matrix(layout, points)

    n = len(points)
    for i, j in itertools.product(range(n), repeat=2):
        assert dist[i][j] == dist[j][i] == distance(layout, points[i], points[j])
    for i, j, k in itertools.product(range(n), repeat=3):
        assert dist[i][j] <= dist[i][k] + dist[k][j]


def test_level_changes_cost_the_layout_length_per_level() -> None:
    layout = grid_layout(**THREE_BLOCKS, levels=4, level_change_m=0.5)
    a, b = Point(1, 3_000, 1_500, level=1), Point(1, 3_000, 2_500, level=4)

    assert distance(layout, a, b) == 1_000 + 3 * 500
