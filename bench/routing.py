"""Pick routes measured against the proven optimum.

    python -m bench.routing --generate   # write instances and prove their optima
    python -m bench.routing --quick      # a few instances per cell, under a minute
    python -m bench.routing              # every instance; writes the markdown table

Instances live in bench/routing_instances/, one JSON file per layout family, written
once from seeds derived from (layout, storage, size, number) by SHA-256, and
committed with their optimal lengths. Single-block optima come from the exact
programme, multi-block optima from an integer programme (degree two at every
node, subtour cuts added until the tour is whole) solved by SCIP through OR-Tools,
which is needed only for --generate. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import math
import os
import platform
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from routing import Layout, demo_layout, grid_layout, plan_route
from routing.distance import distance_matrix
from routing.heuristics import RULES

HERE = Path(__file__).resolve().parent
INSTANCES = HERE / "routing_instances"
RESULTS = HERE / "routing_results.md"

CODE_PATTERN = r"^(?P<aisle>\d{2})-(?P<bay>\d{3})-(?P<level>\d)$"
COMMON = dict(aisle_pitch_m=3.0, slot_length_m=1.0, cross_aisle_width_m=2.0, levels=1)
FAMILIES: dict[str, dict[str, Any]] = {
    "L1": dict(aisles=10, blocks=1, slots_per_side=30, depots=[{"aisle": 1}]),
    "L2": dict(aisles=30, blocks=1, slots_per_side=15, depots=[{"x_m": 43.5}]),
    "L3": dict(aisles=15, blocks=2, slots_per_side=15, depots=[{"aisle": 1}]),
    "L4": dict(aisles=15, blocks=3, slots_per_side=15, depots=[{"aisle": 1}]),
    "L5": dict(aisles=30, blocks=6, slots_per_side=10, depots=[{"x_m": 43.5}]),
}
DESCRIPTIONS = {
    "L1": "1 block, 10 aisles x 30 m, depot front-left",
    "L2": "1 block, 30 aisles x 15 m, depot front-centre",
    "L3": "2 blocks, 15 aisles x 2 x 15 m, depot front-left",
    "L4": "3 blocks, 15 aisles x 3 x 15 m, depot front-left",
    "L5": "6 blocks, 30 aisles x 6 x 10 m, depot front-centre",
}
SIZES = (5, 10, 20, 30, 50, 100)
POLICIES = ("uniform", "abc")
PER_CELL = {5: 20, 10: 20, 20: 20, 30: 20, 50: 20, 100: 4}
QUICK_PER_CELL = 3
REAL_QUICK_WAVES = 200
OURS = "best"
METHODS = (OURS, "tsp", *RULES, "sequence")
ORACLE_CAP_S = 300.0


def family_layout(name: str) -> Layout:
    """The layout of benchmark family ``name``."""
    return grid_layout(name=name, code_pattern=CODE_PATTERN, **COMMON, **FAMILIES[name])


def _seed(*parts: object) -> int:
    text = "/".join(map(str, parts)).encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "big")


def _all_codes(layout: Layout) -> list[str]:
    bays = 2 * layout.slots_per_side * layout.blocks
    return [
        f"{aisle:02d}-{bay:03d}-1"
        for aisle in layout.aisle_numbers
        for bay in range(1, bays + 1)
    ]


def draw_pick_list(layout: Layout, policy: str, size: int, number: int) -> list[str]:
    """Distinct location codes, uniform or ABC (80 % of picks from the 20 % nearest)."""
    rng = random.Random(_seed(layout.name, policy, size, number))
    codes = _all_codes(layout)
    if policy == "uniform":
        return sorted(rng.sample(codes, size))
    depot = layout.depot.point
    points = [layout.locate(code) for code in codes]
    near = distance_matrix(layout, [depot, *points])[0][1:]
    ranked = [code for _, code in sorted(zip(near, codes, strict=True))]
    cut = len(ranked) // 5
    fast, slow = ranked[:cut], ranked[cut:]
    chosen: set[str] = set()
    while len(chosen) < size:
        chosen.add(rng.choice(fast if rng.random() < 0.8 else slow))
    return sorted(chosen)


def prove_optimum(layout: Layout, codes: Sequence[str]) -> tuple[int, str, float]:
    """The optimal tour length in mm by SCIP, its status and the seconds taken."""
    from ortools.linear_solver import pywraplp

    places = sorted({(p.column, p.x, p.y) for p in map(layout.locate, codes)})
    points = [layout.depot.point] + [layout.locate(c) for c in codes]
    keyed = {(p.column, p.x, p.y): p for p in points[1:]}
    nodes = [points[0]] + [keyed[k] for k in places]
    dist = distance_matrix(layout, nodes)
    n = len(nodes)
    if n <= 3:
        order = [*range(n), 0]
        length = sum(dist[a][b] for a, b in itertools.pairwise(order))
        return length, "trivial", 0.0

    started = time.perf_counter()
    solver = pywraplp.Solver.CreateSolver("SCIP")
    edge = {
        (i, j): solver.BoolVar(f"x{i}_{j}") for i in range(n) for j in range(i + 1, n)
    }
    for i in range(n):
        solver.Add(sum(v for (a, b), v in edge.items() if i in (a, b)) == 2)
    solver.Minimize(sum(dist[i][j] * v for (i, j), v in edge.items()))
    while True:
        left = ORACLE_CAP_S - (time.perf_counter() - started)
        solver.SetTimeLimit(max(1, int(left * 1000)))
        status = solver.Solve()
        if status != pywraplp.Solver.OPTIMAL:
            bound = solver.Objective().BestBound() if status == 1 else 0
            return round(bound), "unproven", time.perf_counter() - started
        used = [e for e, v in edge.items() if v.solution_value() > 0.5]
        pieces = _pieces(n, used)
        if len(pieces) == 1:
            length = round(solver.Objective().Value())
            return length, "scip", time.perf_counter() - started
        for piece in pieces:
            inside = set(piece)
            solver.Add(
                sum(v for (a, b), v in edge.items() if (a in inside) != (b in inside))
                >= 2
            )


def _pieces(n: int, edges: list[tuple[int, int]]) -> list[list[int]]:
    links: dict[int, list[int]] = defaultdict(list)
    for a, b in edges:
        links[a].append(b)
        links[b].append(a)
    seen: set[int] = set()
    pieces = []
    for start in range(n):
        if start in seen:
            continue
        stack, piece = [start], []
        seen.add(start)
        while stack:
            node = stack.pop()
            piece.append(node)
            for other in links[node]:
                if other not in seen:
                    seen.add(other)
                    stack.append(other)
        pieces.append(piece)
    return pieces


def generate(families: Sequence[str], check_dp: bool) -> None:
    """Write every family's instances with their proven optima."""
    INSTANCES.mkdir(exist_ok=True)
    for name in families:
        layout = family_layout(name)
        rows = []
        for policy in POLICIES:
            for size in SIZES:
                for number in range(PER_CELL[size]):
                    codes = draw_pick_list(layout, policy, size, number)
                    row = _prove(layout, codes, check_dp and number < 3 and size <= 20)
                    row.update(policy=policy, size=size, number=number, codes=codes)
                    rows.append(row)
                    print(name, policy, size, number, row["proof"], flush=True)
        header = {
            "family": name,
            "description": DESCRIPTIONS[name],
            "layout": {**COMMON, **FAMILIES[name], "code_pattern": CODE_PATTERN},
        }
        lines = [json.dumps(header)] + [json.dumps(row) for row in rows]
        (INSTANCES / f"{name}.jsonl").write_text("\n".join(lines) + "\n")


def _prove(layout: Layout, codes: list[str], check_dp: bool) -> dict[str, Any]:
    if layout.blocks == 1:
        exact = plan_route(layout, codes, method="exact")
        row: dict[str, Any] = {"optimum_m": exact.length_m, "proof": "dp"}
        if check_dp:
            length, status, _ = prove_optimum(layout, codes)
            if status == "scip" and length / 1000 != exact.length_m:
                raise SystemExit(f"DP and SCIP disagree on {codes}")
            row["proof"] = "dp+scip" if status == "scip" else "dp"
        return row
    length, status, seconds = prove_optimum(layout, codes)
    return {"optimum_m": length / 1000, "proof": status, "oracle_s": round(seconds, 2)}


def load_instances(quick: bool) -> list[dict[str, Any]]:
    """Every committed instance (the first few per cell when ``quick``)."""
    rows = []
    for path in sorted(INSTANCES.glob("L*.jsonl")):
        lines = path.read_text().splitlines()
        family = json.loads(lines[0])["family"]
        for line in lines[1:]:
            row = json.loads(line)
            if quick and row["number"] >= QUICK_PER_CELL:
                continue
            rows.append({**row, "family": family})
    return rows


def run(rows: list[dict[str, Any]]) -> dict[tuple, dict[str, list[float]]]:
    """Route every instance with every method; gaps in % and times in ms."""
    layouts = {name: family_layout(name) for name in FAMILIES}
    cells: dict[tuple, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        layout = layouts[row["family"]]
        cell = cells[(row["family"], row["policy"], row["size"])]
        optimum = row["optimum_m"]
        proven = row["proof"] != "unproven"
        lengths, routes = {}, {}
        for method in METHODS:
            started = time.perf_counter()
            route = plan_route(layout, row["codes"], method=method)
            cell[f"{method}:ms"].append(1000 * (time.perf_counter() - started))
            lengths[method], routes[method] = route.length_m, route
            if proven:
                gap = 100 * (route.length_m / optimum - 1)
                cell[f"{method}:gap"].append(max(gap, 0.0) if gap > -1e-9 else gap)
        again = plan_route(layout, row["codes"], method=OURS)
        cell["changed"].append(float(again != routes[OURS]))
        cell["length_changed"].append(float(again.length_m != lengths[OURS]))
        cell["worse_than_sshape"].append(float(lengths[OURS] > lengths["s-shape"]))
        cell["sshape_optimal"].append(
            float(proven and math.isclose(lengths["s-shape"], optimum))
        )
        cell["unproven"].append(float(not proven))
    return cells


def real_orders(limit: int | None) -> dict[str, Any] | None:
    """Walking distance of the demo waves (real orders) by ours and the usual orders.

    Products are slotted and orders grouped into waves as the demo warehouse does:
    the most ordered products nearest the depot, orders on carts of four totes.
    """
    try:
        from stock_service.demo import build
    except ImportError:
        return None
    lines = build.read_order_lines()
    popularity = Counter(line.sku for line in lines)
    skus = sorted(popularity, key=lambda sku: (-popularity[sku], sku))
    slots = sorted(
        build.location_codes(), key=lambda alp: (build.depot_distance(*alp), alp)
    )
    home = {sku: build.format_location(*slots[i]) for i, sku in enumerate(skus)}
    serpentine = {build.format_location(*alp): build.walk_seq(*alp) for alp in slots}
    codes_of: dict[str, list[str]] = defaultdict(list)
    for line in lines:
        codes_of[line.invoice].append(home[line.sku])

    layout = demo_layout()
    plans = {
        "ours": dict(method=OURS),
        "s_shape": dict(method="s-shape"),
        "code_order": dict(method="sequence", sequence={}),
        "serpentine": dict(method="sequence", sequence=serpentine),
    }
    totals = dict.fromkeys(plans, 0.0)
    waves = build.plan_waves(lines)[:limit]
    for wave in waves:
        codes = [code for invoice in wave.orders for code in codes_of[invoice]]
        for name, how in plans.items():
            totals[name] += plan_route(layout, codes, **how).length_m
    result: dict[str, Any] = {"real_waves": len(waves)}
    result.update({f"real_km_{name}": round(m / 1000, 2) for name, m in totals.items()})
    return result


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def summary(cells: dict[tuple, dict[str, list[float]]]) -> dict[str, Any]:
    """The headline figures the issue asks for."""

    def gather(key: str, families: set[str], sizes: Sequence[int] = SIZES):
        return [
            v
            for (family, _, size), cell in cells.items()
            if family in families and size in sizes
            for v in cell[key]
        ]

    single, multi = {"L1", "L2"}, {"L3", "L4", "L5"}
    gaps_single = gather(f"{OURS}:gap", single)
    gaps_multi = gather(f"{OURS}:gap", multi, (5, 10, 20, 30, 50))
    gaps_all = gather(f"{OURS}:gap", single | multi)
    every = single | multi
    return {
        "single_block_max_gap_pct": round(max(gaps_single, default=0.0), 4),
        "multi_block_mean_gap_pct": (
            round(statistics.fmean(gaps_multi), 4) if gaps_multi else None
        ),
        "multi_block_max_gap_pct": round(max(gaps_multi, default=0.0), 4),
        "multi_block_max_gap_pct_100_picks": round(
            max(gather(f"{OURS}:gap", multi, (100,)), default=0.0), 4
        ),
        "share_optimal": round(
            sum(g < 1e-9 for g in gaps_all) / max(1, len(gaps_all)), 4
        ),
        "worse_than_sshape": int(sum(gather("worse_than_sshape", every))),
        "p99_ms_50_picks": round(_pct(gather(f"{OURS}:ms", every, (50,)), 0.99), 2),
        "p99_ms_100_picks": round(_pct(gather(f"{OURS}:ms", every, (100,)), 0.99), 2),
        "routes_changed_on_repeat": int(sum(gather("changed", every))),
        "lengths_changed_on_repeat": int(sum(gather("length_changed", every))),
        "unproven": int(sum(gather("unproven", every))),
        "instances": len(gather("unproven", every)),
    }


def proofs(rows: list[dict[str, Any]]) -> list[str]:
    """How each cell's optima were proven, and how long SCIP took."""
    lines = [
        "",
        "## Proofs",
        "",
        "| layout | picks | proven | by | SCIP p50 s | SCIP max s |",
        "|---|---|---|---|---|---|",
    ]
    groups: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[(row["family"], row["size"])].append(row)
    for (family, size), group in sorted(groups.items()):
        proven = sum(row["proof"] != "unproven" for row in group)
        how = "/".join(sorted({row["proof"] for row in group}))
        seconds = [row["oracle_s"] for row in group if "oracle_s" in row]
        timing = (
            f"{_pct(seconds, 0.5):.2f} | {max(seconds):.1f}" if seconds else "- | -"
        )
        lines.append(
            f"| {family} | {size} | {proven}/{len(group)} | {how} | {timing} |"
        )
    return lines


def markdown(
    cells: dict[tuple, dict[str, list[float]]], head: dict, rows: list[dict[str, Any]]
) -> str:
    """The whole table: every method in every cell."""
    lines = [
        "# Pick routes against the proven optimum",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, one process pinned to one core.",
        "Gap % = 100 x (route / optimum - 1). `best` is `plan_route`'s default.",
        "`sequence` sorts by location code. Cells where S-shape is optimal on more ",
        "than 90 % of instances test nothing and are marked *(S-shape optimal)*.",
        "",
        "Families: "
        + "; ".join(f"{k} = {v}" for k, v in DESCRIPTIONS.items())
        + ". All with 3 m aisle pitch, 2 m cross aisles and 1 m slots.",
        "",
        "Headline: `" + json.dumps(head) + "`",
        "",
        "| layout | storage | picks | method | mean gap % | p95 gap % | max gap % "
        "| optimal | p50 ms | p99 ms |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (family, policy, size), cell in sorted(cells.items()):
        trivial = statistics.fmean(cell["sshape_optimal"]) > 0.9
        note = " *(S-shape optimal)*" if trivial else ""
        for method in METHODS:
            gaps, ms = cell[f"{method}:gap"], cell[f"{method}:ms"]
            if not gaps:
                continue
            optimal = sum(g < 1e-9 for g in gaps) / len(gaps)
            lines.append(
                f"| {family} | {policy} | {size}{note} | {method} | "
                f"{statistics.fmean(gaps):.2f} | {_pct(gaps, 0.95):.2f} | "
                f"{max(gaps):.2f} | {100 * optimal:.0f} % | "
                f"{_pct(ms, 0.5):.1f} | {_pct(ms, 0.99):.1f} |"
            )
    lines += proofs(rows)
    if "real_waves" in head:
        ours = head["real_km_ours"]
        lines += [
            "",
            f"## The demo waves ({head['real_waves']} waves of real orders)",
            "",
            "| order of visits | total walk km | ours saves |",
            "|---|---|---|",
        ]
        for name in ("ours", "s_shape", "serpentine", "code_order"):
            km = head[f"real_km_{name}"]
            lines.append(f"| {name} | {km:.2f} | {100 * (1 - ours / km):.1f} % |")
    return "\n".join(lines) + "\n"


def _pin_to_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        cores = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cores[-1]})


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.routing")
    parser.add_argument("--quick", action="store_true", help="a few per cell")
    parser.add_argument("--generate", action="store_true", help="write instances")
    parser.add_argument("--families", default=",".join(FAMILIES))
    parser.add_argument("--check-dp", action="store_true", help="SCIP on small L1/L2")
    args = parser.parse_args(argv)

    if args.generate:
        generate(args.families.split(","), args.check_dp)
        return 0
    _pin_to_one_core()
    rows = load_instances(args.quick)
    first = rows[0]
    plan_route(family_layout(first["family"]), first["codes"])  # warm up
    cells = run(rows)
    head = summary(cells)
    head.update(real_orders(REAL_QUICK_WAVES if args.quick else None) or {})
    if not args.quick:
        RESULTS.write_text(markdown(cells, head, rows))
    print(json.dumps(head))
    return 0


if __name__ == "__main__":
    sys.exit(main())
