"""Apply confirmations: once each, in device order, with the stock movement."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from stock_service import schema
from wire import Confirmation, Outcome


def now() -> str:
    """The service clock, which orders nothing but is read by people."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def payload_hash(confirmation: Confirmation) -> str:
    """A fingerprint of what the device sent, to spot a reused operation id."""
    body = json.dumps(confirmation.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


def apply_batch(
    engine: Engine, device_id: str, batch: list[Confirmation]
) -> list[Outcome]:
    """Apply each confirmation in its own transaction; stop at a sequence gap."""
    outcomes = []
    for confirmation in batch:
        with engine.begin() as conn:
            outcome = _apply_one(conn, device_id, confirmation)
        outcomes.append(outcome)
        if outcome.status == "gap":
            break
    return outcomes


def _apply_one(conn: Connection, device_id: str, c: Confirmation) -> Outcome:
    fingerprint = payload_hash(c)
    seen = conn.execute(
        select(schema.confirmations).where(schema.confirmations.c.op_id == c.op_id)
    ).first()
    if seen is not None:
        if seen.payload_hash != fingerprint or seen.device_id != device_id:
            return _rejected(
                c,
                "payload_mismatch",
                "This operation id was already used for something else.",
            )
        stored = json.loads(seen.outcome)
        return Outcome(op_id=c.op_id, status="duplicate", **stored)

    last_seq = conn.execute(
        select(schema.devices.c.last_seq).where(schema.devices.c.device_id == device_id)
    ).scalar_one()
    if c.device_seq > last_seq + 1:
        return Outcome(
            op_id=c.op_id,
            status="gap",
            reason_type="sequence_gap",
            message=f"Send sequence {last_seq + 1} first.",
        )
    if c.device_seq <= last_seq:
        return _rejected(
            c, "sequence_reused", f"Sequence {c.device_seq} was already used."
        )

    outcome = _effect(conn, device_id, c)
    stored = {"reason_type": outcome.reason_type, "message": outcome.message}
    conn.execute(
        insert(schema.confirmations).values(
            op_id=c.op_id,
            device_id=device_id,
            device_seq=c.device_seq,
            payload_hash=fingerprint,
            outcome=json.dumps(stored),
            received_at=now(),
        )
    )
    conn.execute(
        update(schema.devices)
        .where(schema.devices.c.device_id == device_id)
        .values(last_seq=c.device_seq)
    )
    return outcome


def _rejected(c: Confirmation, reason_type: str, message: str) -> Outcome:
    return Outcome(
        op_id=c.op_id, status="rejected", reason_type=reason_type, message=message
    )


def _effect(conn: Connection, device_id: str, c: Confirmation) -> Outcome:
    task = conn.execute(
        select(schema.pick_tasks).where(schema.pick_tasks.c.task_id == c.task_id)
    ).first()
    if task is None:
        return _rejected(c, "unknown_task", f"Task {c.task_id} is not known here.")

    sku = c.product or task.sku
    location = c.location or task.location
    if c.quantity:
        _move_stock(conn, device_id, c, sku=sku, location=location)
    if task.status != "open":
        _raise_exception(
            conn, "double_pick", c, f"Task {task.task_id} was already {task.status}."
        )
    if c.kind == "short":
        _raise_exception(
            conn,
            "short_pick",
            c,
            f"Short pick of {sku} at {location}: {c.quantity} of {task.quantity}"
            f" ({c.reason or 'no reason given'}).",
        )
    conn.execute(
        update(schema.pick_tasks)
        .where(schema.pick_tasks.c.task_id == task.task_id)
        .values(status="picked" if c.kind == "pick" else "short", picked_qty=c.quantity)
    )
    _close_wave_if_done(conn, task.wave_id)
    verb = "Picked" if c.kind == "pick" else "Short picked"
    return Outcome(
        op_id=c.op_id,
        status="applied",
        message=f"{verb} {c.quantity} × {sku} from {location}.",
    )


def _move_stock(
    conn: Connection, device_id: str, c: Confirmation, *, sku: str, location: str
) -> None:
    lot = c.lot or ""
    rows = schema.stock.c
    row = conn.execute(
        select(schema.stock)
        .where(rows.location == location, rows.sku == sku, rows.lot.in_((lot, "")))
        .order_by(rows.lot.desc())
    ).first()
    if row is None:
        conn.execute(
            insert(schema.stock).values(
                location=location, sku=sku, lot=lot, quantity=-c.quantity
            )
        )
        left = -c.quantity
    else:
        left = row.quantity - c.quantity
        conn.execute(
            update(schema.stock).where(rows.id == row.id).values(quantity=left)
        )
    conn.execute(
        insert(schema.ledger).values(
            sku=sku,
            location=location,
            lot=lot,
            delta=-c.quantity,
            reason=c.kind,
            task_id=c.task_id,
            op_id=c.op_id,
            device_id=device_id,
            user_id=c.user_id,
            at=now(),
        )
    )
    if left < 0:
        _raise_exception(
            conn,
            "stock_discrepancy",
            c,
            f"{location} now shows {left} of {sku}: the record was short; recount.",
        )


def _raise_exception(conn: Connection, kind: str, c: Confirmation, detail: str) -> None:
    conn.execute(
        insert(schema.exceptions).values(
            kind=kind, task_id=c.task_id, op_id=c.op_id, detail=detail, created_at=now()
        )
    )


def _close_wave_if_done(conn: Connection, wave_id: Any) -> None:
    open_left = conn.execute(
        select(schema.pick_tasks.c.task_id)
        .where(
            schema.pick_tasks.c.wave_id == wave_id,
            schema.pick_tasks.c.status == "open",
        )
        .limit(1)
    ).first()
    if open_left is None:
        conn.execute(
            update(schema.waves)
            .where(schema.waves.c.wave_id == wave_id)
            .values(status="done")
        )
