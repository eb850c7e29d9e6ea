"""Building waves: open orders grouped onto carts of totes, each wave's route
planned when it is built.

Orders are taken by cut-off (earliest first; none last), then priority (highest
first), then the time they were placed, and grouped first-fit: an order goes on
the first cart of its cut-off and priority that has a free tote and room for
its lines. One order fills one tote (cluster picking).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, insert, select

from routing import Layout, plan_route
from stock_service import schema

TOTES_PER_CART = 4
MAX_LINES = 24


@dataclass(frozen=True)
class OpenOrder:
    """An order none of whose lines is in a wave yet."""

    order_id: str
    lines: int
    cutoff: str | None = None
    priority: int = 0
    placed_at: str = ""


@dataclass
class Cart:
    """Orders grouped onto one cart, one tote each."""

    orders: list[str] = field(default_factory=list)
    lines: int = 0


def group_orders(
    orders: Iterable[OpenOrder],
    *,
    totes_per_cart: int = TOTES_PER_CART,
    max_lines: int = MAX_LINES,
) -> list[Cart]:
    """First-fit grouping of orders onto carts, within cut-off and priority.

    Carts come in the order of their first order. A cart is closed once its
    totes are taken or it is within two lines of ``max_lines``.
    """
    closed: list[Cart] = []
    open_carts: dict[tuple[str, int], list[Cart]] = defaultdict(list)
    first: dict[int, int] = {}
    ordered = sorted(
        enumerate(orders),
        key=lambda io: (
            io[1].cutoff is None,
            io[1].cutoff or "",
            -io[1].priority,
            io[0],
        ),
    )
    for index, order in ordered:
        carts = open_carts[(order.cutoff or "", order.priority)]
        cart = next(
            (c for c in carts if _fits(c, order.lines, totes_per_cart, max_lines)), None
        )
        if cart is None:
            cart = Cart()
            carts.append(cart)
            first[id(cart)] = index
        cart.orders.append(order.order_id)
        cart.lines += order.lines
        if len(cart.orders) == totes_per_cart or cart.lines >= max_lines - 2:
            carts.remove(cart)
            closed.append(cart)
    for carts in open_carts.values():
        closed.extend(carts)
    position = {id(cart): n for n, cart in enumerate(closed)}
    return sorted(closed, key=lambda c: (first[id(c)], position[id(c)]))


def _fits(cart: Cart, lines: int, totes: int, max_lines: int) -> bool:
    if not cart.orders:
        return True
    return len(cart.orders) < totes and cart.lines + lines <= max_lines


def open_orders(conn: Connection) -> list[OpenOrder]:
    """Orders with lines, none of them in a wave that stands, oldest first.

    An order of a cancelled wave is open again.
    """
    o, ol, t, w = (
        schema.orders.c,
        schema.order_lines.c,
        schema.pick_tasks.c,
        schema.waves.c,
    )
    waved = (
        select(t.order_id)
        .join(schema.waves, w.wave_id == t.wave_id)
        .where(w.status != "cancelled")
        .distinct()
    )
    rows = conn.execute(
        select(o.order_id, o.cutoff, o.priority, o.placed_at, func.count(ol.id))
        .join(schema.order_lines)
        .where(o.order_id.not_in(waved))
        .group_by(o.order_id)
        .order_by(o.placed_at, o.order_id)
    ).all()
    return [
        OpenOrder(row.order_id, row[4], row.cutoff, row.priority, row.placed_at)
        for row in rows
    ]


def home_locations(conn: Connection, skus: Iterable[str]) -> dict[str, str]:
    """Where each product is picked: its location holding the most stock."""
    s = schema.stock.c
    rows = conn.execute(
        select(s.sku, s.location, func.sum(s.quantity).label("on_hand"))
        .where(s.sku.in_(set(skus)))
        .group_by(s.sku, s.location)
    ).all()
    best: dict[str, tuple[int, str]] = {}
    for row in rows:
        key = (-int(row.on_hand), row.location)
        if row.sku not in best or key < best[row.sku]:
            best[row.sku] = key
    return {sku: location for sku, (_, location) in best.items()}


def insert_waves(
    conn: Connection,
    carts: Sequence[Cart],
    layout: Layout,
    *,
    status: str = "released",
    home: dict[str, str] | None = None,
) -> list[int]:
    """Create waves, totes and pick tasks for ``carts``; the new wave ids.

    Each wave's lines are ordered by its planned route, and the route's length
    is stored beside the lengths of S-shape and of location-code order. An
    order with a product that has no location stays open.
    """
    ol = schema.order_lines.c
    order_ids = [order for cart in carts for order in cart.orders]
    lines: dict[str, list[Any]] = defaultdict(list)
    for row in conn.execute(
        select(ol.id, ol.order_id, ol.sku, ol.quantity)
        .where(ol.order_id.in_(order_ids))
        .order_by(ol.order_id, ol.line_no)
    ):
        lines[row.order_id].append(row)
    if home is None:
        home = home_locations(
            conn, {row.sku for rows in lines.values() for row in rows}
        )
    newest = conn.execute(select(func.max(schema.waves.c.wave_id))).scalar()
    wave_id = int(newest or 0) + 1
    totes_made = conn.execute(select(func.count()).select_from(schema.totes)).scalar()
    tote_no = int(totes_made or 0) + 1
    made: list[int] = []
    waves: list[dict[str, Any]] = []
    totes: list[dict[str, Any]] = []
    tasks: list[dict[str, Any]] = []
    for cart in carts:
        orders = [o for o in cart.orders if all(r.sku in home for r in lines[o])]
        if not orders:
            continue
        wave_tasks: list[dict[str, Any]] = []
        for order in orders:
            tote = f"T{tote_no:04d}"
            tote_no += 1
            totes.append({"code": tote, "wave_id": wave_id, "order_id": order})
            wave_tasks.extend(
                {
                    "wave_id": wave_id,
                    "order_line_id": row.id,
                    "order_id": order,
                    "sku": row.sku,
                    "location": home[row.sku],
                    "quantity": row.quantity,
                    "tote": tote,
                }
                for row in lines[order]
            )
        stops, lengths = planned(layout, [t["location"] for t in wave_tasks])
        wave_tasks.sort(key=lambda t: (stops[t["location"]], t["order_line_id"]))
        tasks.extend(dict(t, seq=i) for i, t in enumerate(wave_tasks, start=1))
        waves.append(
            {
                "wave_id": wave_id,
                "name": f"W{wave_id:04d}",
                "status": status,
                "assigned_to": None,
                **lengths,
            }
        )
        made.append(wave_id)
        wave_id += 1
    if waves:
        conn.execute(insert(schema.waves), waves)
        conn.execute(insert(schema.totes), totes)
        conn.execute(insert(schema.pick_tasks), tasks)
    return made


def planned(
    layout: Layout, codes: list[str]
) -> tuple[dict[str, int], dict[str, float]]:
    """Each location's place in the planned route, and the lengths to record."""
    route = plan_route(layout, codes)
    sshape = plan_route(layout, codes, method="s-shape")
    by_code = plan_route(layout, codes, method="sequence", sequence={})
    lengths = {
        "planned_length_m": route.length_m,
        "sshape_length_m": sshape.length_m,
        "code_order_length_m": by_code.length_m,
    }
    return {code: i for i, code in reversed(list(enumerate(route.stops)))}, lengths
