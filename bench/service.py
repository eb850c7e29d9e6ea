"""The real stock service on loopback, for the benchmarks and the fault harness.

The service runs under uvicorn in a thread of the calling process, on a real
SQLite file with the demo warehouse; devices reach it over TCP.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy import Engine, insert, select, text, update

from stock_service import schema
from stock_service.app import create_app
from stock_service.auth import token_hash
from stock_service.confirm import ConflictRule
from stock_service.db import make_engine, migrate
from stock_service.demo.build import DEMO_DEVICE, build_demo
from wire import Confirmation, PickTask

DEVICE_TOKEN = "bench-device-token"


def demo_database(path: Path, *, template: Path | None = None) -> Engine:
    """An engine on ``path``, filled with the demo warehouse (or a copy of one)."""
    if template is not None:
        shutil.copy(template, path)
        engine = make_engine(f"sqlite:///{path}")
        with engine.begin() as conn:  # the copy may know the device by another token
            conn.execute(
                update(schema.devices)
                .where(schema.devices.c.device_id == DEMO_DEVICE)
                .values(token_hash=token_hash(DEVICE_TOKEN))
            )
        return engine
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    build_demo(engine, device_token=DEVICE_TOKEN)
    return engine


def enroll(engine: Engine, device_ids: list[str]) -> dict[str, str]:
    """Enroll devices; their tokens by device id."""
    tokens = {device_id: f"token-{device_id}" for device_id in device_ids}
    with engine.begin() as conn:
        known = set(conn.execute(select(schema.devices.c.device_id)).scalars())
        rows = [
            {"device_id": d, "token_hash": token_hash(t), "last_seq": 0}
            for d, t in tokens.items()
            if d not in known
        ]
        if rows:
            conn.execute(insert(schema.devices), rows)
    return tokens


def pick_tasks(engine: Engine, count: int) -> list[PickTask]:
    """The first ``count`` pick tasks of the demo warehouse."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT t.task_id, t.order_id, t.sku, p.description, t.location,"
                " t.quantity, t.tote, t.seq FROM pick_tasks t"
                " JOIN products p ON p.sku = t.sku ORDER BY t.task_id LIMIT :n"
            ),
            {"n": count},
        ).all()
    return [PickTask.model_validate(row._asdict()) for row in rows]


def confirmation(
    task: Any,
    *,
    device_id: str = DEMO_DEVICE,
    seq: int,
    user_id: int = 1,
    op_id: str | None = None,
    **changes: Any,
) -> Confirmation:
    """A device's confirmation that ``task`` (a `PickTask` or a pick task row)
    was picked in full, or as ``changes`` say (``kind="short"``, ``quantity=1``)."""
    row = task
    fields: dict[str, Any] = {
        "op_id": op_id or f"{device_id}-{seq:08d}",
        "device_id": device_id,
        "device_seq": seq,
        "user_id": user_id,
        "kind": "pick",
        "task_id": row.task_id,
        "location": row.location,
        "product": row.sku,
        "quantity": row.quantity,
        "tote": row.tote,
        "scanned_at": "2026-01-05T09:00:00.000+00:00",
    }
    return Confirmation.model_validate(fields | changes)


class LoopbackService:
    """The stock service under uvicorn on 127.0.0.1, in a thread."""

    def __init__(self, engine: Engine, *, conflict: ConflictRule | None = None):
        self.engine = engine
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        config = uvicorn.Config(
            create_app(engine, conflict=conflict),
            log_level="error",
            lifespan="off",
            access_log=False,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._sock]},
            name="stock-service",
            daemon=True,
        )

    @property
    def url(self) -> str:
        """Where devices reach the service."""
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LoopbackService:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the stock service did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *_exc: Any) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()
