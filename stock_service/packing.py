"""Packing, as the service sees it: SSCC blocks for devices, what a tote or an
order holds for the packer, closed cartons and where an order stands.

Where stock is, in the ledger: a pick takes items off their pick location
(``pick``, −q there); in a tote they are on no location, and the pick task
(its tote and picked quantity) is their record. The packer's verification
counts them back in: closing a carton books them into the packing area
(``pack``, +q at ``PACK``), and shipping it moves them on (``ship``, −q at
``PACK``, +q at ``SHIPPED``). Every unit is on at most one location at a time,
so nothing is counted twice; what was picked but not found at packing never
comes back and is raised as an exception.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fastapi import APIRouter
from sqlalchemy import Connection, case, func, insert, select

from stock_service import schema
from stock_service.confirm import now, serial_writes
from stock_service.gs1 import serial_capacity
from stock_service.http import DeviceDep, EngineDep, Refused
from wire import (
    API,
    OrderState,
    OrderStatus,
    PackageRow,
    PackedItem,
    PackLine,
    PackOrder,
    PackWork,
    ShipTo,
    SSCCBlock,
    SSCCReserveRequest,
)

READY_LIMIT = 200

router = APIRouter()


@router.post(f"{API}/sscc/reserve", response_model=SSCCBlock)
def reserve(
    engine: EngineDep, device_id: DeviceDep, body: SSCCReserveRequest
) -> SSCCBlock:
    """Reserve a block of SSCC serial references for this device.

    A device draws its SSCCs from its blocks, online or not; the service never
    hands out a serial reference twice.
    """
    b = schema.sscc_blocks.c
    with serial_writes(engine), engine.begin() as conn:
        prefix = site_prefix(conn)
        last = conn.execute(select(func.max(b.last)).where(b.prefix == prefix))
        first = int(last.scalar() or 0) + 1
        end = first + body.count - 1
        if end >= serial_capacity(prefix):
            raise Refused(409, "sscc_exhausted", "No SSCC serial references left.")
        conn.execute(
            insert(schema.sscc_blocks).values(
                prefix=prefix,
                first=first,
                last=end,
                device_id=device_id,
                reserved_at=now(),
            )
        )
    return SSCCBlock(prefix=prefix, first=first, last=end)


@router.get(f"{API}/pack", response_model=PackWork)
def ready(engine: EngineDep, _device: DeviceDep) -> PackWork:
    """Orders picked in full or in part, none of their lines open, not yet
    packed: what packing benches keep for working offline."""
    t, p = schema.pick_tasks.c, schema.packages.c
    packed = select(p.order_id).where(p.closes_order.is_(True))
    with engine.connect().execution_options(read_only=True) as conn:
        order_ids = list(
            conn.execute(
                select(t.order_id)
                .where(t.order_id.not_in(packed))
                .group_by(t.order_id)
                .having(func.sum(case((t.status == "open", 1), else_=0)) == 0)
                .having(func.sum(t.picked_qty) > 0)
                .order_by(func.min(t.wave_id), t.order_id)
                .limit(READY_LIMIT)
            ).scalars()
        )
        return PackWork(
            code="ready", orders=pack_orders(conn, order_ids), ship_from=site_name(conn)
        )


@router.get(f"{API}/pack/{{code}}", response_model=PackWork)
def pack_work(engine: EngineDep, _device: DeviceDep, code: str) -> PackWork:
    """The orders in a tote (several, when it was cluster-picked), or one order."""
    t, o = schema.pick_tasks.c, schema.orders.c
    with engine.connect().execution_options(read_only=True) as conn:
        order_ids = list(
            conn.execute(
                select(t.order_id).where(t.tote == code).distinct().order_by(t.order_id)
            ).scalars()
        )
        if not order_ids:
            if conn.execute(select(o.order_id).where(o.order_id == code)).first():
                order_ids = [code]
            else:
                raise Refused(404, "not_found", f"No tote or order {code} here.")
        return PackWork(
            code=code, orders=pack_orders(conn, order_ids), ship_from=site_name(conn)
        )


@router.get(f"{API}/orders/{{order_id}}", response_model=OrderState)
def order_state(engine: EngineDep, _device: DeviceDep, order_id: str) -> OrderState:
    """Where an order stands: open, picking, picked, packed or shipped."""
    o, t = schema.orders.c, schema.pick_tasks.c
    with engine.connect().execution_options(read_only=True) as conn:
        order = conn.execute(
            select(schema.orders).where(o.order_id == order_id)
        ).first()
        if order is None:
            raise Refused(404, "not_found", f"No order {order_id}.")
        statuses = list(
            conn.execute(select(t.status).where(t.order_id == order_id)).scalars()
        )
        lines = conn.execute(
            select(func.count()).where(schema.order_lines.c.order_id == order_id)
        ).scalar_one()
        packages = package_rows(conn, order_id=order_id)
    return OrderState(
        order_id=order_id,
        status=_order_status(statuses, packages),
        ship_to=_ship_to(order),
        lines=lines,
        packages=packages,
    )


@router.get(f"{API}/packages/{{sscc}}", response_model=PackageRow)
def package(engine: EngineDep, _device: DeviceDep, sscc: str) -> PackageRow:
    """One closed carton, for a reprint or a question from the carrier."""
    with engine.connect().execution_options(read_only=True) as conn:
        rows = package_rows(conn, sscc=sscc)
    if not rows:
        raise Refused(404, "not_found", f"No carton with SSCC {sscc}.")
    return rows[0]


# Helpers


def site_prefix(conn: Connection) -> str:
    """The extension digit and company prefix the site's SSCCs begin with."""
    settings = _settings(conn)
    company = settings.get("gs1_company_prefix", "")
    extension = settings.get("sscc_extension_digit", "0")
    if not (company.isdigit() and 6 <= len(company) <= 12 and extension.isdigit()):
        raise Refused(
            409,
            "no_company_prefix",
            "The site has no GS1 company prefix set: no SSCC can be made.",
        )
    return extension[:1] + company


def site_name(conn: Connection) -> str:
    """Who ships, as the label's sender block shows it."""
    return _settings(conn).get("site_name", "")


def _settings(conn: Connection) -> dict[str, str]:
    s = schema.settings.c
    return {row.key: row.value for row in conn.execute(select(s.key, s.value))}


def pack_orders(conn: Connection, order_ids: list[str]) -> list[PackOrder]:
    """Each order's lines as the packer checks them, in the order given."""
    if not order_ids:
        return []
    o, t, p = schema.orders.c, schema.pick_tasks.c, schema.packages.c
    orders = {
        row.order_id: row
        for row in conn.execute(select(schema.orders).where(o.order_id.in_(order_ids)))
    }
    lines: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for row in conn.execute(
        select(t.order_id, t.sku, t.quantity, t.status, t.picked_qty, t.tote)
        .where(t.order_id.in_(order_ids))
        .order_by(t.order_id, t.order_line_id)
    ):
        line = lines[row.order_id].setdefault(
            row.sku, {"ordered": 0, "picked": 0, "totes": []}
        )
        line["ordered"] += row.quantity
        if row.status in ("picked", "short"):
            line["picked"] += row.picked_qty
        if row.tote not in line["totes"]:
            line["totes"].append(row.tote)
    skus = {sku for by_sku in lines.values() for sku in by_sku}
    names = dict(
        conn.execute(
            select(schema.products.c.sku, schema.products.c.description).where(
                schema.products.c.sku.in_(skus)
            )
        ).all()
    )
    codes: dict[str, list[str]] = defaultdict(list)
    for code, sku in conn.execute(
        select(schema.barcodes.c.code, schema.barcodes.c.sku)
        .where(schema.barcodes.c.sku.in_(skus))
        .order_by(schema.barcodes.c.kind, schema.barcodes.c.code)
    ):
        codes[sku].append(code)
    packed = set(
        conn.execute(
            select(p.order_id).where(
                p.order_id.in_(order_ids), p.closes_order.is_(True)
            )
        ).scalars()
    )
    out = []
    for order_id in order_ids:
        if order_id not in orders:
            continue
        by_sku = lines.get(order_id, {})
        out.append(
            PackOrder(
                order_id=order_id,
                ship_to=_ship_to(orders[order_id]),
                totes=sorted({tote for v in by_sku.values() for tote in v["totes"]}),
                lines=[
                    PackLine(
                        sku=sku,
                        description=names.get(sku, ""),
                        codes=codes.get(sku, []),
                        **v,
                    )
                    for sku, v in by_sku.items()
                ],
                packed=order_id in packed,
            )
        )
    return out


def package_rows(
    conn: Connection, *, order_id: str | None = None, sscc: str | None = None
) -> list[PackageRow]:
    """Closed cartons of an order, or the one with ``sscc``, oldest first."""
    p, i = schema.packages.c, schema.package_items.c
    query = select(schema.packages)
    if order_id is not None:
        query = query.where(p.order_id == order_id)
    if sscc is not None:
        query = query.where(p.sscc == sscc)
    rows = conn.execute(query.order_by(p.packed_at, p.sscc)).all()
    items: dict[str, list[PackedItem]] = defaultdict(list)
    for item in conn.execute(
        select(i.sscc, i.sku, i.quantity, i.tote)
        .where(i.sscc.in_([row.sscc for row in rows]))
        .order_by(i.id)
    ):
        items[item.sscc].append(
            PackedItem(sku=item.sku, quantity=item.quantity, tote=item.tote)
        )
    return [
        PackageRow(
            sscc=row.sscc,
            order_id=row.order_id,
            status=row.status,
            carton=row.carton,
            weight_kg=row.weight_kg,
            contents=items[row.sscc],
            packed_at=row.packed_at,
            shipped_at=row.shipped_at,
            closes_order=row.closes_order,
        )
        for row in rows
    ]


def _order_status(statuses: list[str], packages: list[PackageRow]) -> OrderStatus:
    if any(p.closes_order for p in packages):
        if all(p.status == "shipped" for p in packages):
            return "shipped"
        return "packed"
    if not statuses or all(s == "open" for s in statuses):
        return "open"
    return "picking" if "open" in statuses else "picked"


def _ship_to(order: Any) -> ShipTo:
    # The demo's real orders name a customer number and a country, no address.
    name = f"Customer {order.customer}" if order.customer else "Customer"
    return ShipTo(name=name, country=order.country)
