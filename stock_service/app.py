"""The stock service's HTTP API (FastAPI), built around one database engine."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import (
    APIRouter,
    FastAPI,
    Header,
    Query,
    Request,
    Response,
)
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, insert, select, update

from stock_service import events, packing, schema, supervise
from stock_service.auth import new_token, pin_matches, token_hash
from stock_service.confirm import ConflictRule, apply_batch, now
from stock_service.http import DeviceDep, EngineDep, OperatorDep, Refused
from wire import (
    API,
    Barcode,
    BatchResult,
    ConfirmationBatch,
    LedgerEntry,
    Location,
    MasterPage,
    PickTask,
    Product,
    Session,
    SessionRequest,
    SiteLayout,
    StockRow,
    Wave,
)

MASTER: dict[str, tuple[Any, type[Product | Barcode | Location | SiteLayout]]] = {
    "products": (schema.products, Product),
    "barcodes": (schema.barcodes, Barcode),
    "locations": (schema.locations, Location),
    "layouts": (schema.layouts, SiteLayout),
}


def create_app(engine: Engine, *, conflict: ConflictRule | None = None) -> FastAPI:
    """The API over ``engine``, whose schema is already migrated.

    ``conflict`` adds a business rule that may refuse confirmations (the fault
    harness uses it to refuse a share as "stock changed").
    """
    app = FastAPI(title="pickwise stock service", version="1")
    app.state.engine = engine
    app.state.conflict = conflict
    app.add_exception_handler(Refused, _refused)  # type: ignore[arg-type]
    app.include_router(router)
    app.include_router(supervise.router)
    app.include_router(packing.router)
    return app


async def _refused(_request: Request, exc: Refused) -> JSONResponse:
    body = {"type": exc.type, "detail": exc.detail}
    return JSONResponse(body, status_code=exc.status_code)


router = APIRouter()

PIN_TRIES = 5
PIN_LOCK = timedelta(minutes=15)
SESSION_LENGTH = timedelta(hours=12)
"""A session lasts a long shift; then the operator signs in again."""


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.post(f"{API}/sessions", response_model=Session)
def sign_in(engine: EngineDep, body: SessionRequest, device_id: DeviceDep) -> Session:
    """Sign in with a badge, or with a user name and PIN.

    After ``PIN_TRIES`` wrong PINs in a row a user's PIN sign-in is locked for
    ``PIN_LOCK``; a badge still works, and a right PIN afterwards starts over.
    """
    at = now()
    with engine.begin() as conn:
        user = (
            _badge_user(conn, body.badge) if body.badge else _pin_user(conn, body, at)
        )
    if user is None:  # refused once the wrong PIN is counted
        raise Refused(401, "wrong_pin", "Wrong user or PIN.")
    token = new_token()
    with engine.begin() as conn:
        conn.execute(
            update(schema.users)
            .where(schema.users.c.user_id == user.user_id)
            .values(failed_pins=0, locked_until=None)
        )
        conn.execute(
            insert(schema.sessions).values(
                token_hash=token_hash(token),
                user_id=user.user_id,
                device_id=device_id,
                created_at=at,
                expires_at=_later(at, SESSION_LENGTH),
            )
        )
    return Session(
        token=token,
        user_id=user.user_id,
        user_name=user.user_name,
        display_name=user.display_name,
        role=user.role,
    )


def _badge_user(conn: Any, badge: str) -> Any:
    user = conn.execute(
        select(schema.users).where(schema.users.c.badge == badge)
    ).first()
    if user is None:
        raise Refused(401, "badge_unknown", "This badge is not known.")
    return user


def _pin_user(conn: Any, body: SessionRequest, at: str) -> Any:
    """The user whose PIN this is; None (the miss counted) when it is not."""
    user = conn.execute(
        select(schema.users).where(schema.users.c.user_name == (body.user or ""))
    ).first()
    if user is not None and (user.locked_until or "") > at:
        raise Refused(
            423,
            "locked",
            f"Too many wrong PINs for {user.user_name}: try again at"
            f" {user.locked_until[11:16]} or ask a supervisor.",
        )
    if user is not None and pin_matches(body.pin or "", user.pin_hash):
        return user
    if user is not None:
        _wrong_pin(conn, user, at)
    return None


@router.delete(f"{API}/sessions", status_code=204)
def sign_out(
    engine: EngineDep,
    device_id: DeviceDep,
    authorization: Annotated[str | None, Header()] = None,
) -> Response:
    """End the caller's session: its token works no more."""
    token = (authorization or "").removeprefix("Bearer ")
    s = schema.sessions.c
    with engine.begin() as conn:
        conn.execute(
            update(schema.sessions)
            .where(
                s.token_hash == token_hash(token),
                s.device_id == device_id,
                s.ended_at.is_(None),
            )
            .values(ended_at=now())
        )
    return Response(status_code=204)


def _wrong_pin(conn: Any, user: Any, at: str) -> None:
    failed = user.failed_pins + 1
    locked = _later(at, PIN_LOCK) if failed >= PIN_TRIES else None
    conn.execute(
        update(schema.users)
        .where(schema.users.c.user_id == user.user_id)
        .values(failed_pins=0 if locked else failed, locked_until=locked)
    )


def _later(at: str, span: timedelta) -> str:
    return (datetime.fromisoformat(at) + span).isoformat(timespec="milliseconds")


@router.get(f"{API}/master/{{kind}}", response_model=MasterPage)
def master(
    engine: EngineDep,
    kind: str,
    _device: DeviceDep,
    cursor: int = 0,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> MasterPage:
    """Master data rows changed since ``cursor``, oldest change first."""
    if kind not in MASTER:
        raise Refused(404, "not_found", f"No master data called {kind}.")
    table, model = MASTER[kind]
    with engine.connect() as conn:
        rows = conn.execute(
            select(table)
            .where(table.c.rev > cursor)
            .order_by(table.c.rev)
            .limit(limit + 1)
        ).all()
    page = [model.model_validate(row._asdict()) for row in rows[:limit]]
    next_cursor = page[-1].rev if page else cursor
    return MasterPage(items=page, next_cursor=next_cursor, more=len(rows) > limit)


@router.get(
    f"{API}/work/next",
    response_model=Wave,
    responses={204: {"description": "no work for this user"}},
)
def next_work(engine: EngineDep, user: OperatorDep) -> Wave | Response:
    """The wave this user is on, or the next released one, claimed for them."""
    wave_id = _claim_wave(engine, user.user_id)
    if wave_id is None:
        return Response(status_code=204)
    return _load_wave(engine, wave_id)


@router.post(f"{API}/confirmations", response_model=BatchResult)
def confirm(
    request: Request,
    engine: EngineDep,
    body: ConfirmationBatch,
    device_id: DeviceDep,
) -> BatchResult:
    """Apply a batch of one device's confirmations, one outcome each."""
    for c in body.confirmations:
        if c.device_id != device_id:
            raise Refused(403, "wrong_device", "Confirmations of another device.")
    outcomes = apply_batch(
        engine, device_id, body.confirmations, conflict=request.app.state.conflict
    )
    return BatchResult(outcomes=outcomes)


@router.get(f"{API}/stock", response_model=list[StockRow])
def stock(
    engine: EngineDep,
    _device: DeviceDep,
    location: str | None = None,
    product: str | None = None,
) -> list[StockRow]:
    """On-hand quantities, filtered by location and product."""
    s = schema.stock.c
    query = select(s.location, s.sku, s.lot, s.quantity).order_by(s.id)
    if location:
        query = query.where(schema.stock.c.location == location)
    if product:
        query = query.where(schema.stock.c.sku == product)
    with engine.connect() as conn:
        rows = conn.execute(query.limit(5000)).all()
    return [StockRow.model_validate(row._asdict()) for row in rows]


@router.get(f"{API}/ledger", response_model=list[LedgerEntry])
def ledger(
    engine: EngineDep,
    _device: DeviceDep,
    after: int = 0,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> list[LedgerEntry]:
    """Stock movements after sequence ``after``, in order."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(schema.ledger)
            .where(schema.ledger.c.seq > after)
            .order_by(schema.ledger.c.seq)
            .limit(limit)
        ).all()
    return [LedgerEntry.model_validate(row._asdict()) for row in rows]


def _claim_wave(engine: Engine, user_id: int) -> int | None:
    """The user's assigned wave, else the most urgent released one, claimed."""
    waves = schema.waves.c
    with engine.begin() as conn:
        mine = conn.execute(
            select(waves.wave_id)
            .where(waves.assigned_to == user_id, waves.status == "assigned")
            .order_by(waves.wave_id)
        ).scalar()
        if mine is not None:
            return int(mine)
        free = conn.execute(
            select(waves.wave_id)
            .where(waves.status == "released", waves.assigned_to.is_(None))
            .order_by(
                waves.priority.desc(),
                waves.cutoff.is_(None),
                waves.cutoff,
                waves.wave_id,
            )
        ).scalar()
        if free is None:
            return None
        at = now()
        conn.execute(
            update(schema.waves)
            .where(waves.wave_id == free)
            .values(status="assigned", assigned_to=user_id, assigned_at=at)
        )
        body = {"wave_id": free, "status": "assigned", "assigned_to": user_id}
        events.publish(conn, "wave", body, at)
        return int(free)


def _load_wave(engine: Engine, wave_id: int) -> Wave:
    tasks = schema.pick_tasks.c
    with engine.connect() as conn:
        wave = conn.execute(
            select(schema.waves).where(schema.waves.c.wave_id == wave_id)
        ).one()
        totes = conn.execute(
            select(schema.totes.c.code, schema.totes.c.order_id).where(
                schema.totes.c.wave_id == wave_id
            )
        ).all()
        rows = conn.execute(
            select(schema.pick_tasks, schema.products.c.description)
            .join(schema.products)
            .where(tasks.wave_id == wave_id, tasks.status == "open")
            .order_by(tasks.seq)
        ).all()
    return Wave(
        wave_id=wave.wave_id,
        name=wave.name,
        totes={code: order for code, order in totes},
        tasks=[
            PickTask(
                task_id=row.task_id,
                order_id=row.order_id,
                sku=row.sku,
                description=row.description,
                location=row.location,
                quantity=row.quantity,
                tote=row.tote,
                seq=row.seq,
            )
            for row in rows
        ],
        planned_length_m=wave.planned_length_m,
        sshape_length_m=wave.sshape_length_m,
        code_order_length_m=wave.code_order_length_m,
    )
