"""The packing bench's own durable state, in the device journal.

- SSCC blocks the service reserved for this device, each with the next serial
  reference to use. Taking one is part of the transaction that closes the
  carton, so a number is used once, across crashes too.
- The pack work fetched while online (orders with their picked lines), so a
  bench can verify and close cartons while the service is out of reach.
- Cartons closed here, and their label jobs: a job is committed with its
  carton, marked ``sending`` before its bytes go out and ``printed`` after
  the printer confirmed them. A job found ``sending`` after a restart may or
  may not have printed, so it is never sent again without a person.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from offline_store.errors import OfflineStoreError
from offline_store.journal import Journal
from wire import (
    Confirmation,
    PackedItem,
    PackLine,
    PackOrder,
    PackWork,
    ShipTo,
    SSCCBlock,
)

SSCC_LENGTH = 18

LabelStatus = str  # queued, sending, printed, uncertain


class NoSSCCLeft(OfflineStoreError):
    """This device has no SSCC left to put on a carton."""


@dataclass(frozen=True)
class LabelJobRow:
    """A label to print, as the journal holds it."""

    job_id: str
    sscc: str
    order_id: str
    zpl: str
    status: LabelStatus
    attempts: int
    error: str
    where: str


@dataclass(frozen=True)
class Carton:
    """A carton closed on this bench."""

    sscc: str
    order_id: str
    status: str  # packed, shipped
    contents: list[PackedItem]
    carton: str
    weight_kg: str | None
    confirmation: Confirmation


class PackingJournal:
    """Packing tables beside the outbox in ``journal.db``."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self.store = journal.store
        with self.store.write() as db:
            db.table("sscc_blocks").create(
                {"prefix": str, "first": int, "last": int, "next": int},
                pk=("prefix", "first"),
                if_not_exists=True,
            )
            db.table("pack_orders").create(
                {"order_id": str, "body": str, "totes": str, "fetched_at": str},
                pk="order_id",
                if_not_exists=True,
            )
            db.table("cartons").create(
                {
                    "sscc": str,
                    "order_id": str,
                    "status": str,
                    "closes_order": int,
                    "payload": str,
                    "created_at": str,
                },
                pk="sscc",
                if_not_exists=True,
            )
            db.table("label_jobs").create(
                {
                    "job_id": str,
                    "sscc": str,
                    "order_id": str,
                    "zpl": str,
                    "status": str,
                    "attempts": int,
                    "error": str,
                    "printed_to": str,
                    "created_at": str,
                    "updated_at": str,
                },
                pk="job_id",
                if_not_exists=True,
            )

    # SSCCs

    def add_block(self, block: SSCCBlock) -> None:
        """Keep a block the service reserved for this device."""
        with self.store.write() as db:
            db.table("sscc_blocks").insert(
                {
                    "prefix": block.prefix,
                    "first": block.first,
                    "last": block.last,
                    "next": block.first,
                },
                ignore=True,
            )

    def ssccs_left(self) -> int:
        """How many SSCCs this device can still hand out."""
        with self.store.read() as db:
            row = db.execute(
                "SELECT coalesce(sum(last - next + 1), 0) FROM sscc_blocks"
                " WHERE next <= last"
            ).fetchone()
        return int(row[0])

    def _take_sscc(self, db: Any) -> str:
        row = db.execute(
            "SELECT prefix, first, next FROM sscc_blocks WHERE next <= last"
            " ORDER BY first LIMIT 1"
        ).fetchone()
        if row is None:
            raise NoSSCCLeft(
                "No SSCC numbers are left on this bench: connect it to the"
                " network once so it can reserve more."
            )
        prefix, first, serial = row
        db.execute(
            "UPDATE sscc_blocks SET next = next + 1 WHERE prefix = ? AND first = ?",
            [prefix, first],
        )
        body = prefix + str(serial).rjust(SSCC_LENGTH - 1 - len(prefix), "0")
        return body + str(_check_digit(body))

    # Work

    def keep_work(self, work: PackWork) -> None:
        """Keep fetched orders (and the sender's name) for offline packing."""
        with self.store.write() as db:
            if work.ship_from:
                db.table("meta").upsert(
                    {"key": "ship_from", "value": work.ship_from}, pk="key"
                )
            db.table("pack_orders").upsert_all(
                [
                    {
                        "order_id": order.order_id,
                        "body": order.model_dump_json(),
                        "totes": json.dumps(order.totes),
                        "fetched_at": _now(),
                    }
                    for order in work.orders
                ],
                pk="order_id",
            )

    def work_for(self, code: str) -> PackWork | None:
        """What a tote or an order number holds, from what this bench knows:
        fetched work first, else the lines this device picked itself."""
        with self.store.read() as db:
            rows = db.execute(
                "SELECT body FROM pack_orders WHERE order_id = ?"
                " OR EXISTS (SELECT 1 FROM json_each(totes) WHERE value = ?)"
                " ORDER BY order_id",
                [code, code],
            ).fetchall()
            meta = list(db.table("meta").rows_where("key = 'ship_from'"))
            closed = self._closed(db)
        orders = [PackOrder.model_validate_json(row[0]) for row in rows]
        if not orders:
            orders = self._picked_here(code)
        if not orders:
            return None
        orders = [o.model_copy(update={"packed": o.order_id in closed}) for o in orders]
        ship_from = meta[0]["value"] if meta else ""
        return PackWork(code=code, orders=orders, ship_from=ship_from)

    def ready_totes(self) -> list[str]:
        """Totes of fetched orders not yet packed here, oldest order first."""
        with self.store.read() as db:
            rows = db.execute(
                "SELECT order_id, body FROM pack_orders ORDER BY order_id"
            ).fetchall()
            closed = self._closed(db)
        totes: list[str] = []
        for order_id, body in rows:
            order = PackOrder.model_validate_json(body)
            if order_id in closed or order.packed:
                continue
            if not any(line.picked for line in order.lines):
                continue  # looked up before anything was picked
            totes.extend(t for t in order.totes if t not in totes)
        return totes

    def _closed(self, db: Any) -> set[str]:
        return {
            row[0]
            for row in db.execute(
                "SELECT order_id FROM cartons WHERE closes_order = 1"
            ).fetchall()
        }

    def _picked_here(self, code: str) -> list[PackOrder]:
        with self.store.read() as db:
            rows = db.execute(
                "SELECT order_id, sku, description, quantity, picked_qty, status,"
                " tote FROM tasks WHERE order_id IN (SELECT order_id FROM tasks"
                " WHERE tote = ? OR order_id = ?) ORDER BY order_id, task_id",
                [code, code],
            ).fetchall()
        lines: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        for order_id, sku, description, ordered, picked, status, tote in rows:
            line = lines[order_id].setdefault(
                sku,
                {"description": description, "ordered": 0, "picked": 0, "totes": []},
            )
            line["ordered"] += ordered
            line["picked"] += picked if status in ("picked", "short") else 0
            if tote not in line["totes"]:
                line["totes"].append(tote)
        return [
            PackOrder(
                order_id=order_id,
                ship_to=ShipTo(name=f"Order {order_id}"),
                totes=sorted({t for v in by_sku.values() for t in v["totes"]}),
                lines=[PackLine(sku=sku, codes=[], **v) for sku, v in by_sku.items()],
            )
            for order_id, by_sku in lines.items()
        ]

    # Cartons and labels

    def close_carton(
        self,
        *,
        user_id: int,
        order_id: str,
        carton: str,
        weight_kg: str | None,
        contents: list[PackedItem],
        set_aside: list[PackedItem],
        closes_order: bool,
        render: Callable[[str, str], str],
    ) -> tuple[Carton, LabelJobRow]:
        """Close a carton in one transaction: its SSCC taken, the carton kept,
        its confirmation queued and its label job queued. ``render(sscc,
        job_id)`` makes the label's ZPL."""
        with self.store.write() as db:
            sscc = self._take_sscc(db)
            job_id = uuid.uuid4().hex[:12]
            zpl = render(sscc, job_id)
            confirmation = self.journal.enqueue(
                db,
                user_id=user_id,
                kind="pack",
                order_id=order_id,
                sscc=sscc,
                carton=carton,
                weight_kg=weight_kg,
                contents=contents,
                set_aside=set_aside or None,
                closes_order=closes_order,
                quantity=sum(item.quantity for item in contents),
            )
            now = _now()
            db.table("cartons").insert(
                {
                    "sscc": sscc,
                    "order_id": order_id,
                    "status": "packed",
                    "closes_order": int(closes_order),
                    "payload": confirmation.model_dump_json(),
                    "created_at": now,
                }
            )
            job = {
                "job_id": job_id,
                "sscc": sscc,
                "order_id": order_id,
                "zpl": zpl,
                "status": "queued",
                "attempts": 0,
                "error": "",
                "printed_to": "",
                "created_at": now,
                "updated_at": now,
            }
            db.table("label_jobs").insert(job)
        return _carton(sscc, "packed", confirmation), _job(job)

    def ship(self, sscc: str, *, user_id: int) -> Confirmation:
        """The labelled carton left the bench: queue its ``ship``."""
        with self.store.write() as db:
            row = db.table("cartons").get(sscc)
            confirmation = self.journal.enqueue(
                db,
                user_id=user_id,
                kind="ship",
                sscc=sscc,
                order_id=row["order_id"],
                quantity=0,
            )
            db.table("cartons").update(sscc, {"status": "shipped"})
        return confirmation

    def unfinished(self) -> tuple[Carton, LabelJobRow] | None:
        """The oldest carton closed here and not shipped, with its label job."""
        with self.store.read() as db:
            rows = list(
                db.table("cartons").rows_where(
                    "status = 'packed'", order_by="created_at", limit=1
                )
            )
            if not rows:
                return None
            jobs = list(
                db.table("label_jobs").rows_where(
                    "sscc = ?", [rows[0]["sscc"]], order_by="created_at desc", limit=1
                )
            )
        confirmation = Confirmation.model_validate_json(rows[0]["payload"])
        return _carton(rows[0]["sscc"], "packed", confirmation), _job(jobs[0])

    def label_job(self, job_id: str) -> LabelJobRow:
        """A label job as it stands."""
        with self.store.read() as db:
            return _job(db.table("label_jobs").get(job_id))

    def mark_label(
        self, job_id: str, status: LabelStatus, *, error: str = "", where: str = ""
    ) -> LabelJobRow:
        """Record what became of a label job; ``sending`` counts an attempt."""
        with self.store.write() as db:
            row = db.table("label_jobs").get(job_id)
            row.update(status=status, error=error, updated_at=_now())
            if where:
                row["printed_to"] = where
            if status == "sending":
                row["attempts"] += 1
            db.table("label_jobs").update(job_id, row)
        return _job(row)


def _carton(sscc: str, status: str, c: Confirmation) -> Carton:
    return Carton(
        sscc=sscc,
        order_id=c.order_id or "",
        status=status,
        contents=list(c.contents or []),
        carton=c.carton or "",
        weight_kg=c.weight_kg,
        confirmation=c,
    )


def _job(row: dict[str, Any]) -> LabelJobRow:
    return LabelJobRow(
        job_id=row["job_id"],
        sscc=row["sscc"],
        order_id=row["order_id"],
        zpl=row["zpl"],
        status=row["status"],
        attempts=row["attempts"],
        error=row["error"],
        where=row["printed_to"],
    )


def _check_digit(body: str) -> int:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")
