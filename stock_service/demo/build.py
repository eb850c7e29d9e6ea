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
from dataclasses import dataclass
from importlib import resources
from itertools import groupby
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select, update

from routing import demo_layout
from stock_service import schema
from stock_service.auth import hash_pin, token_hash
from stock_service.db import make_engine, migrate
from stock_service.errors import DemoDataError
from stock_service.gs1 import check_digit as gs1_check_digit
from stock_service.waves import Cart, OpenOrder, group_orders, insert_waves

# GS1 Global Office's example prefix (950), used in GS1's own documentation.
COMPANY_PREFIX = "9506000"
SITE_NAME = "pickwise demo DC, 1 Depot Road, Leeds, UK"

AISLES = 16
BAYS = 40  # odd bays on the left side, even bays on the right
LEVELS = 4
BAY_WIDTH_M = 1.25
AISLE_PITCH_M = 3.0
LEVEL_PREFERENCE = {2: 0, 3: 1, 1: 2, 4: 3}  # waist height first

WAVE_MAX_LINES = 24
OPEN_ORDERS = 24  # the newest orders wait for a supervisor to build their waves
CUTOFFS = ("16:00", "18:00")
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
DEMO_START = "2026-01-05T08:00:00.000+00:00"


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


def plan_waves(lines: list[OrderLine]) -> list[Cart]:
    """The orders of ``lines`` on carts of up to 4 totes, in time order."""
    return group_orders(_open_orders(lines), max_lines=WAVE_MAX_LINES)


def _open_orders(lines: list[OrderLine]) -> list[OpenOrder]:
    return [
        OpenOrder(invoice, len(list(group)))
        for invoice, group in groupby(lines, key=lambda line: line.invoice)
    ]


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


def demo_device_token(db_path: Path, slot: int) -> tuple[str, str]:
    """The device id and token of demo handheld ``slot`` (1, 2, …), enrolled
    with the demo service the first time it is asked for."""
    if slot == 1:
        return DEMO_DEVICE, ensure_demo(db_path)
    device_id = f"demo-{slot}"
    token_path = db_path.with_name(f"demo-device-{slot}.token")
    if token_path.exists():
        return device_id, token_path.read_text().strip()
    token = secrets.token_urlsafe(24)
    engine = make_engine(f"sqlite:///{db_path}")
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(schema.devices).values(
                    device_id=device_id, token_hash=token_hash(token), last_seq=0
                )
            )
    finally:
        engine.dispose()
    token_path.write_text(token + "\n")
    return device_id, token


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
    invoices = list(dict.fromkeys(line.invoice for line in lines))
    waved = {invoice for invoice in invoices[:-OPEN_ORDERS]}
    carts = plan_waves([line for line in lines if line.invoice in waved])

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
        _insert_site(conn)
        _insert_orders(conn, lines, waved)
        wave_ids = insert_waves(conn, carts, demo_layout(), home=home)
        _hand_out_first_wave(conn, carts)

    return DemoSummary(
        products=len(skus),
        locations=len(slots),
        orders=len(invoices),
        order_lines=len(lines),
        waves=len(wave_ids),
        open_orders=len(invoices) - len(waved),
    )


@dataclass(frozen=True)
class DemoSummary:
    """The size of the demo warehouse."""

    products: int
    locations: int
    orders: int
    order_lines: int
    waves: int
    open_orders: int


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


def _insert_site(conn: Any) -> None:
    """What labels need: who ships, and the GS1 prefix its SSCCs start with."""
    conn.execute(
        insert(schema.settings),
        [
            {"key": "gs1_company_prefix", "value": COMPANY_PREFIX},
            {"key": "sscc_extension_digit", "value": "0"},
            {"key": "site_name", "value": SITE_NAME},
        ],
    )


def _insert_orders(conn: Any, lines: list[OrderLine], waved: set[str]) -> None:
    """Every invoice as an order; those not waved get a cut-off and priority."""
    by_invoice = {k: list(g) for k, g in groupby(lines, key=lambda ln: ln.invoice)}
    rows = []
    for n, (invoice, group) in enumerate(by_invoice.items()):
        row = {
            "order_id": invoice,
            "customer": group[0].customer,
            "country": group[0].country,
            "placed_at": group[0].placed_at,
            "priority": 0,
            "cutoff": None,
        }
        if invoice not in waved:
            day = group[0].placed_at[:10]
            row.update(cutoff=f"{day} {CUTOFFS[n % 2]}", priority=int(n % 5 == 0))
        rows.append(row)
    conn.execute(insert(schema.orders), rows)
    conn.execute(
        insert(schema.order_lines),
        [
            {
                "order_id": invoice,
                "line_no": line_no,
                "sku": line.sku,
                "quantity": line.quantity,
            }
            for invoice, group in by_invoice.items()
            for line_no, line in enumerate(group, start=1)
        ],
    )


def _hand_out_first_wave(conn: Any, carts: list[Cart]) -> None:
    """The first cluster wave (three orders or more) goes to the first picker."""
    wave_id = next(n for n, cart in enumerate(carts, start=1) if len(cart.orders) >= 3)
    conn.execute(
        update(schema.waves)
        .where(schema.waves.c.wave_id == wave_id)
        .values(status="assigned", assigned_to=1, assigned_at=DEMO_START)
    )
