"""Closing and shipping cartons, as part of a batch of confirmations.

A ``pack`` books the verified items into the packing area, a ``ship`` moves
them on to shipped (see `stock_service.packing` for the whole path). Both are
physical facts: what cannot be squared with the record (items set aside,
items picked but not found, a carton shipped twice) is applied where it can be
and raised as an exception for a supervisor.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Connection, bindparam, func, insert, select, update

from stock_service import schema
from stock_service.gs1 import is_sscc
from stock_service.waves import home_locations
from wire import Confirmation, Outcome

PACK_AREA = "PACK"
"""The packing area: verified items in cartons not yet shipped."""
SHIPPED_AREA = "SHIPPED"
"""Where shipped items are booked: out of the building, with the carrier."""


class Ledger(Protocol):
    """What a batch offers for booking stock and raising exceptions."""

    at: str
    events: list[tuple[str, dict[str, Any]]]

    def book(
        self, c: Confirmation, *, location: str, sku: str, delta: int, reason: str
    ) -> Any: ...

    def exception(
        self,
        kind: str,
        c: Confirmation,
        detail: str,
        *,
        sku: str | None = None,
        location: str | None = None,
        quantity: int | None = None,
        floor_task: str | None = None,
    ) -> None: ...


@dataclass
class Cartons:
    """One batch's view of the cartons and orders its confirmations touch."""

    packages: dict[str, dict[str, Any]]  # sscc -> row, with its "items"
    orders: set[str]
    picked: dict[str, Counter[str]]  # order -> sku -> picked quantity
    still_open: Counter[str]  # order -> lines not yet picked at the service
    home: dict[str, str]
    fresh: list[dict[str, Any]] = field(default_factory=list)
    shipped: dict[str, str] = field(default_factory=dict)  # existing sscc -> at

    @classmethod
    def read(cls, conn: Connection, batch: list[Confirmation]) -> Cartons:
        mine = [c for c in batch if c.kind in ("pack", "ship")]
        if not mine:
            return cls({}, set(), {}, Counter(), {})
        p, i, t = schema.packages.c, schema.package_items.c, schema.pick_tasks.c
        ssccs = {c.sscc for c in mine if c.sscc}
        order_ids = {c.order_id for c in mine if c.order_id}
        order_ids |= set(
            conn.execute(select(p.order_id).where(p.sscc.in_(ssccs))).scalars()
        )
        packages = {
            row.sscc: dict(row._mapping, items=[])
            for row in conn.execute(
                select(schema.packages).where(
                    p.sscc.in_(ssccs) | p.order_id.in_(order_ids)
                )
            )
        }
        for item in conn.execute(
            select(i.sscc, i.sku, i.quantity).where(i.sscc.in_(list(packages)))
        ):
            packages[item.sscc]["items"].append((item.sku, item.quantity))
        orders = set(
            conn.execute(
                select(schema.orders.c.order_id).where(
                    schema.orders.c.order_id.in_(order_ids)
                )
            ).scalars()
        )
        picked: dict[str, Counter[str]] = defaultdict(Counter)
        still_open: Counter[str] = Counter()
        for row in conn.execute(
            select(t.order_id, t.sku, t.status, func.sum(t.picked_qty), func.count())
            .where(t.order_id.in_(order_ids))
            .group_by(t.order_id, t.sku, t.status)
        ):
            if row[2] in ("picked", "short"):
                picked[row[0]][row[1]] += int(row[3] or 0)
            elif row[2] == "open":
                still_open[row[0]] += int(row[4])
        aside = {item.sku for c in mine for item in c.set_aside or []}
        return cls(packages, orders, picked, still_open, home_locations(conn, aside))

    def skus(self, batch: list[Confirmation]) -> set[str]:
        """Products whose packing-area and shipped stock the batch may move."""
        out = {item.sku for c in batch for item in c.contents or []}
        for c in batch:
            if c.kind == "ship" and c.sscc in self.packages:
                out |= {sku for sku, _ in self.packages[c.sscc]["items"]}
        return out

    def note_pick(
        self, order_id: str, sku: str, quantity: int, *, was_open: bool
    ) -> None:
        """A pick applied earlier in the same batch."""
        self.picked.setdefault(order_id, Counter())[sku] += quantity
        if was_open and self.still_open[order_id] > 0:
            self.still_open[order_id] -= 1

    def apply(self, c: Confirmation, ledger: Ledger) -> Outcome:
        """Close or ship one carton."""
        if c.kind == "pack":
            return self._pack(c, ledger)
        return self._ship(c, ledger)

    def _pack(self, c: Confirmation, ledger: Ledger) -> Outcome:
        sscc, order_id = c.sscc or "", c.order_id or ""
        if not is_sscc(sscc):
            return _rejected(c, "bad_sscc", f"{sscc or 'No SSCC'} is not a valid SSCC.")
        if order_id not in self.orders:
            return _rejected(c, "unknown_order", f"Order {order_id} is not known.")
        if not c.contents:
            return _rejected(c, "empty_carton", "A carton with nothing in it.")
        if sscc in self.packages:
            other = self.packages[sscc]["order_id"]
            return _rejected(
                c, "sscc_reused", f"SSCC {sscc} is already on a carton of {other}."
            )
        closed = [
            r["sscc"]
            for r in self.packages.values()
            if r["order_id"] == order_id and r["closes_order"]
        ]
        if closed and c.closes_order:
            ledger.exception(
                "packed_twice",
                c,
                f"Order {order_id} was closed again in {sscc}; it was closed in"
                f" {closed[0]} before: check both cartons before they leave.",
            )
        row = {
            "sscc": sscc,
            "order_id": order_id,
            "status": "packed",
            "carton": c.carton or "",
            "weight_kg": c.weight_kg,
            "closes_order": bool(c.closes_order),
            "device_id": c.device_id,
            "packed_by": c.user_id,
            "packed_at": ledger.at,
            "shipped_at": None,
            "pack_op_id": c.op_id,
            "items": [(item.sku, item.quantity) for item in c.contents],
            "totes": [item.tote for item in c.contents],
        }
        self.packages[sscc] = row
        self.fresh.append(row)
        for item in c.contents:
            ledger.book(
                c, location=PACK_AREA, sku=item.sku, delta=item.quantity, reason="pack"
            )
        ledger.events.append(("package", _event(row)))
        for item in c.set_aside or []:
            home = self.home.get(item.sku)
            ledger.exception(
                "set_aside_at_pack",
                c,
                f"{item.quantity} × {item.sku} from tote {item.tote or '?'} is not"
                f" part of order {order_id}: return it to"
                f" {home or 'its location'}.",
                sku=item.sku,
                location=home,
                quantity=item.quantity,
                floor_task="return" if home else None,
            )
        if c.closes_order and self.still_open[order_id]:
            # The picks may still be on a device that is offline.
            ledger.exception(
                "packed_before_picked",
                c,
                f"Order {order_id} was packed while {self.still_open[order_id]} of"
                " its lines are still open here: a picker's device may not have"
                " sent them yet.",
            )
        elif c.closes_order:
            self._missing(c, order_id, ledger)
        count = sum(item.quantity for item in c.contents)
        return Outcome(
            op_id=c.op_id,
            status="applied",
            message=f"Packed {count} items of order {order_id} in {sscc}.",
        )

    def _missing(self, c: Confirmation, order_id: str, ledger: Ledger) -> None:
        packed: Counter[str] = Counter()
        for row in self.packages.values():
            if row["order_id"] == order_id:
                for sku, quantity in row["items"]:
                    packed[sku] += quantity
        for sku, quantity in sorted(self.picked.get(order_id, Counter()).items()):
            if quantity > packed[sku]:
                ledger.exception(
                    "missing_at_pack",
                    c,
                    f"{quantity - packed[sku]} × {sku} picked for order {order_id}"
                    " were not found at packing: look for them, or recount.",
                    sku=sku,
                    quantity=quantity - packed[sku],
                )

    def _ship(self, c: Confirmation, ledger: Ledger) -> Outcome:
        row = self.packages.get(c.sscc or "")
        if row is None:
            return _rejected(c, "unknown_carton", f"No carton has SSCC {c.sscc}.")
        if row["status"] == "shipped":
            return _rejected(
                c, "already_shipped", f"Carton {c.sscc} was shipped already."
            )
        for sku, quantity in row["items"]:
            ledger.book(c, location=PACK_AREA, sku=sku, delta=-quantity, reason="ship")
            ledger.book(
                c, location=SHIPPED_AREA, sku=sku, delta=quantity, reason="ship"
            )
        row["status"], row["shipped_at"] = "shipped", ledger.at
        if row not in self.fresh:
            self.shipped[row["sscc"]] = ledger.at
        ledger.events.append(("package", _event(row)))
        order_id = row["order_id"]
        mine = [r for r in self.packages.values() if r["order_id"] == order_id]
        if any(r["closes_order"] for r in mine) and all(
            r["status"] == "shipped" for r in mine
        ):
            ledger.events.append(("order", {"order_id": order_id, "status": "shipped"}))
        return Outcome(
            op_id=c.op_id,
            status="applied",
            message=f"Shipped carton {row['sscc']} of order {order_id}.",
        )

    def write(self, conn: Connection) -> None:
        """Write the cartons closed and shipped, inside the batch's transaction."""
        if self.fresh:
            conn.execute(
                insert(schema.packages),
                [
                    {k: v for k, v in row.items() if k not in ("items", "totes")}
                    for row in self.fresh
                ],
            )
            conn.execute(
                insert(schema.package_items),
                [
                    {"sscc": row["sscc"], "sku": sku, "quantity": qty, "tote": tote}
                    for row in self.fresh
                    for (sku, qty), tote in zip(row["items"], row["totes"], strict=True)
                ],
            )
        if self.shipped:
            p = schema.packages.c
            conn.execute(
                update(schema.packages)
                .where(p.sscc == bindparam("b_sscc"))
                .values(status="shipped", shipped_at=bindparam("b_at")),
                [{"b_sscc": k, "b_at": v} for k, v in self.shipped.items()],
            )


def _event(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "sscc": row["sscc"],
        "order_id": row["order_id"],
        "status": row["status"],
        "carton": row["carton"],
        "weight_kg": row["weight_kg"],
        "closes_order": row["closes_order"],
        "items": [{"sku": sku, "quantity": qty} for sku, qty in row["items"]],
    }


def _rejected(c: Confirmation, reason_type: str, message: str) -> Outcome:
    return Outcome(
        op_id=c.op_id, status="rejected", reason_type=reason_type, message=message
    )
