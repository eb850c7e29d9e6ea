"""Events: what changed, in the order the service applied it.

An event is written in the same transaction as the change it reports, so a
reader never sees an event for a change that was rolled back, nor misses one
that committed. Its sequence number is its id on the server-sent event stream:
a client that lost the stream reconnects with ``Last-Event-ID`` and gets every
event after it, without gaps.

Kinds: ``movement`` (a ledger row), ``task`` (a pick line changed status),
``wave`` (released, held, cancelled, assigned or done), ``exception`` (raised
or resolved) and ``floor_task`` (a return or recount to do). Every stream
opens with a ``hello`` that names the sequence number it starts after.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from stock_service import schema

POLL_S = 0.1
"""How often an open stream looks for new events."""
KEEPALIVE_S = 15.0
"""A comment line this often keeps proxies from closing a quiet stream."""


def publish(conn: Connection, kind: str, body: dict[str, Any], at: str) -> None:
    """Record an event inside the caller's transaction."""
    conn.execute(insert(schema.events).values(kind=kind, body=json.dumps(body), at=at))


def publish_all(conn: Connection, events: list[tuple[str, dict[str, Any]]], at: str):
    """Record several events, in order, inside the caller's transaction."""
    if events:
        conn.execute(
            insert(schema.events),
            [{"kind": k, "body": json.dumps(b), "at": at} for k, b in events],
        )


def after(engine: Engine, seq: int, *, limit: int = 500) -> list[dict[str, Any]]:
    """Events after ``seq``, oldest first, as `wire.Event` fields."""
    e = schema.events.c
    with engine.connect().execution_options(read_only=True) as conn:
        rows = conn.execute(
            select(e.seq, e.kind, e.body, e.at)
            .where(e.seq > seq)
            .order_by(e.seq)
            .limit(limit)
        ).all()
    return [
        {"seq": row.seq, "kind": row.kind, "at": row.at, "body": json.loads(row.body)}
        for row in rows
    ]


def last_seq(engine: Engine) -> int:
    """The newest event's sequence number, 0 when there is none."""
    with engine.connect().execution_options(read_only=True) as conn:
        newest = conn.execute(
            select(schema.events.c.seq).order_by(schema.events.c.seq.desc()).limit(1)
        ).scalar()
    return int(newest or 0)


async def stream(
    engine: Engine,
    seq: int,
    *,
    disconnected: Callable[[], Any],
    poll_s: float = POLL_S,
) -> AsyncIterator[str]:
    """Server-sent event frames after ``seq``, until the client goes away."""
    # A hello names where the stream starts, so a client that connected "from
    # now" knows where to resume; its id is that of the last event before it.
    hello = {"seq": seq, "kind": "hello", "at": "", "body": {}}
    yield f"retry: 1000\nid: {seq}\nevent: hello\ndata: {json.dumps(hello)}\n\n"
    quiet = 0.0
    while not await disconnected():
        batch = await asyncio.to_thread(after, engine, seq)
        for event in batch:
            seq = event["seq"]
            yield f"id: {seq}\nevent: {event['kind']}\ndata: {json.dumps(event)}\n\n"
        if batch:
            quiet = 0.0
            continue
        await asyncio.sleep(poll_s)
        quiet += poll_s
        if quiet >= KEEPALIVE_S:
            quiet = 0.0
            yield ": keepalive\n\n"
