"""Supervision at the service: roles, waves, reassignment, exceptions (issue #7)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import httpx
from sqlalchemy import Engine, func, select

from bench.service import confirmation
from stock_service import schema
from wire import API


async def session(http: httpx.AsyncClient, badge: str) -> dict[str, str]:
    """Headers of an operator signed in by badge on the demo device."""
    answer = await http.post(f"{API}/sessions", json={"badge": badge})
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def count(engine: Engine, table: Any, *where: Any) -> int:
    with engine.connect() as conn:
        query = select(func.count()).select_from(table)
        return int(conn.execute(query.where(*where) if where else query).scalar_one())


def picker1_wave(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(schema.waves.c.wave_id).where(schema.waves.c.assigned_to == 1)
            ).scalar_one()
        )


async def test_a_picker_cannot_reassign_and_is_told_why(
    http: httpx.AsyncClient, engine: Engine
) -> None:
    picker = await session(http, "B1001")
    wave_id = picker1_wave(engine)

    answer = await http.post(
        f"{API}/waves/{wave_id}/assign", json={"badge": "B1002"}, headers=picker
    )

    assert answer.status_code == 403
    assert answer.json() == {
        "type": "not_allowed",
        "detail": "Only a supervisor may do this; Pat Picker is a picker.",
    }
    assert count(engine, schema.audit) == 0


async def test_a_supervisor_reassigns_by_badge_and_it_is_audited(
    http: httpx.AsyncClient, engine: Engine
) -> None:
    boss = await session(http, "B3001")
    wave_id = picker1_wave(engine)

    answer = await http.post(
        f"{API}/waves/{wave_id}/assign", json={"badge": "B1002"}, headers=boss
    )

    again = await http.post(
        f"{API}/waves/{wave_id}/assign", json={"badge": "B1002"}, headers=boss
    )
    assert answer.status_code == 200
    assert answer.json()["assigned_name"] == "Robin Runner"
    assert again.status_code == 409 and "Robin Runner's already" in again.text
    with engine.connect() as conn:
        audit = conn.execute(select(schema.audit)).one()
    assert (audit.user_id, audit.device_id, audit.action) == (4, "demo-1", "assign")
    assert audit.detail == "from Pat Picker to Robin Runner"


async def test_a_wave_can_only_go_to_a_picker(
    http: httpx.AsyncClient, engine: Engine
) -> None:
    boss = await session(http, "B3001")
    answer = await http.post(
        f"{API}/waves/{picker1_wave(engine)}/assign",
        json={"badge": "B2001"},
        headers=boss,
    )
    assert answer.status_code == 409
    assert answer.json()["detail"] == "Sam Packer is a packer."


async def test_hold_release_and_cancel_follow_the_wave_states(
    http: httpx.AsyncClient, engine: Engine
) -> None:
    boss = await session(http, "B3001")
    wave_id = picker1_wave(engine)

    held = await http.post(f"{API}/waves/{wave_id}/hold", headers=boss)
    again = await http.post(f"{API}/waves/{wave_id}/hold", headers=boss)
    released = await http.post(f"{API}/waves/{wave_id}/release", headers=boss)
    cancelled = await http.post(f"{API}/waves/{wave_id}/cancel", headers=boss)

    assert held.json()["status"] == "held"
    assert again.status_code == 409 and "cannot hold" in again.json()["detail"]
    assert released.json()["status"] == "assigned"  # it keeps its picker
    assert cancelled.json()["status"] == "cancelled"
    t = schema.pick_tasks.c
    assert (
        count(engine, schema.pick_tasks, t.wave_id == wave_id, t.status == "open") == 0
    )


async def test_open_orders_become_waves_by_cut_off_and_priority(
    http: httpx.AsyncClient, engine: Engine
) -> None:
    boss = await session(http, "B3001")
    waves_before = count(engine, schema.waves)

    answer = await http.post(
        f"{API}/waves/build", json={"totes_per_cart": 3}, headers=boss
    )

    result = answer.json()
    assert answer.status_code == 200, result
    assert result["orders_waved"] == 24 and result["orders_left"] == 0
    assert count(engine, schema.waves) == waves_before + len(result["wave_ids"])
    with engine.connect() as conn:
        mixes = conn.execute(
            select(
                schema.pick_tasks.c.wave_id,
                func.count(func.distinct(schema.orders.c.cutoff)),
                func.count(func.distinct(schema.orders.c.priority)),
                func.count(func.distinct(schema.pick_tasks.c.tote)),
            )
            .join(schema.orders)
            .where(schema.pick_tasks.c.wave_id.in_(result["wave_ids"]))
            .group_by(schema.pick_tasks.c.wave_id)
        ).all()
    assert {(cutoffs, priorities) for _, cutoffs, priorities, _ in mixes} == {(1, 1)}
    assert max(totes for *_, totes in mixes) <= 3
    again = await http.post(f"{API}/waves/build", json={}, headers=boss)
    assert again.json()["wave_ids"] == []


def pick(task: Any, *, device: str, seq: int, user: int) -> dict[str, Any]:
    row = confirmation(SimpleNamespace(**task), device_id=device, seq=seq, user_id=user)
    return row.model_dump(mode="json")


async def test_a_line_picked_twice_moves_stock_twice_and_makes_a_return_task(
    http: httpx.AsyncClient, engine: Engine
) -> None:
    # Robin took over the wave while Pat, offline, picked its first line too.
    boss = await session(http, "B3001")
    wave_id = picker1_wave(engine)
    await http.post(
        f"{API}/waves/{wave_id}/assign", json={"badge": "B1002"}, headers=boss
    )
    with engine.connect() as conn:
        task = dict(
            conn.execute(
                select(schema.pick_tasks)
                .where(schema.pick_tasks.c.wave_id == wave_id)
                .order_by(schema.pick_tasks.c.seq)
            )
            .first()
            ._mapping
        )
    stock_before = on_hand(engine, task)

    robin = pick(task, device="demo-1", seq=1, user=2)
    pat = pick(task, device="demo-1", seq=2, user=1) | {"op_id": "pat-late"}
    answer = await http.post(
        f"{API}/confirmations", json={"confirmations": [robin, pat]}
    )

    assert [o["status"] for o in answer.json()["outcomes"]] == ["applied", "applied"]
    ledger = schema.ledger.c
    assert count(engine, schema.ledger, ledger.task_id == task["task_id"]) == 2
    assert on_hand(engine, task) == stock_before - 2 * task["quantity"]
    exceptions = (await http.get(f"{API}/exceptions", headers=boss)).json()
    double = [x for x in exceptions if x["kind"] == "double_pick"]
    assert len(double) == 1 and double[0]["quantity"] == task["quantity"]
    returns = (await http.get(f"{API}/floor-tasks")).json()
    assert [(r["kind"], r["location"], r["quantity"]) for r in returns] == [
        ("return", task["location"], task["quantity"])
    ]
    assert returns[0]["exception_id"] == double[0]["id"]


def on_hand(engine: Engine, task: dict[str, Any]) -> int:
    s = schema.stock.c
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.sum(s.quantity)).where(
                    s.sku == task["sku"], s.location == task["location"]
                )
            ).scalar_one()
        )


async def test_a_short_pick_is_resolved_once_by_a_recount(
    http: httpx.AsyncClient, engine: Engine
) -> None:
    boss = await session(http, "B3001")
    wave_id = picker1_wave(engine)
    with engine.connect() as conn:
        task = dict(
            conn.execute(
                select(schema.pick_tasks).where(
                    schema.pick_tasks.c.wave_id == wave_id,
                    schema.pick_tasks.c.quantity > 1,
                )
            )
            .first()
            ._mapping
        )
    short = pick(task, device="demo-1", seq=1, user=1) | {
        "kind": "short",
        "quantity": 1,
        "reason": "empty",
    }
    await http.post(f"{API}/confirmations", json={"confirmations": [short]})
    (exception,) = (await http.get(f"{API}/exceptions", headers=boss)).json()

    done = await http.post(
        f"{API}/exceptions/{exception['id']}/resolve",
        json={"action": "recount"},
        headers=boss,
    )
    twice = await http.post(
        f"{API}/exceptions/{exception['id']}/resolve",
        json={"action": "accept"},
        headers=boss,
    )

    assert exception["kind"] == "short_pick"
    assert exception["quantity"] == task["quantity"] - 1
    assert done.json()["resolution"] == "recount" and done.json()["floor_task_id"]
    assert twice.status_code == 409
    (recount,) = (await http.get(f"{API}/floor-tasks")).json()
    assert (recount["kind"], recount["location"]) == ("recount", task["location"])
    assert (await http.get(f"{API}/exceptions", headers=boss)).json() == []


async def test_wave_progress_counts_walked_metres_and_pace(
    http: httpx.AsyncClient, engine: Engine
) -> None:
    wave_id = picker1_wave(engine)
    with engine.connect() as conn:
        tasks = [
            dict(row._mapping)
            for row in conn.execute(
                select(schema.pick_tasks)
                .where(schema.pick_tasks.c.wave_id == wave_id)
                .order_by(schema.pick_tasks.c.seq)
                .limit(3)
            )
        ]
    batch = [pick(t, device="demo-1", seq=n, user=1) for n, t in enumerate(tasks, 1)]
    await http.post(f"{API}/confirmations", json={"confirmations": batch})

    (summary,) = [
        w
        for w in (await http.get(f"{API}/waves", params={"status": "assigned"})).json()
        if w["wave_id"] == wave_id
    ]

    assert summary["open"] == summary["lines"] - 3
    assert summary["walked_m"] > 0
    assert summary["assigned_name"] == "Pat Picker"


async def test_every_listing_answers_with_its_documented_model(
    http: httpx.AsyncClient,
) -> None:
    # A listing whose rows do not fit its response model fails only at run time.
    boss = await session(http, "B3001")
    spec = (await http.get("/openapi.json")).json()
    paths = [
        path
        for path, item in spec["paths"].items()
        if "get" in item and "{" not in path and not path.endswith("/events")
    ]
    assert len(paths) >= 8
    for path in paths:
        answer = await http.get(path, headers=boss)
        assert answer.status_code in (200, 204), (path, answer.text)


async def test_nothing_is_sent_back_for_a_short_pick(
    http: httpx.AsyncClient, engine: Engine
) -> None:
    boss = await session(http, "B3001")
    task = first_line(engine, more_than=1)
    short = pick(task, device="demo-1", seq=1, user=1) | {
        "kind": "short",
        "quantity": 0,
        "reason": "empty",
    }
    await http.post(f"{API}/confirmations", json={"confirmations": [short]})
    (exception,) = (await http.get(f"{API}/exceptions", headers=boss)).json()

    answer = await http.post(
        f"{API}/exceptions/{exception['id']}/resolve",
        json={"action": "return"},
        headers=boss,
    )

    assert answer.status_code == 409
    assert answer.json()["type"] == "nothing_to_return"
    assert count(engine, schema.floor_tasks) == 0


async def test_a_short_with_everything_found_is_a_pick(
    http: httpx.AsyncClient, engine: Engine
) -> None:
    boss = await session(http, "B3001")
    task = first_line(engine, more_than=1)
    full = pick(task, device="demo-1", seq=1, user=1) | {
        "kind": "short",
        "reason": "not_found",
    }
    await http.post(f"{API}/confirmations", json={"confirmations": [full]})

    assert (await http.get(f"{API}/exceptions", headers=boss)).json() == []
    t = schema.pick_tasks.c
    assert (
        count(
            engine,
            schema.pick_tasks,
            t.task_id == task["task_id"],
            t.status == "picked",
        )
        == 1
    )


async def test_cancelling_a_picked_wave_returns_its_items_and_reopens_its_orders(
    http: httpx.AsyncClient, engine: Engine
) -> None:
    boss = await session(http, "B3001")
    task = first_line(engine, more_than=0)
    await http.post(
        f"{API}/confirmations",
        json={"confirmations": [pick(task, device="demo-1", seq=1, user=1)]},
    )

    await http.post(f"{API}/waves/{task['wave_id']}/cancel", headers=boss)
    built = (await http.post(f"{API}/waves/build", json={}, headers=boss)).json()

    (returned,) = (await http.get(f"{API}/floor-tasks")).json()
    assert (returned["kind"], returned["location"], returned["quantity"]) == (
        "return",
        task["location"],
        task["quantity"],
    )
    with engine.connect() as conn:
        orders = set(
            conn.execute(
                select(schema.pick_tasks.c.order_id).where(
                    schema.pick_tasks.c.wave_id == task["wave_id"]
                )
            ).scalars()
        )
        rewaved = set(
            conn.execute(
                select(schema.pick_tasks.c.order_id).where(
                    schema.pick_tasks.c.wave_id.in_(built["wave_ids"])
                )
            ).scalars()
        )
    assert orders <= rewaved
    assert built["orders_waved"] == 24 + len(orders)


def first_line(engine: Engine, *, more_than: int) -> dict[str, Any]:
    """The first line of Pat's wave wanting more than ``more_than`` items."""
    with engine.connect() as conn:
        row = conn.execute(
            select(schema.pick_tasks)
            .where(
                schema.pick_tasks.c.wave_id == picker1_wave(engine),
                schema.pick_tasks.c.quantity > more_than,
            )
            .order_by(schema.pick_tasks.c.seq)
        ).first()
    assert row is not None
    return dict(row._mapping)


async def test_five_wrong_pins_lock_the_pin_but_not_the_badge(
    http: httpx.AsyncClient,
) -> None:
    tries = [
        await http.post(f"{API}/sessions", json={"user": "picker1", "pin": "0000"})
        for _ in range(5)
    ]
    right_pin = await http.post(
        f"{API}/sessions", json={"user": "picker1", "pin": "1234"}
    )
    badge = await http.post(f"{API}/sessions", json={"badge": "B1001"})

    assert {t.status_code for t in tries} == {401}
    assert right_pin.status_code == 423
    assert "Too many wrong PINs for picker1" in right_pin.json()["detail"]
    assert badge.status_code == 200


async def test_a_signed_out_session_opens_nothing_more(
    http: httpx.AsyncClient,
) -> None:
    picker = await session(http, "B1001")
    before = await http.get(f"{API}/work/next", headers=picker)
    out = await http.delete(f"{API}/sessions", headers=picker)
    after = await http.get(f"{API}/work/next", headers=picker)

    assert before.status_code == 200 and out.status_code == 204
    assert after.status_code == 401 and after.json()["type"] == "signed_out"
