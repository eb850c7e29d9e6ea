"""Supervision: waves built, released, held, cancelled and assigned; progress of
waves and pickers; exceptions and the floor tasks they make; the event stream.

Every action here needs a signed-in supervisor, is written to the audit trail
(who, when, from which device) and published as an event, all in the
transaction that makes the change.
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import Connection, case, func, select, update

from routing import Layout, UnknownLocationError, layout_from_dict, walked_m
from stock_service import events, schema
from stock_service.confirm import RETURNABLE, add_floor_task, now, raise_exception
from stock_service.http import (
    DeviceDep,
    EngineDep,
    Refused,
    SupervisorDep,
)
from stock_service.waves import group_orders, insert_waves, open_orders
from wire import (
    API,
    AssignRequest,
    BuildWavesRequest,
    BuildWavesResult,
    ExceptionRow,
    FloorTask,
    OperatorRow,
    PickerSummary,
    ResolveRequest,
    TaskState,
    WaveState,
    WaveSummary,
)

router = APIRouter()

# What a supervisor may do to a wave, from which states, and the state after.
WAVE_ACTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "release": (("held",), "released"),
    "hold": (("released", "assigned"), "held"),
    "cancel": (("held", "released", "assigned"), "cancelled"),
}


# Reading


@router.get(f"{API}/waves", response_model=list[WaveSummary])
def waves(
    engine: EngineDep,
    _device: DeviceDep,
    after: int = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    status: Annotated[list[str] | None, Query()] = None,
    order: Literal["id", "urgency"] = "id",
) -> list[WaveSummary]:
    """Waves after ``after`` (of the given statuses), with their progress; in
    wave order, or by urgency (priority, then cut-off) to see what goes next."""
    w = schema.waves.c
    query = select(w.wave_id).where(w.wave_id > after)
    if status:
        query = query.where(w.status.in_(status))
    if order == "urgency":
        query = query.order_by(
            w.priority.desc(), w.cutoff.is_(None), w.cutoff, w.wave_id
        )
    else:
        query = query.order_by(w.wave_id)
    with engine.connect().execution_options(read_only=True) as conn:
        ids = list(conn.execute(query.limit(limit)).scalars())
        return summaries(conn, ids)


@router.get(f"{API}/waves/{{wave_id}}", response_model=WaveState)
def wave_state(engine: EngineDep, _device: DeviceDep, wave_id: int) -> WaveState:
    """One wave as the service holds it: a device compares its own copy."""
    t = schema.pick_tasks.c
    with engine.connect().execution_options(read_only=True) as conn:
        wave = _wave(conn, wave_id)
        tasks = conn.execute(
            select(t.task_id, t.status, t.picked_by)
            .where(t.wave_id == wave_id)
            .order_by(t.seq)
        ).all()
        name = _user_name(conn, wave.assigned_to)
    return WaveState(
        wave_id=wave.wave_id,
        name=wave.name,
        status=wave.status,
        assigned_to=wave.assigned_to,
        assigned_name=name,
        tasks=[TaskState.model_validate(row._asdict()) for row in tasks],
    )


@router.get(f"{API}/pickers", response_model=list[PickerSummary])
def pickers(engine: EngineDep, _device: DeviceDep) -> list[PickerSummary]:
    """Every picker: their wave, where they picked last, their pace."""
    u, w, t = schema.users.c, schema.waves.c, schema.pick_tasks.c
    hour_ago = _iso(datetime.fromisoformat(now()) - timedelta(hours=1))
    out = []
    with engine.connect().execution_options(read_only=True) as conn:
        people = conn.execute(
            select(u.user_id, u.display_name)
            .where(u.role == "picker")
            .order_by(u.user_id)
        ).all()
        for person in people:
            wave = conn.execute(
                select(w.wave_id, w.name)
                .where(w.assigned_to == person.user_id, w.status == "assigned")
                .order_by(w.wave_id)
                .limit(1)
            ).first()
            last = conn.execute(
                select(t.location, t.picked_at)
                .where(t.picked_by == person.user_id)
                .order_by(t.picked_at.desc(), t.seq.desc())
                .limit(1)
            ).first()
            recent = conn.execute(
                select(
                    func.count(), func.min(t.picked_at), func.max(t.picked_at)
                ).where(t.picked_by == person.user_id, t.picked_at >= hour_ago)
            ).one()
            out.append(
                PickerSummary(
                    user_id=person.user_id,
                    display_name=person.display_name,
                    wave_id=wave.wave_id if wave else None,
                    wave_name=wave.name if wave else None,
                    location=last.location if last else None,
                    last_pick_at=last.picked_at if last else None,
                    lines_done=recent[0],
                    lines_per_hour=_pace(recent[0], recent[1], recent[2]),
                )
            )
    return out


@router.get(f"{API}/users", response_model=list[OperatorRow])
def users(
    engine: EngineDep, _supervisor: SupervisorDep, role: str | None = None
) -> list[OperatorRow]:
    """The people who can be given work, by name."""
    u = schema.users.c
    query = select(u.user_id, u.user_name, u.display_name, u.role)
    if role:
        query = query.where(u.role == role)
    with engine.connect().execution_options(read_only=True) as conn:
        rows = conn.execute(query.order_by(u.display_name)).all()
    return [OperatorRow.model_validate(row._asdict()) for row in rows]


@router.get(f"{API}/exceptions", response_model=list[ExceptionRow])
def exceptions(
    engine: EngineDep,
    _supervisor: SupervisorDep,
    status: str = "open",
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[ExceptionRow]:
    """Exceptions, newest first: short picks, double picks, refusals, stock."""
    with engine.connect().execution_options(read_only=True) as conn:
        return _exception_rows(conn, status=status, limit=limit)


@router.get(f"{API}/floor-tasks", response_model=list[FloorTask])
def floor_tasks(
    engine: EngineDep, _device: DeviceDep, status: str = "open"
) -> list[FloorTask]:
    """Returns to stock and recounts, oldest first."""
    f = schema.floor_tasks.c
    with engine.connect().execution_options(read_only=True) as conn:
        rows = conn.execute(
            select(schema.floor_tasks).where(f.status == status).order_by(f.id)
        ).all()
    return [FloorTask.model_validate(row._asdict()) for row in rows]


@router.get(
    f"{API}/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def event_stream(
    request: Request,
    engine: EngineDep,
    _device: DeviceDep,
    after: int | None = None,
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    """Server-sent events after ``Last-Event-ID`` (or ``after``; else from now)."""
    start = after
    if last_event_id and last_event_id.isdecimal():
        start = int(last_event_id)
    if start is None:
        start = events.last_seq(engine)
    frames = events.stream(engine, start, disconnected=request.is_disconnected)
    return StreamingResponse(
        frames,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


# Acting


@router.post(f"{API}/waves/build", response_model=BuildWavesResult)
def build_waves(
    engine: EngineDep,
    device_id: DeviceDep,
    user: SupervisorDep,
    body: BuildWavesRequest,
) -> BuildWavesResult:
    """Group the open orders onto carts and plan each wave's route."""
    at = now()
    with engine.begin() as conn:
        waiting = open_orders(conn)
        carts = group_orders(
            waiting, totes_per_cart=body.totes_per_cart, max_lines=body.max_lines
        )
        status = "released" if body.release else "held"
        made = insert_waves(conn, carts, site_layout(conn), status=status)
        left = len(open_orders(conn))
        detail = f"{len(made)} waves from {len(waiting) - left} orders"
        _audit(conn, user, device_id, "build_waves", "orders", detail, at)
        events.publish_all(
            conn,
            [("wave", {"wave_id": w, "status": status}) for w in made],
            at,
        )
    return BuildWavesResult(
        wave_ids=made, orders_waved=len(waiting) - left, orders_left=left
    )


@router.post(f"{API}/waves/{{wave_id}}/assign", response_model=WaveSummary)
def assign(
    engine: EngineDep,
    device_id: DeviceDep,
    user: SupervisorDep,
    wave_id: int,
    body: AssignRequest,
) -> WaveSummary:
    """Give a wave to a picker (by user id or badge); lines already picked stay.

    The picker who had it may be offline and still picking: what they confirm
    is applied when it arrives, and their lines drop off the new picker's
    device on its next sync.
    """
    at = now()
    with engine.begin() as conn:
        wave = _wave(conn, wave_id)
        if wave.status not in ("released", "assigned", "held"):
            raise Refused(409, "wave_closed", f"{wave.name} is {wave.status}.")
        target = _assignee(conn, body)
        if target.user_id == wave.assigned_to:
            raise Refused(
                409, "same_picker", f"{wave.name} is {target.display_name}'s already."
            )
        before = _user_name(conn, wave.assigned_to)
        conn.execute(
            update(schema.waves)
            .where(schema.waves.c.wave_id == wave_id)
            .values(
                assigned_to=target.user_id,
                assigned_at=at,
                status="assigned" if wave.status != "held" else "held",
            )
        )
        detail = f"from {before or 'nobody'} to {target.display_name}"
        _audit(conn, user, device_id, "assign", wave.name, detail, at)
        events.publish(
            conn,
            "wave",
            {
                "wave_id": wave_id,
                "status": "held" if wave.status == "held" else "assigned",
                "assigned_to": target.user_id,
                "from_user": wave.assigned_to,
            },
            at,
        )
        return summaries(conn, [wave_id])[0]


@router.post(f"{API}/waves/{{wave_id}}/{{action}}", response_model=WaveSummary)
def wave_action(
    engine: EngineDep,
    device_id: DeviceDep,
    user: SupervisorDep,
    wave_id: int,
    action: str,
) -> WaveSummary:
    """Release a held wave, hold one, or cancel it (its open lines with it)."""
    if action not in WAVE_ACTIONS:
        raise Refused(404, "not_found", f"No wave action called {action}.")
    allowed, after = WAVE_ACTIONS[action]
    at = now()
    with engine.begin() as conn:
        wave = _wave(conn, wave_id)
        if wave.status not in allowed:
            raise Refused(
                409, "wrong_state", f"{wave.name} is {wave.status}; cannot {action}."
            )
        status = after
        if action == "release" and wave.assigned_to is not None:
            status = "assigned"
        conn.execute(
            update(schema.waves)
            .where(schema.waves.c.wave_id == wave_id)
            .values(status=status)
        )
        published: list[tuple[str, dict[str, Any]]] = []
        if action == "cancel":
            _cancel_lines(conn, wave, user, at, published)
        _audit(conn, user, device_id, action, wave.name, f"was {wave.status}", at)
        published.insert(0, ("wave", {"wave_id": wave_id, "status": status}))
        events.publish_all(conn, published, at)
        return summaries(conn, [wave_id])[0]


@router.post(f"{API}/exceptions/{{exception_id}}/resolve", response_model=ExceptionRow)
def resolve(
    engine: EngineDep,
    device_id: DeviceDep,
    user: SupervisorDep,
    exception_id: int,
    body: ResolveRequest,
) -> ExceptionRow:
    """Accept an exception as it is, or have the location recounted, or the
    items returned to stock (each a floor task)."""
    at = now()
    x = schema.exceptions.c
    with engine.begin() as conn:
        row = conn.execute(
            select(schema.exceptions).where(x.id == exception_id)
        ).first()
        if row is None:
            raise Refused(404, "not_found", f"No exception {exception_id}.")
        if row.status != "open":
            raise Refused(409, "resolved", f"Exception {exception_id} is resolved.")
        published: list[tuple[str, dict[str, Any]]] = []
        if body.action in ("recount", "return"):
            if not row.sku or not row.location:
                raise Refused(
                    409, "no_location", "This exception names no product and place."
                )
            if body.action == "return" and row.kind not in RETURNABLE:
                raise Refused(
                    409,
                    "nothing_to_return",
                    f"A {row.kind.replace('_', ' ')} took nothing to return;"
                    " accept it or have it recounted.",
                )
            has_task = conn.execute(
                select(schema.floor_tasks.c.id).where(
                    schema.floor_tasks.c.exception_id == exception_id,
                    schema.floor_tasks.c.kind == body.action,
                )
            ).first()
            if has_task is None:
                task = add_floor_task(
                    conn, body.action, row._asdict(), exception_id, at=at
                )
                published.append(("floor_task", task))
        conn.execute(
            update(schema.exceptions)
            .where(x.id == exception_id)
            .values(
                status="resolved",
                resolution=body.action,
                resolved_by=user.user_id,
                resolved_at=at,
            )
        )
        published.append(
            ("exception", {"id": exception_id, "status": "resolved", "by": body.action})
        )
        _audit(
            conn,
            user,
            device_id,
            "resolve",
            f"exception {exception_id}",
            body.action,
            at,
        )
        events.publish_all(conn, published, at)
        return _exception_rows(conn, ids=[exception_id])[0]


# Helpers


def _cancel_lines(
    conn: Connection,
    wave: Any,
    user: Any,
    at: str,
    published: list[tuple[str, dict[str, Any]]],
) -> None:
    """Cancel a wave's open lines; what was picked already goes back to stock.

    Its orders are open again, to be waved anew; each line already in a tote
    becomes an exception with a task to return the items to their location.
    """
    t = schema.pick_tasks.c
    conn.execute(
        update(schema.pick_tasks)
        .where(t.wave_id == wave.wave_id, t.status == "open")
        .values(status="cancelled")
    )
    picked = conn.execute(
        select(schema.pick_tasks).where(t.wave_id == wave.wave_id, t.picked_qty > 0)
    ).all()
    for line in picked:
        exception = {
            "kind": "cancelled_with_picks",
            "task_id": line.task_id,
            "op_id": None,
            "detail": f"{line.picked_qty} × {line.sku} picked into {line.tote} for"
            f" {wave.name}, which was cancelled: return them to {line.location}.",
            "status": "open",
            "created_at": at,
            "wave_id": wave.wave_id,
            "user_id": user.user_id,
            "sku": line.sku,
            "location": line.location,
            "quantity": line.picked_qty,
            "floor_task": "return",
        }
        raise_exception(conn, exception, published)


def summaries(conn: Connection, wave_ids: list[int]) -> list[WaveSummary]:
    """Progress of these waves, in the order given."""
    if not wave_ids:
        return []
    w, t, u = schema.waves.c, schema.pick_tasks.c, schema.users.c
    counts = {
        row.wave_id: row
        for row in conn.execute(
            select(
                t.wave_id,
                func.count().label("lines"),
                func.sum(case((t.status == "open", 1), else_=0)).label("open"),
                func.sum(case((t.status == "short", 1), else_=0)).label("short"),
            )
            .where(t.wave_id.in_(wave_ids))
            .group_by(t.wave_id)
        )
    }
    picked: dict[int, list[Any]] = defaultdict(list)
    for row in conn.execute(
        select(t.wave_id, t.location, t.picked_at)
        .where(t.wave_id.in_(wave_ids), t.picked_at.is_not(None))
        .order_by(t.picked_at, t.seq)
    ):
        picked[row.wave_id].append(row)
    rows = conn.execute(
        select(schema.waves, u.display_name)
        .outerjoin(schema.users, u.user_id == w.assigned_to)
        .where(w.wave_id.in_(wave_ids))
    ).all()
    layout = site_layout(conn)
    by_id = {}
    for row in rows:
        count = counts.get(row.wave_id)
        lines = count.lines if count else 0
        left = int(count.open or 0) if count else 0
        done = picked[row.wave_id]
        pace = _pace(
            len(done),
            done[0].picked_at if done else None,
            done[-1].picked_at if done else None,
        )
        by_id[row.wave_id] = WaveSummary(
            wave_id=row.wave_id,
            name=row.name,
            status=row.status,
            assigned_to=row.assigned_to,
            assigned_name=row.display_name,
            priority=row.priority,
            cutoff=row.cutoff,
            lines=lines,
            open=left,
            short=int(count.short or 0) if count else 0,
            planned_length_m=row.planned_length_m,
            sshape_length_m=row.sshape_length_m,
            code_order_length_m=row.code_order_length_m,
            walked_m=_walked(layout, [r.location for r in done]),
            lines_per_hour=pace,
            finish_at=_finish(pace, left, done[-1].picked_at if done else None),
        )
    return [by_id[i] for i in wave_ids if i in by_id]


def site_layout(conn: Connection) -> Layout:
    """The site's layout, as the service sends it to terminals."""
    body = conn.execute(
        select(schema.layouts.c.body).order_by(schema.layouts.c.name).limit(1)
    ).scalar()
    if body is None:
        raise Refused(409, "no_layout", "The site has no layout to plan routes on.")
    return _layout(body)


@functools.lru_cache(maxsize=4)
def _layout(body: str) -> Layout:
    return layout_from_dict(json.loads(body))


def _walked(layout: Layout, codes: list[str]) -> float:
    try:
        return round(walked_m(layout, codes), 1)
    except UnknownLocationError:
        return 0.0


def _pace(lines: int, first: str | None, last: str | None) -> float | None:
    """Lines per hour from the first of ``lines`` picks to the last; None until
    there are two to measure between."""
    if lines < 2 or first is None or last is None:
        return None
    span = datetime.fromisoformat(last) - datetime.fromisoformat(first)
    hours = span / timedelta(hours=1)
    return round((lines - 1) / hours, 1) if hours > 0 else None


def _finish(pace: float | None, left: int, last: str | None) -> str | None:
    if not pace or last is None or not left:
        return None
    return _iso(datetime.fromisoformat(last) + timedelta(hours=left / pace))


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


def _wave(conn: Connection, wave_id: int) -> Any:
    wave = conn.execute(
        select(schema.waves).where(schema.waves.c.wave_id == wave_id)
    ).first()
    if wave is None:
        raise Refused(404, "not_found", f"No wave {wave_id}.")
    return wave


def _user_name(conn: Connection, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    name = conn.execute(
        select(schema.users.c.display_name).where(schema.users.c.user_id == user_id)
    ).scalar()
    return str(name) if name is not None else None


def _assignee(conn: Connection, body: AssignRequest) -> Any:
    u = schema.users.c
    if body.badge:
        query = select(schema.users).where(u.badge == body.badge)
        missing = "This badge is not known."
    elif body.user_id is not None:
        query = select(schema.users).where(u.user_id == body.user_id)
        missing = f"No user {body.user_id}."
    else:
        raise Refused(422, "no_user", "Name the picker by user id or badge.")
    target = conn.execute(query).first()
    if target is None:
        raise Refused(404, "user_unknown", missing)
    if target.role != "picker":
        raise Refused(409, "not_a_picker", f"{target.display_name} is a {target.role}.")
    return target


def _audit(
    conn: Connection,
    user: Any,
    device_id: str,
    action: str,
    target: str,
    detail: str,
    at: str,
) -> None:
    conn.execute(
        schema.audit.insert().values(
            at=at,
            user_id=user.user_id,
            device_id=device_id,
            action=action,
            target=target,
            detail=detail,
        )
    )


def _exception_rows(
    conn: Connection,
    *,
    status: str | None = None,
    ids: list[int] | None = None,
    limit: int = 200,
) -> list[ExceptionRow]:
    x, f = schema.exceptions.c, schema.floor_tasks.c
    task = (
        select(func.max(f.id))
        .where(f.exception_id == x.id)
        .correlate(schema.exceptions)
        .scalar_subquery()
    )
    query = select(schema.exceptions, task.label("floor_task_id"))
    if status:
        query = query.where(x.status == status)
    if ids is not None:
        query = query.where(x.id.in_(ids))
    rows = conn.execute(query.order_by(x.id.desc()).limit(limit)).all()
    fields = set(ExceptionRow.model_fields)
    return [
        ExceptionRow.model_validate(
            {k: v for k, v in row._asdict().items() if k in fields}
        )
        for row in rows
    ]
