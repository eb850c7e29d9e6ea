"""Packing at the service: SSCC blocks, cartons closed and shipped once each,
stock from the packing area to shipped, what could not be squared raised."""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select, update

from stock_service import schema
from stock_service.confirm import payload_hash
from stock_service.gs1 import is_sscc, sscc
from wire import API, Confirmation, PackedItem


@pytest.fixture
def seqs() -> Iterator[int]:
    return itertools.count(1)


def confirmation(seq: int, **fields: Any) -> Confirmation:
    base: dict[str, Any] = {
        "op_id": str(uuid.uuid4()),
        "device_id": "demo-1",
        "device_seq": seq,
        "user_id": 3,
        "quantity": 0,
        "scanned_at": "2026-01-05T09:00:00.000+00:00",
    }
    return Confirmation(**(base | fields))


async def send(http: httpx.AsyncClient, *batch: Confirmation) -> list[dict[str, Any]]:
    body = {"confirmations": [c.model_dump(mode="json") for c in batch]}
    answer = await http.post(f"{API}/confirmations", json=body)
    answer.raise_for_status()
    outcomes: list[dict[str, Any]] = answer.json()["outcomes"]
    return outcomes


def first_order_tasks(engine: Engine) -> list[Any]:
    t = schema.pick_tasks.c
    with engine.connect() as conn:
        order_id = conn.execute(
            select(t.order_id).where(t.wave_id == 1).order_by(t.task_id).limit(1)
        ).scalar_one()
        return list(
            conn.execute(select(schema.pick_tasks).where(t.order_id == order_id))
        )


async def pick_all(
    http: httpx.AsyncClient, seqs: Iterator[int], tasks: list[Any]
) -> None:
    picks = [
        confirmation(
            next(seqs),
            kind="pick",
            task_id=task.task_id,
            location=task.location,
            product=task.sku,
            quantity=task.quantity,
            tote=task.tote,
        )
        for task in tasks
    ]
    assert {o["status"] for o in await send(http, *picks)} == {"applied"}


async def reserve(http: httpx.AsyncClient, count: int = 10) -> dict[str, Any]:
    answer = await http.post(f"{API}/sscc/reserve", json={"count": count})
    answer.raise_for_status()
    block: dict[str, Any] = answer.json()
    return block


def pack_of(
    seq: int, tasks: list[Any], label: str, *, closes: bool = True, **more: Any
) -> Confirmation:
    return confirmation(
        seq,
        kind="pack",
        order_id=tasks[0].order_id,
        sscc=label,
        carton="BOX-M",
        weight_kg="1.250",
        contents=[
            PackedItem(sku=t.sku, quantity=t.quantity, tote=t.tote) for t in tasks
        ],
        closes_order=closes,
        quantity=sum(t.quantity for t in tasks),
        **more,
    )


def ledger(engine: Engine, *reasons: str) -> list[tuple[str, str, int]]:
    g = schema.ledger.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(g.reason, g.location, g.sku, g.delta)
            .where(g.reason.in_(reasons))
            .order_by(g.seq)
        ).all()
    return [(row.reason, row.location, row.delta) for row in rows]


def on_hand(engine: Engine, location: str) -> dict[str, int]:
    s = schema.stock.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(s.sku, s.quantity).where(s.location == location)
        ).all()
    return {row.sku: row.quantity for row in rows}


async def test_sscc_blocks_of_one_prefix_never_overlap(
    http: httpx.AsyncClient,
) -> None:
    first = await reserve(http, 100)
    second = await reserve(http, 5)

    assert first == {"prefix": "09506000", "first": 1, "last": 100}
    assert second == {"prefix": "09506000", "first": 101, "last": 105}
    assert is_sscc(sscc(first["prefix"], first["last"]))
    assert sscc("09506000", 1) == "095060000000000015"


async def test_a_closed_carton_goes_from_the_packing_area_to_shipped(
    http: httpx.AsyncClient, engine: Engine, seqs: Iterator[int]
) -> None:
    tasks = first_order_tasks(engine)
    await pick_all(http, seqs, tasks)
    block = await reserve(http)
    label = sscc(block["prefix"], block["first"])
    items = sum(t.quantity for t in tasks)

    packed = await send(http, pack_of(next(seqs), tasks, label))
    assert packed[0]["status"] == "applied", packed
    assert sum(on_hand(engine, "PACK").values()) == items
    state = (await http.get(f"{API}/orders/{tasks[0].order_id}")).json()
    assert state["status"] == "packed"

    ship = confirmation(next(seqs), kind="ship", sscc=label, order_id=tasks[0].order_id)
    assert (await send(http, ship))[0]["status"] == "applied"

    assert set(on_hand(engine, "PACK").values()) == {0}
    assert sum(on_hand(engine, "SHIPPED").values()) == items
    moves = ledger(engine, "pack", "ship")
    assert sum(d for r, loc, d in moves if r == "pack" and loc == "PACK") == items
    assert sum(d for r, loc, d in moves if r == "ship" and loc == "PACK") == -items
    assert sum(d for r, loc, d in moves if loc == "SHIPPED") == items
    state = (await http.get(f"{API}/orders/{tasks[0].order_id}")).json()
    assert state["status"] == "shipped"
    shipped = (await http.get(f"{API}/stock", params={"location": "SHIPPED"})).json()
    assert sum(row["quantity"] for row in shipped) == items
    assert state["packages"][0]["sscc"] == label
    assert state["packages"][0]["weight_kg"] == "1.250"
    with engine.connect() as conn:
        kinds = [
            (row.kind, json.loads(row.body).get("status"))
            for row in conn.execute(select(schema.events).order_by(schema.events.c.seq))
        ]
    assert ("package", "packed") in kinds
    assert ("package", "shipped") in kinds
    assert kinds[-1] == ("order", "shipped")


async def test_a_carton_sent_again_is_a_duplicate_and_moves_nothing(
    http: httpx.AsyncClient, engine: Engine, seqs: Iterator[int]
) -> None:
    tasks = first_order_tasks(engine)
    await pick_all(http, seqs, tasks)
    block = await reserve(http)
    pack = pack_of(next(seqs), tasks, sscc(block["prefix"], block["first"]))
    ship = confirmation(next(seqs), kind="ship", sscc=pack.sscc)

    await send(http, pack, ship)
    again = await send(http, pack, ship)

    assert [o["status"] for o in again] == ["duplicate", "duplicate"]
    assert len(ledger(engine, "pack")) == len(tasks)
    assert len(ledger(engine, "ship")) == 2 * len(tasks)


async def test_one_sscc_on_two_cartons_is_refused_and_raised(
    http: httpx.AsyncClient, engine: Engine, seqs: Iterator[int]
) -> None:
    tasks = first_order_tasks(engine)
    await pick_all(http, seqs, tasks)
    label = sscc("09506000", 7)
    await send(http, pack_of(next(seqs), tasks[:1], label, closes=False))

    again = await send(http, pack_of(next(seqs), tasks[1:] or tasks, label))

    assert again[0]["status"] == "rejected"
    assert again[0]["reason_type"] == "sscc_reused"
    with engine.connect() as conn:
        kinds = list(conn.execute(select(schema.exceptions.c.kind)).scalars())
    assert "sscc_reused" in kinds


async def test_a_carton_with_a_wrong_check_digit_is_refused(
    http: httpx.AsyncClient, engine: Engine, seqs: Iterator[int]
) -> None:
    tasks = first_order_tasks(engine)
    good = sscc("09506000", 8)
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)

    outcome = (await send(http, pack_of(next(seqs), tasks, bad)))[0]

    assert (outcome["status"], outcome["reason_type"]) == ("rejected", "bad_sscc")
    assert on_hand(engine, "PACK") == {}


async def test_items_not_found_at_packing_and_items_set_aside_are_raised(
    http: httpx.AsyncClient, engine: Engine, seqs: Iterator[int]
) -> None:
    tasks = first_order_tasks(engine)
    await pick_all(http, seqs, tasks)
    missing, kept = tasks[0], tasks[1:]
    stray = PackedItem(sku="85099B", quantity=1, tote=tasks[0].tote)

    outcome = await send(
        http,
        pack_of(next(seqs), kept or tasks, sscc("09506000", 9), set_aside=[stray]),
    )

    assert outcome[0]["status"] == "applied"
    x = schema.exceptions.c
    with engine.connect() as conn:
        raised = {
            row.kind: row
            for row in conn.execute(select(schema.exceptions).order_by(x.id))
        }
        returns = list(conn.execute(select(schema.floor_tasks)))
    if kept:
        assert raised["missing_at_pack"].sku == missing.sku
        assert raised["missing_at_pack"].quantity == missing.quantity
    assert raised["set_aside_at_pack"].sku == "85099B"
    assert [(t.kind, t.sku, t.quantity) for t in returns] == [("return", "85099B", 1)]
    assert returns[0].location == raised["set_aside_at_pack"].location is not None


async def test_a_cluster_picked_tote_lists_each_of_its_orders(
    http: httpx.AsyncClient, engine: Engine
) -> None:
    t = schema.pick_tasks.c
    with engine.begin() as conn:
        wave_id = conn.execute(
            select(schema.waves.c.wave_id).where(schema.waves.c.assigned_to == 1)
        ).scalar_one()
        totes = conn.execute(
            select(t.tote, t.order_id)
            .where(t.wave_id == wave_id)
            .distinct()
            .order_by(t.tote)
        ).all()
        conn.execute(
            update(schema.pick_tasks)
            .where(t.tote == totes[1].tote)
            .values(tote=totes[0].tote)
        )

    work = (await http.get(f"{API}/pack/{totes[0].tote}")).json()

    assert [o["order_id"] for o in work["orders"]] == sorted(
        {totes[0].order_id, totes[1].order_id}
    )
    assert work["ship_from"].startswith("pickwise demo DC")
    line = work["orders"][0]["lines"][0]
    assert line["codes"] and line["picked"] == 0
    unknown = await http.get(f"{API}/pack/T9999")
    assert unknown.status_code == 404
    assert unknown.json()["detail"] == "No tote or order T9999 here."


def test_a_pick_keeps_the_fingerprint_it_had_before_packing_fields() -> None:
    pick = confirmation(1, kind="pick", task_id=5, quantity=2)
    before = {
        k: v
        for k, v in pick.model_dump(mode="json").items()
        if k
        not in (
            "order_id",
            "sscc",
            "carton",
            "weight_kg",
            "contents",
            "set_aside",
            "closes_order",
        )
    }
    import hashlib

    expected = hashlib.sha256(json.dumps(before, sort_keys=True).encode()).hexdigest()
    assert payload_hash(pick) == expected


async def test_an_order_packed_before_its_picks_arrived_is_raised_not_missing(
    http: httpx.AsyncClient, engine: Engine, seqs: Iterator[int]
) -> None:
    tasks = first_order_tasks(engine)  # no picks have reached the service

    outcome = await send(http, pack_of(next(seqs), tasks, sscc("09506000", 11)))

    assert outcome[0]["status"] == "applied"
    with engine.connect() as conn:
        kinds = list(conn.execute(select(schema.exceptions.c.kind)).scalars())
    assert kinds == ["packed_before_picked"]


async def test_an_order_closed_twice_is_raised(
    http: httpx.AsyncClient, engine: Engine, seqs: Iterator[int]
) -> None:
    tasks = first_order_tasks(engine)
    await pick_all(http, seqs, tasks)
    await send(http, pack_of(next(seqs), tasks, sscc("09506000", 12)))

    again = await send(http, pack_of(next(seqs), tasks, sscc("09506000", 13)))

    assert again[0]["status"] == "applied"  # a second carton exists all the same
    with engine.connect() as conn:
        kinds = list(conn.execute(select(schema.exceptions.c.kind)).scalars())
    assert "packed_twice" in kinds


async def test_picks_and_their_carton_in_one_batch_are_squared_in_order(
    http: httpx.AsyncClient, engine: Engine, seqs: Iterator[int]
) -> None:
    tasks = first_order_tasks(engine)
    picks = [
        confirmation(
            next(seqs),
            kind="pick",
            task_id=t.task_id,
            location=t.location,
            product=t.sku,
            quantity=t.quantity,
            tote=t.tote,
        )
        for t in tasks
    ]
    short_one = [SimpleNamespace(**t._asdict()) for t in tasks]
    short_one[0].quantity -= 1

    outcomes = await send(
        http, *picks, pack_of(next(seqs), short_one, sscc("09506000", 14))
    )

    assert {o["status"] for o in outcomes} == {"applied"}
    with engine.connect() as conn:
        raised = conn.execute(select(schema.exceptions)).all()
    assert [(x.kind, x.sku, x.quantity) for x in raised] == [
        ("missing_at_pack", tasks[0].sku, 1)
    ]
