"""Apply confirmations: once each, in device order, with the stock movement."""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, insert, select, tuple_, update

from stock_service import schema
from stock_service.cartons import PACK_AREA, SHIPPED_AREA, Cartons
from stock_service.events import publish_all
from wire import PACK_FIELDS, Confirmation, Outcome


def now() -> str:
    """The service clock, which orders nothing but is read by people."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def payload_hash(confirmation: Confirmation) -> str:
    """A fingerprint of what the device sent, to spot a reused operation id."""
    fields = confirmation.model_dump(mode="json")
    for name in PACK_FIELDS:
        if fields.get(name) is None:
            del fields[name]
    body = json.dumps(fields, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


ConflictRule = Callable[[Confirmation], tuple[str, str] | None]
"""A business rule that may refuse a confirmation: (reason type, sentence)."""

# SQLite has one writer; queueing writers here is cheaper than its busy loop.
_sqlite_writer = threading.Lock()


def serial_writes(engine: Engine) -> contextlib.AbstractContextManager[Any]:
    """Hold this while writing: SQLite writers queue here, others do not wait."""
    if engine.dialect.name == "sqlite":
        return _sqlite_writer
    return contextlib.nullcontext()


def apply_batch(
    engine: Engine,
    device_id: str,
    batch: list[Confirmation],
    *,
    conflict: ConflictRule | None = None,
) -> list[Outcome]:
    """Apply a batch in one transaction, in order; stop at a sequence gap.

    Each confirmation's dedupe record and the device's sequence are written
    in the same transaction as its stock movement and its events, so they
    commit or vanish together. The batch reads what it needs once and writes
    it at the end.

    A pick is a physical fact: it is applied even when the line was picked by
    someone else meanwhile (a wave reassigned while a device was offline), or
    its wave cancelled. What was taken beyond the line becomes an exception
    with a task to return it to stock.
    """
    outcomes = []
    with serial_writes(engine), engine.begin() as conn:
        state = _Batch.read(conn, device_id, batch)
        for confirmation in batch:
            outcome = state.apply(confirmation, conflict)
            outcomes.append(outcome)
            if outcome.status == "gap":
                break
        state.write(conn)
    return outcomes


@dataclass
class _Stock:
    id: int | None
    location: str
    sku: str
    lot: str
    quantity: int
    changed: bool = False


@dataclass
class _Batch:
    """One batch's view of the database, and the rows it will write."""

    device_id: str
    last_seq: int
    seen: dict[str, tuple[str, str, str]]  # op_id -> device, payload hash, outcome
    tasks: dict[int, dict[str, Any]]
    stock: dict[tuple[str, str, str], _Stock]
    cartons: Cartons
    at: str = field(default_factory=now)
    confirmations: list[dict[str, Any]] = field(default_factory=list)
    ledger: list[dict[str, Any]] = field(default_factory=list)
    exceptions: list[dict[str, Any]] = field(default_factory=list)
    tasks_done: dict[int, dict[str, Any]] = field(default_factory=dict)
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    @classmethod
    def read(cls, conn: Connection, device_id: str, batch: list[Confirmation]) -> Any:
        done = schema.confirmations.c
        seen = {
            row.op_id: (row.device_id, row.payload_hash, row.outcome)
            for row in conn.execute(
                select(
                    done.op_id, done.device_id, done.payload_hash, done.outcome
                ).where(done.op_id.in_([c.op_id for c in batch]))
            )
        }
        last_seq = conn.execute(
            select(schema.devices.c.last_seq).where(
                schema.devices.c.device_id == device_id
            )
        ).scalar_one()
        t = schema.pick_tasks.c
        ids = {c.task_id for c in batch if c.task_id is not None}
        tasks = {
            row.task_id: dict(row._mapping)
            for row in conn.execute(
                select(
                    t.task_id,
                    t.wave_id,
                    t.order_id,
                    t.sku,
                    t.location,
                    t.quantity,
                    t.status,
                    t.picked_qty,
                    t.picked_by,
                ).where(t.task_id.in_(ids))
            )
        }
        cartons = Cartons.read(conn, batch)
        pairs = {
            (area, sku)
            for sku in cartons.skus(batch)
            for area in (PACK_AREA, SHIPPED_AREA)
        }
        for c in batch:
            task = tasks.get(c.task_id) if c.task_id is not None else None
            if task is not None and c.quantity:
                pairs.add((c.location or task["location"], c.product or task["sku"]))
        s = schema.stock.c
        stock = (
            {
                (row.location, row.sku, row.lot): _Stock(
                    row.id, row.location, row.sku, row.lot, row.quantity
                )
                for row in conn.execute(
                    select(s.id, s.location, s.sku, s.lot, s.quantity).where(
                        tuple_(s.location, s.sku).in_(pairs)
                    )
                )
            }
            if pairs
            else {}
        )
        return cls(device_id, last_seq, seen, tasks, stock, cartons)

    def apply(self, c: Confirmation, conflict: ConflictRule | None) -> Outcome:
        fingerprint = payload_hash(c)
        if c.op_id in self.seen:
            device_id, stored_hash, stored = self.seen[c.op_id]
            if stored_hash != fingerprint or device_id != self.device_id:
                return _rejected(
                    c,
                    "payload_mismatch",
                    "This operation id was already used for something else.",
                )
            return Outcome(op_id=c.op_id, status="duplicate", **json.loads(stored))

        if c.device_seq > self.last_seq + 1:
            return Outcome(
                op_id=c.op_id,
                status="gap",
                reason_type="sequence_gap",
                message=f"Send sequence {self.last_seq + 1} first.",
            )
        if c.device_seq <= self.last_seq:
            return _rejected(
                c, "sequence_reused", f"Sequence {c.device_seq} was already used."
            )

        refusal = conflict(c) if conflict is not None else None
        outcome = _rejected(c, *refusal) if refusal else self._effect(c)
        if outcome.status == "rejected":
            # A business refusal is final; a supervisor sees what was refused.
            self._exception(outcome.reason_type or "rejected", c, outcome.message)
        stored = json.dumps(
            {"reason_type": outcome.reason_type, "message": outcome.message}
        )
        self.confirmations.append(
            {
                "op_id": c.op_id,
                "device_id": self.device_id,
                "device_seq": c.device_seq,
                "payload_hash": fingerprint,
                "outcome": stored,
                "received_at": self.at,
            }
        )
        self.seen[c.op_id] = (self.device_id, fingerprint, stored)
        self.last_seq = c.device_seq
        return outcome

    def _effect(self, c: Confirmation) -> Outcome:
        if c.kind in ("pack", "ship"):
            return self.cartons.apply(c, self)
        task = self.tasks.get(c.task_id) if c.task_id is not None else None
        if task is None:
            return _rejected(c, "unknown_task", f"Task {c.task_id} is not known here.")

        sku = c.product or task["sku"]
        location = c.location or task["location"]
        if c.quantity:
            self._move_stock(c, task, sku=sku, location=location)
        before = task["status"]
        earlier = task["picked_qty"] if before in ("picked", "short") else 0
        extra = 0 if before == "open" else c.quantity
        if before in ("picked", "short"):
            extra = min(c.quantity, max(0, earlier + c.quantity - task["quantity"]))
        if extra:
            self._exception(
                "double_pick" if before != "cancelled" else "picked_after_cancel",
                c,
                f"{extra} × {sku} picked beyond task {task['task_id']} at"
                f" {location} (it was {before}): return them to stock.",
                task=task,
                quantity=extra,
                floor_task="return",
            )
        if c.kind == "short" and c.quantity < task["quantity"]:
            self._exception(
                "short_pick",
                c,
                f"Short pick of {sku} at {location}: {c.quantity} of"
                f" {task['quantity']} ({c.reason or 'no reason given'}).",
                task=task,
                quantity=task["quantity"] - c.quantity,
            )
        if before != "cancelled":
            # A carton later in this batch must see this pick.
            self.cartons.note_pick(
                task["order_id"], sku, c.quantity, was_open=before == "open"
            )
            picked = earlier + c.quantity
            task["status"] = "picked" if picked >= task["quantity"] else "short"
            task["picked_qty"] = picked
            task["picked_by"] = c.user_id
            self.tasks_done[task["task_id"]] = task
            self.events.append(("task", _task_event(task, c)))
        verb = "Picked" if c.kind == "pick" else "Short picked"
        return Outcome(
            op_id=c.op_id,
            status="applied",
            message=f"{verb} {c.quantity} × {sku} from {location}.",
        )

    def _move_stock(
        self, c: Confirmation, task: dict[str, Any], *, sku: str, location: str
    ) -> None:
        row = self.book(
            c,
            location=location,
            sku=sku,
            delta=-c.quantity,
            reason=c.kind,
            lot=c.lot or "",
            wave_id=task["wave_id"],
        )
        if row.quantity < 0:
            self._exception(
                "stock_discrepancy",
                c,
                f"{location} now shows {row.quantity} of {sku}: the record was"
                " short; recount.",
                task=task,
            )

    def book(
        self,
        c: Confirmation,
        *,
        location: str,
        sku: str,
        delta: int,
        reason: str,
        lot: str = "",
        wave_id: int | None = None,
    ) -> _Stock:
        """Move stock at one place: the on-hand row, a ledger row, an event."""
        row = self._stock_row(location, sku, lot)
        row.quantity += delta
        row.changed = True
        self.ledger.append(
            {
                "sku": sku,
                "location": location,
                "lot": lot,
                "delta": delta,
                "reason": reason,
                "task_id": c.task_id,
                "op_id": c.op_id,
                "device_id": self.device_id,
                "user_id": c.user_id,
                "at": self.at,
            }
        )
        self.events.append(
            (
                "movement",
                {
                    "sku": sku,
                    "location": location,
                    "lot": lot,
                    "delta": delta,
                    "on_hand": row.quantity,
                    "reason": reason,
                    "task_id": c.task_id,
                    "wave_id": wave_id,
                    "user_id": c.user_id,
                },
            )
        )
        return row

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
    ) -> None:
        """Raise an exception about a product and place the confirmation names
        only indirectly (a carton's contents)."""
        self._exception(kind, c, detail, quantity=quantity, floor_task=floor_task)
        self.exceptions[-1].update(sku=sku, location=location)

    def _stock_row(self, location: str, sku: str, lot: str) -> _Stock:
        """The lot's own row, else the row without a lot, else a new row."""
        for key in ((location, sku, lot), (location, sku, "")):
            if key in self.stock:
                return self.stock[key]
        row = _Stock(None, location, sku, lot, 0)
        self.stock[(location, sku, lot)] = row
        return row

    def _exception(
        self,
        kind: str,
        c: Confirmation,
        detail: str,
        *,
        task: dict[str, Any] | None = None,
        quantity: int | None = None,
        floor_task: str | None = None,
    ) -> None:
        self.exceptions.append(
            {
                "kind": kind,
                "task_id": c.task_id,
                "op_id": c.op_id,
                "detail": detail,
                "status": "open",
                "created_at": self.at,
                "wave_id": task["wave_id"] if task else None,
                "user_id": c.user_id,
                "sku": c.product or (task["sku"] if task else None),
                "location": c.location or (task["location"] if task else None),
                "quantity": quantity,
                "floor_task": floor_task,
            }
        )

    def write(self, conn: Connection) -> None:
        """Write what the batch did, in one go, inside its transaction."""
        s, t = schema.stock.c, schema.pick_tasks.c
        moved = [row for row in self.stock.values() if row.changed]
        if updates := [r for r in moved if r.id is not None]:
            conn.execute(
                update(schema.stock)
                .where(s.id == bindparam("b_id"))
                .values(quantity=bindparam("b_quantity")),
                [{"b_id": r.id, "b_quantity": r.quantity} for r in updates],
            )
        if fresh := [r for r in moved if r.id is None]:
            conn.execute(
                insert(schema.stock),
                [
                    {
                        "location": r.location,
                        "sku": r.sku,
                        "lot": r.lot,
                        "quantity": r.quantity,
                    }
                    for r in fresh
                ],
            )
        self.cartons.write(conn)
        if self.ledger:
            conn.execute(insert(schema.ledger), self.ledger)
        for exception in self.exceptions:
            raise_exception(conn, exception, self.events)
        if self.tasks_done:
            conn.execute(
                update(schema.pick_tasks)
                .where(t.task_id == bindparam("b_task"))
                .values(
                    status=bindparam("b_status"),
                    picked_qty=bindparam("b_qty"),
                    picked_by=bindparam("b_by"),
                    picked_at=self.at,
                ),
                [
                    {
                        "b_task": k,
                        "b_status": v["status"],
                        "b_qty": v["picked_qty"],
                        "b_by": v["picked_by"],
                    }
                    for k, v in self.tasks_done.items()
                ],
            )
            for wave_id in {task["wave_id"] for task in self.tasks_done.values()}:
                if _close_wave_if_done(conn, wave_id):
                    self.events.append(("wave", {"wave_id": wave_id, "status": "done"}))
        publish_all(conn, self.events, self.at)
        if self.confirmations:
            conn.execute(insert(schema.confirmations), self.confirmations)
            conn.execute(
                update(schema.devices)
                .where(schema.devices.c.device_id == self.device_id)
                .values(last_seq=self.last_seq)
            )


def _rejected(c: Confirmation, reason_type: str, message: str) -> Outcome:
    return Outcome(
        op_id=c.op_id, status="rejected", reason_type=reason_type, message=message
    )


def raise_exception(
    conn: Connection,
    exception: dict[str, Any],
    events: list[tuple[str, dict[str, Any]]],
) -> int:
    """Insert an exception (and its floor task, if it names one); their events."""
    row = dict(exception)
    floor_task = row.pop("floor_task", None)
    exception_id = int(
        conn.execute(
            insert(schema.exceptions).returning(schema.exceptions.c.id), row
        ).scalar_one()
    )
    events.append(("exception", {"id": exception_id, **_public(row)}))
    if floor_task is not None:
        events.append(
            ("floor_task", add_floor_task(conn, floor_task, row, exception_id))
        )
    return exception_id


RETURNABLE = ("double_pick", "picked_after_cancel", "cancelled_with_picks")
"""Exceptions about items that left their location and must go back."""


def add_floor_task(
    conn: Connection,
    kind: str,
    exception: dict[str, Any],
    exception_id: int,
    *,
    at: str | None = None,
) -> dict[str, Any]:
    """A return or recount at the exception's location; the task as published."""
    task = {
        "kind": kind,
        "sku": exception["sku"],
        "location": exception["location"],
        "quantity": exception["quantity"] if kind == "return" else None,
        "exception_id": exception_id,
        "status": "open",
        "created_at": at or exception["created_at"],
    }
    task_id = conn.execute(
        insert(schema.floor_tasks).returning(schema.floor_tasks.c.id), task
    ).scalar_one()
    return {"id": task_id, **task}


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != "op_id"}


def _task_event(task: dict[str, Any], c: Confirmation) -> dict[str, Any]:
    return {
        "task_id": task["task_id"],
        "wave_id": task["wave_id"],
        "status": task["status"],
        "picked_qty": task["picked_qty"],
        "picked_by": c.user_id,
        "location": c.location or task["location"],
        "device_id": c.device_id,
    }


def _close_wave_if_done(conn: Connection, wave_id: Any) -> bool:
    open_left = conn.execute(
        select(schema.pick_tasks.c.task_id)
        .where(
            schema.pick_tasks.c.wave_id == wave_id,
            schema.pick_tasks.c.status == "open",
        )
        .limit(1)
    ).first()
    if open_left is not None:
        return False
    done = conn.execute(
        update(schema.waves)
        .where(
            schema.waves.c.wave_id == wave_id,
            schema.waves.c.status.in_(("released", "assigned")),
        )
        .values(status="done")
    )
    return bool(done.rowcount)
