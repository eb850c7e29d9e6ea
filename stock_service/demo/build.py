"""Build the demo warehouse deterministically from the shipped order lines.

Products come from the real stock codes and descriptions, slotted by their real
popularity (the most ordered nearest the depot, at waist height); stock covers
all demand; every invoice becomes an order; orders are grouped into waves of up
to four totes on a cart (cluster picking). Each wave's route is planned on the
demo layout when the wave is built, and its length recorded beside the lengths of
S-shape and of location-code order.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import math
import secrets
import tomllib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from itertools import groupby
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select

from routing import Layout, demo_layout, plan_route
from stock_service import schema
from stock_service.auth import hash_pin, token_hash
from stock_service.db import make_engine, migrate
from stock_service.errors import DemoDataError

# GS1 Global Office's example prefix (950), used in GS1's own documentation.
COMPANY_PREFIX = "9506000"

AISLES = 16
BAYS = 40  # odd bays on the left side, even bays on the right
LEVELS = 4
BAY_WIDTH_M = 1.25
AISLE_PITCH_M = 3.0
LEVEL_PREFERENCE = {2: 0, 3: 1, 1: 2, 4: 3}  # waist height first

WAVE_MAX_ORDERS = 4
WAVE_MAX_LINES = 24
STOCK_COVER = 1.25


@dataclass(frozen=True)
class DemoUser:
    """A demo operator, listed in the README."""

    user_name: str
    display_name: str
    badge: str
    pin: str
    role: str


DEMO_USERS = (
    DemoUser("picker1", "Pat Picker", "B1001", "1234", "picker"),
    DemoUser("picker2", "Robin Runner", "B1002", "2345", "picker"),
    DemoUser("packer1", "Sam Packer", "B2001", "3456", "packer"),
    DemoUser("super1", "Alex Lead", "B3001", "4567", "supervisor"),
)
DEMO_DEVICE = "demo-1"


@dataclass
class OrderLine:
    """One real invoice line."""

    invoice: str
    sku: str
    description: str
    quantity: int
    placed_at: str
    customer: str
    country: str


@dataclass
class WavePlan:
    """Orders grouped onto one cart."""

    orders: list[str] = field(default_factory=list)
    lines: int = 0

    def fits(self, lines: int) -> bool:
        if not self.orders:
            return True
        return (
            len(self.orders) < WAVE_MAX_ORDERS and self.lines + lines <= WAVE_MAX_LINES
        )


def read_order_lines() -> list[OrderLine]:
    """The shipped order lines, in their original (time) order."""
    blob = resources.files("stock_service.demo").joinpath("orders.csv.gz").read_bytes()
    text = gzip.decompress(blob).decode("utf-8")
    try:
        return [
            OrderLine(
                invoice=row["InvoiceNo"],
                sku=row["StockCode"],
                description=row["Description"].strip(),
                quantity=int(row["Quantity"]),
                placed_at=row["InvoiceDate"],
                customer=row["CustomerID"],
                country=row["Country"],
            )
            for row in csv.DictReader(io.StringIO(text, newline=""))
        ]
    except (KeyError, ValueError) as exc:
        raise DemoDataError(f"the shipped order data is unreadable: {exc}") from exc


def gtin13(item_reference: int) -> str:
    """A GTIN-13 under the example company prefix."""
    body = f"{COMPANY_PREFIX}{item_reference:05d}"
    return body + gs1_check_digit(body)


def gs1_check_digit(body: str) -> str:
    """The GS1 mod-10 check digit of ``body``."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def location_check_digits(code: str) -> str:
    """Two digits printed on a location label, derived from its code."""
    value = int.from_bytes(hashlib.sha256(f"pickwise:{code}".encode()).digest()[:4])
    return f"{value % 100:02d}"


def location_codes() -> Iterator[tuple[int, int, int]]:
    """Every (aisle, bay, level) of the demo layout."""
    for aisle in range(1, AISLES + 1):
        for bay in range(1, BAYS + 1):
            for level in range(1, LEVELS + 1):
                yield aisle, bay, level


def format_location(aisle: int, bay: int, level: int) -> str:
    return f"{aisle:02d}-{bay:02d}-{level}"


def walk_seq(aisle: int, bay: int, level: int) -> int:
    """Serpentine order: up odd aisles, down even ones."""
    slot = math.ceil(bay / 2)
    along = slot if aisle % 2 else BAYS // 2 + 1 - slot
    return (aisle * 100 + along) * 100 + (bay % 2) * 10 + level


def depot_distance(aisle: int, bay: int, level: int) -> tuple[float, int]:
    """How good a slot is for a fast mover: metres from the depot, then height."""
    slot = math.ceil(bay / 2)
    metres = (aisle - 1) * AISLE_PITCH_M + slot * BAY_WIDTH_M
    return metres, LEVEL_PREFERENCE[level]


def plan_waves(lines: list[OrderLine]) -> list[WavePlan]:
    """First-fit grouping of orders, in time order, onto carts of up to 4 totes."""
    closed: list[WavePlan] = []
    open_waves: list[WavePlan] = []
    for invoice, group in groupby(lines, key=lambda line: line.invoice):
        count = len(list(group))
        wave = next((w for w in open_waves if w.fits(count)), None)
        if wave is None:
            wave = WavePlan()
            open_waves.append(wave)
        wave.orders.append(invoice)
        wave.lines += count
        if len(wave.orders) == WAVE_MAX_ORDERS or wave.lines >= WAVE_MAX_LINES - 2:
            open_waves.remove(wave)
            closed.append(wave)
    closed.extend(open_waves)
    first = {inv: i for i, inv in enumerate(dict.fromkeys(ln.invoice for ln in lines))}
    return sorted(closed, key=lambda w: first[w.orders[0]])


def ensure_demo(db_path: Path) -> str:
    """The demo database at ``db_path``, built if missing; returns the device token.

    The token sits beside the database so that a demo terminal can read it.
    """
    token_path = db_path.with_name("demo-device.token")
    if db_path.exists() and token_path.exists():
        return token_path.read_text().strip()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    partial = db_path.with_name(db_path.name + ".building")
    for leftover in partial.parent.glob(partial.name + "*"):
        leftover.unlink()
    token = secrets.token_urlsafe(24)
    engine = make_engine(f"sqlite:///{partial}")
    try:
        migrate(engine)
        build_demo(engine, device_token=token)
    finally:
        engine.dispose()
    partial.replace(db_path)
    token_path.write_text(token + "\n")
    return token


def build_demo(engine: Engine, *, device_token: str) -> DemoSummary:
    """Fill an empty, migrated database with the demo warehouse."""
    with engine.connect() as conn:
        if conn.execute(select(func.count()).select_from(schema.products)).scalar():
            raise DemoDataError("the database already holds products")

    lines = read_order_lines()
    popularity = Counter(line.sku for line in lines)
    demand = Counter[str]()
    description: dict[str, str] = {}
    for line in lines:
        demand[line.sku] += line.quantity
        description.setdefault(line.sku, line.description)

    skus = sorted(popularity, key=lambda sku: (-popularity[sku], sku))
    slots = sorted(location_codes(), key=lambda alp: (depot_distance(*alp), alp))
    if len(skus) > len(slots):
        raise DemoDataError(f"{len(skus)} products do not fit {len(slots)} locations")
    home = {sku: format_location(*slots[i]) for i, sku in enumerate(skus)}
    waves = plan_waves(lines)

    with engine.begin() as conn:
        _insert_master(conn, sorted(description), description)
        conn.execute(
            insert(schema.stock),
            [
                {
                    "location": home[sku],
                    "sku": sku,
                    "lot": "",
                    "quantity": math.ceil(demand[sku] * STOCK_COVER) + 10,
                }
                for sku in skus
            ],
        )
        _insert_people(conn, device_token)
        _insert_layout(conn)
        _insert_orders(conn, lines, waves, home, demo_layout())

    return DemoSummary(
        products=len(skus),
        locations=len(slots),
        orders=len({line.invoice for line in lines}),
        order_lines=len(lines),
        waves=len(waves),
    )


@dataclass(frozen=True)
class DemoSummary:
    """The size of the demo warehouse."""

    products: int
    locations: int
    orders: int
    order_lines: int
    waves: int


def _insert_master(conn: Any, skus: list[str], description: dict[str, str]) -> None:
    conn.execute(
        insert(schema.products),
        [
            {"sku": sku, "description": description[sku], "rev": rev}
            for rev, sku in enumerate(skus, start=1)
        ],
    )
    codes = []
    for ref, sku in enumerate(skus, start=1):
        codes.append({"code": "0" + gtin13(ref), "sku": sku, "kind": "gtin"})
        codes.append({"code": sku, "sku": sku, "kind": "stock_code"})
    conn.execute(
        insert(schema.barcodes),
        [dict(row, rev=rev) for rev, row in enumerate(codes, start=1)],
    )
    conn.execute(
        insert(schema.locations),
        [
            {
                "code": format_location(aisle, bay, level),
                "aisle": f"{aisle:02d}",
                "bay": f"{bay:02d}",
                "level": str(level),
                "check_digits": location_check_digits(
                    format_location(aisle, bay, level)
                ),
                "walk_seq": walk_seq(aisle, bay, level),
                "rev": rev,
            }
            for rev, (aisle, bay, level) in enumerate(location_codes(), start=1)
        ],
    )


def _insert_people(conn: Any, device_token: str) -> None:
    conn.execute(
        insert(schema.users),
        [
            {
                "user_name": user.user_name,
                "display_name": user.display_name,
                "badge": user.badge,
                "pin_hash": hash_pin(user.pin),
                "role": user.role,
            }
            for user in DEMO_USERS
        ],
    )
    conn.execute(
        insert(schema.devices),
        [{"device_id": DEMO_DEVICE, "token_hash": token_hash(device_token)}],
    )


def _insert_layout(conn: Any) -> None:
    text = resources.files("routing").joinpath("layouts/demo.toml").read_text()
    body = json.dumps(tomllib.loads(text), sort_keys=True)
    conn.execute(insert(schema.layouts), [{"name": "demo", "body": body, "rev": 1}])


def _insert_orders(
    conn: Any,
    lines: list[OrderLine],
    waves: list[WavePlan],
    home: dict[str, str],
    layout: Layout,
) -> None:
    by_invoice = {k: list(g) for k, g in groupby(lines, key=lambda ln: ln.invoice)}
    conn.execute(
        insert(schema.orders),
        [
            {
                "order_id": inv,
                "customer": rows[0].customer,
                "country": rows[0].country,
                "placed_at": rows[0].placed_at,
            }
            for inv, rows in by_invoice.items()
        ],
    )
    order_lines: list[dict[str, Any]] = []
    tote_rows: list[dict[str, Any]] = []
    wave_rows: list[dict[str, Any]] = []
    tasks: list[dict[str, Any]] = []
    line_id = 0
    for wave_id, wave in enumerate(waves, start=1):
        wave_tasks: list[dict[str, Any]] = []
        for invoice in wave.orders:
            tote = f"T{len(tote_rows) + 1:04d}"
            tote_rows.append({"code": tote, "wave_id": wave_id, "order_id": invoice})
            for line_no, line in enumerate(by_invoice[invoice], start=1):
                line_id += 1
                order_lines.append(
                    {
                        "id": line_id,
                        "order_id": invoice,
                        "line_no": line_no,
                        "sku": line.sku,
                        "quantity": line.quantity,
                    }
                )
                wave_tasks.append(
                    {
                        "wave_id": wave_id,
                        "order_line_id": line_id,
                        "order_id": invoice,
                        "sku": line.sku,
                        "location": home[line.sku],
                        "quantity": line.quantity,
                        "tote": tote,
                    }
                )
        stops, lengths = _planned(layout, [t["location"] for t in wave_tasks])
        wave_tasks.sort(key=lambda t: (stops[t["location"]], t["order_line_id"]))
        tasks.extend(dict(t, seq=i) for i, t in enumerate(wave_tasks, start=1))
        wave_rows.append(
            {
                "wave_id": wave_id,
                "name": f"W{wave_id:04d}",
                "status": "released",
                "assigned_to": None,
                **lengths,
            }
        )
    # The first cluster wave is handed to the first demo picker.
    first = next(w for w in wave_rows if len(waves[w["wave_id"] - 1].orders) >= 3)
    first.update(status="assigned", assigned_to=1)
    conn.execute(insert(schema.waves), wave_rows)
    conn.execute(insert(schema.totes), tote_rows)
    conn.execute(insert(schema.order_lines), order_lines)
    conn.execute(insert(schema.pick_tasks), tasks)


def _planned(layout: Layout, codes: list[str]) -> tuple[dict[str, int], dict]:
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
