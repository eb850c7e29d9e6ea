"""The journal: who signed in here, the assigned wave, and the outbox."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from offline_store.sqlite import Store
from wire import Confirmation, Kind, Outcome, PickTask, Session, Wave, WaveState

_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
CONFIRMED = ("picked", "short")
"""Local line statuses of lines confirmed on this device; ``open`` lines are to
pick, ``withdrawn`` ones were taken off by the service."""


@dataclass(frozen=True)
class Operator:
    """Someone who signed in on this device."""

    user_id: int
    user_name: str
    display_name: str
    role: str


@dataclass(frozen=True)
class Rejection:
    """A confirmation the service refused, for the picker to see."""

    device_seq: int
    task_id: int | None
    reason_type: str
    message: str


@dataclass(frozen=True)
class LocalWave:
    """The assigned wave as this device knows it."""

    wave_id: int
    name: str
    totes: dict[str, str]
    tasks: list[PickTask]  # open tasks, in the order to visit them
    done: int  # tasks confirmed on this device
    total: int  # those and the open ones; lines taken off this device do not count
    shorts: int = 0  # of those confirmed here, the short ones


class Journal:
    """``journal.db``: every write is one BEGIN IMMEDIATE transaction."""

    def __init__(self, path: Path | str, *, device_id: str) -> None:
        self.store = Store(path, recover=True)
        self.device_id = device_id
        with self.store.write() as db:
            db.table("meta").create(
                {"key": str, "value": str}, pk="key", if_not_exists=True
            )
            db.table("operators").create(
                {
                    "user_id": int,
                    "user_name": str,
                    "display_name": str,
                    "role": str,
                    "pin_hash": str,
                    "badge_hash": str,
                },
                pk="user_id",
                if_not_exists=True,
            )
            db.table("waves").create(
                {"wave_id": int, "name": str, "user_id": int, "totes": str},
                pk="wave_id",
                if_not_exists=True,
            )
            db.table("tasks").create(
                {
                    "task_id": int,
                    "wave_id": int,
                    "order_id": str,
                    "sku": str,
                    "description": str,
                    "location": str,
                    "quantity": int,
                    "tote": str,
                    "seq": int,
                    "position": int,
                    "status": str,
                    "picked_qty": int,
                },
                pk="task_id",
                if_not_exists=True,
            )
            db.table("outbox").create(
                {"device_seq": int, "op_id": str, "payload": str, "created_at": str},
                pk="device_seq",
                if_not_exists=True,
            )
            db.table("rejections").create(
                {
                    "device_seq": int,
                    "user_id": int,
                    "task_id": int,
                    "reason_type": str,
                    "message": str,
                    "seen": int,
                },
                pk="device_seq",
                if_not_exists=True,
            )
            db.table("notices").create(
                {"id": int, "user_id": int, "message": str, "seen": int},
                pk="id",
                if_not_exists=True,
            )
            db.table("meta").insert({"key": "device_seq", "value": "0"}, ignore=True)
            # After a recovery the counter may have been lost: never reuse a number
            # that is still queued.
            db.execute(
                "UPDATE meta SET value = max(CAST(value AS INTEGER),"
                " coalesce((SELECT max(device_seq) FROM outbox), 0))"
                " WHERE key = 'device_seq'"
            )

    # Operators

    def remember(self, session: Session, *, pin: str | None, badge: str | None) -> None:
        """Keep what lets this operator sign in here while the service is down."""
        row = {
            "user_id": session.user_id,
            "user_name": session.user_name,
            "display_name": session.display_name,
            "role": session.role,
        }
        with self.store.write() as db:
            old = (
                db.table("operators").get(session.user_id)
                if self._known(db, session)
                else {}
            )
            row["pin_hash"] = _secret_hash(pin) if pin else old.get("pin_hash", "")
            row["badge_hash"] = (
                _secret_hash(badge) if badge else old.get("badge_hash", "")
            )
            db.table("operators").upsert(row, pk="user_id")

    def sign_in_offline(
        self,
        *,
        badge: str | None = None,
        user: str | None = None,
        pin: str | None = None,
    ) -> Operator | None:
        """The operator these credentials belong to, if they signed in here before."""
        with self.store.read() as db:
            rows = list(db.table("operators").rows)
        for row in rows:
            if badge and _secret_matches(badge, row["badge_hash"]):
                return _operator(row)
            if (
                user == row["user_name"]
                and pin
                and _secret_matches(pin, row["pin_hash"])
            ):
                return _operator(row)
        return None

    @staticmethod
    def _known(db: Any, session: Session) -> bool:
        return bool(db.table("operators").count_where("user_id = ?", [session.user_id]))

    # Work

    def load_wave(self, wave: Wave, *, user_id: int) -> None:
        """Keep the wave here; lines already confirmed on this device stay so."""
        with self.store.write() as db:
            db.table("waves").upsert(
                {
                    "wave_id": wave.wave_id,
                    "name": wave.name,
                    "user_id": user_id,
                    "totes": json.dumps(wave.totes),
                },
                pk="wave_id",
            )
            done = {
                row["task_id"]
                for row in db.table("tasks").rows_where("wave_id = ?", [wave.wave_id])
                if row["status"] in CONFIRMED
            }
            db.table("tasks").upsert_all(
                [
                    dict(
                        task.model_dump(),
                        wave_id=wave.wave_id,
                        position=i,
                        status="open",
                        picked_qty=0,
                    )
                    for i, task in enumerate(wave.tasks)
                    if task.task_id not in done
                ],
                pk="task_id",
            )

    def current_wave(self, user_id: int) -> LocalWave | None:
        """The newest wave of this user that still has lines, or None."""
        with self.store.read() as db:
            waves = list(
                db.table("waves").rows_where(
                    "user_id = ?", [user_id], order_by="wave_id"
                )
            )
            for wave in waves:
                tasks = list(
                    db.table("tasks").rows_where(
                        "wave_id = ?", [wave["wave_id"]], order_by="position, seq"
                    )
                )
                open_tasks = [t for t in tasks if t["status"] == "open"]
                if open_tasks:
                    mine = [t for t in tasks if t["status"] in CONFIRMED]
                    return LocalWave(
                        wave_id=wave["wave_id"],
                        name=wave["name"],
                        totes=json.loads(wave["totes"]),
                        tasks=[_task(t) for t in open_tasks],
                        done=len(mine),
                        total=len(mine) + len(open_tasks),
                        shorts=sum(t["status"] == "short" for t in mine),
                    )
        return None

    def open_task_ids(self, wave_id: int) -> set[int]:
        """The lines of a wave still to pick on this device."""
        with self.store.read() as db:
            return {
                row["task_id"]
                for row in db.table("tasks").rows_where(
                    "wave_id = ? AND status = 'open'", [wave_id], select="task_id"
                )
            }

    def waves_in_hand(self) -> list[tuple[int, int]]:
        """(wave, user) of every wave with lines still to pick here."""
        with self.store.read() as db:
            rows = db.execute(
                "SELECT DISTINCT w.wave_id, w.user_id FROM waves w"
                " JOIN tasks t ON t.wave_id = w.wave_id WHERE t.status = 'open'"
                " ORDER BY w.wave_id"
            ).fetchall()
        return [(wave_id, user_id) for wave_id, user_id in rows]

    def reconcile(self, state: WaveState, *, user_id: int) -> int:
        """Take off this device the lines the service says are not ours to pick.

        A wave given to someone else, held or cancelled takes all its open lines
        with it; a line picked on another device takes itself. Lines confirmed
        here are facts and stay. Each change leaves a notice for the picker.
        Returns how many lines were taken off.
        """
        service = {task.task_id: task for task in state.tasks}
        with self.store.write() as db:
            mine = [
                row["task_id"]
                for row in db.table("tasks").rows_where(
                    "wave_id = ? AND status = 'open'", [state.wave_id]
                )
            ]
            whole = _whole_wave_notice(state, user_id)
            if whole is not None:
                gone = mine
            else:
                gone = [t for t in mine if t in service and service[t].status != "open"]
            if not gone:
                return 0
            db.conn.executemany(
                "UPDATE tasks SET status = 'withdrawn' WHERE task_id = ?",
                [(task_id,) for task_id in gone],
            )
            message = whole or (
                f"{len(gone)} line{'s' * (len(gone) > 1)} of {state.name} "
                "picked on another device: off your list."
            )
            db.table("notices").insert(
                {"user_id": user_id, "message": message, "seen": 0}
            )
        return len(gone)

    def unseen_notices(self, user_id: int) -> list[str]:
        """Changes to this user's work not yet shown; marks them seen."""
        with self.store.write() as db:
            rows = list(
                db.table("notices").rows_where(
                    "user_id = ? AND seen = 0", [user_id], order_by="id"
                )
            )
            db.execute("UPDATE notices SET seen = 1 WHERE user_id = ?", [user_id])
        return [row["message"] for row in rows]

    def skip(self, task_id: int) -> None:
        """Send a line to the end of the wave (a local choice; nothing to sync)."""
        with self.store.write() as db:
            wave_id = db.table("tasks").get(task_id)["wave_id"]
            last = db.execute(
                "SELECT max(position) FROM tasks WHERE wave_id = ?", [wave_id]
            ).fetchone()[0]
            db.table("tasks").update(task_id, {"position": last + 1})

    def reorder(self, task_ids: Sequence[int]) -> None:
        """Keep open lines in this order from now on (a re-planned route)."""
        with self.store.write() as db:
            for position, task_id in enumerate(task_ids):
                db.table("tasks").update(task_id, {"position": position})

    def confirm(
        self,
        task: PickTask,
        *,
        kind: Kind,
        user_id: int,
        quantity: int,
        lot: str | None = None,
        serial: str | None = None,
        reason: str | None = None,
    ) -> Confirmation:
        """Mark the line done here and queue its confirmation, in one transaction."""
        with self.store.write() as db:
            confirmation = self.enqueue(
                db,
                user_id=user_id,
                kind=kind,
                task_id=task.task_id,
                location=task.location,
                product=task.sku,
                lot=lot,
                serial=serial,
                quantity=quantity,
                tote=task.tote if quantity else None,
                reason=reason,
            )
            db.table("tasks").update(
                task.task_id,
                {
                    "status": "picked" if kind == "pick" else "short",
                    "picked_qty": quantity,
                },
            )
        return confirmation

    def enqueue(self, db: Any, **fields: Any) -> Confirmation:
        """Number a confirmation and queue it, inside the caller's write."""
        seq = int(db.table("meta").get("device_seq")["value"]) + 1
        confirmation = Confirmation(
            op_id=str(uuid.uuid4()),
            device_id=self.device_id,
            device_seq=seq,
            scanned_at=_now(),
            **fields,
        )
        db.table("meta").update("device_seq", {"value": str(seq)})
        db.table("outbox").insert(
            {
                "device_seq": seq,
                "op_id": confirmation.op_id,
                "payload": confirmation.model_dump_json(),
                "created_at": confirmation.scanned_at,
            }
        )
        return confirmation

    # Outbox

    def pending(self, limit: int = 50) -> list[Confirmation]:
        """Queued confirmations, oldest first."""
        with self.store.read() as db:
            rows = db.table("outbox").rows_where(order_by="device_seq", limit=limit)
            return [Confirmation.model_validate_json(row["payload"]) for row in rows]

    def queued(self) -> int:
        """How many confirmations wait for an answer."""
        with self.store.read() as db:
            return db.table("outbox").count

    def record(self, sent: list[Confirmation], outcomes: list[Outcome]) -> None:
        """Drop answered confirmations; keep rejections for the picker to read."""
        by_op = {c.op_id: c for c in sent}
        answered: list[tuple[int, str]] = []
        with self.store.write() as db:
            for outcome in outcomes:
                c = by_op.get(outcome.op_id)
                if c is None or outcome.status == "gap":
                    continue
                if outcome.status == "rejected":
                    db.table("rejections").insert(
                        {
                            "device_seq": c.device_seq,
                            "user_id": c.user_id,
                            "task_id": c.task_id,
                            "reason_type": outcome.reason_type or "rejected",
                            "message": outcome.message,
                            "seen": 0,
                        },
                        replace=True,
                    )
                answered.append((c.device_seq, c.op_id))
            # By primary key: a scan over a long queue per answer would be quadratic.
            db.conn.executemany(
                "DELETE FROM outbox WHERE device_seq = ? AND op_id = ?", answered
            )

    def mark_synced(self) -> None:
        """Note that the service answered just now."""
        with self.store.write() as db:
            db.table("meta").upsert({"key": "last_sync_at", "value": _now()}, pk="key")

    def last_sync_at(self) -> str | None:
        """When the service last answered this device."""
        with self.store.read() as db:
            rows = list(db.table("meta").rows_where("key = 'last_sync_at'"))
        return rows[0]["value"] if rows else None

    def unseen_rejections(self, user_id: int) -> list[Rejection]:
        """Rejections of this user's confirmations not yet shown; marks them seen."""
        with self.store.write() as db:
            rows = list(
                db.table("rejections").rows_where(
                    "user_id = ? AND seen = 0", [user_id], order_by="device_seq"
                )
            )
            db.execute("UPDATE rejections SET seen = 1 WHERE user_id = ?", [user_id])
        return [
            Rejection(r["device_seq"], r["task_id"], r["reason_type"], r["message"])
            for r in rows
        ]

    def close(self) -> None:
        """Close the file."""
        self.store.close()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _whole_wave_notice(state: WaveState, user_id: int) -> str | None:
    """Why none of this wave is ours to pick any more, or None."""
    if state.status == "cancelled":
        return f"{state.name} was cancelled: stop picking it."
    if state.status == "held":
        return f"{state.name} is on hold: ask your supervisor."
    if state.assigned_to != user_id:
        to = state.assigned_name or "someone else"
        return f"{state.name} was given to {to}: the lines left are theirs."
    return None


def _secret_hash(secret: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, **_SCRYPT)
    return f"{salt.hex()}${digest.hex()}"


def _secret_matches(secret: str, stored: str) -> bool:
    salt, _, digest = stored.partition("$")
    if not digest:
        return False
    mine = hashlib.scrypt(secret.encode(), salt=bytes.fromhex(salt), **_SCRYPT)
    return hmac.compare_digest(mine.hex(), digest)


def _operator(row: dict[str, Any]) -> Operator:
    return Operator(row["user_id"], row["user_name"], row["display_name"], row["role"])


def _task(row: dict[str, Any]) -> PickTask:
    fields = set(PickTask.model_fields)
    return PickTask.model_validate({k: v for k, v in row.items() if k in fields})
