"""What every endpoint shares: refusals, the engine, the calling device and
operator, and the roles an action needs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Request
from sqlalchemy import Engine, or_, select

from stock_service import schema
from stock_service.auth import token_hash
from stock_service.confirm import now
from wire import DEVICE_HEADER


class Refused(HTTPException):
    """A refusal with a stable type and a sentence a person can read."""

    def __init__(self, status: int, type_: str, detail: str) -> None:
        super().__init__(status_code=status, detail=detail)
        self.type = type_


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


EngineDep = Annotated[Engine, Depends(_engine)]


def device(
    engine: EngineDep,
    token: Annotated[str | None, Header(alias=DEVICE_HEADER)] = None,
) -> str:
    """The enrolled device making the call."""
    if not token:
        raise Refused(401, "device_unknown", "This device is not enrolled.")
    with engine.connect().execution_options(read_only=True) as conn:
        device_id = conn.execute(
            select(schema.devices.c.device_id).where(
                schema.devices.c.token_hash == token_hash(token)
            )
        ).scalar()
    if device_id is None:
        raise Refused(401, "device_unknown", "This device is not enrolled.")
    return str(device_id)


DeviceDep = Annotated[str, Depends(device)]


def operator(
    engine: EngineDep,
    device_id: DeviceDep,
    authorization: Annotated[str | None, Header()] = None,
) -> Any:
    """The operator signed in on this device."""
    token = (authorization or "").removeprefix("Bearer ")
    with engine.connect().execution_options(read_only=True) as conn:
        user = conn.execute(
            select(schema.users)
            .join(schema.sessions)
            .where(
                schema.sessions.c.token_hash == token_hash(token),
                schema.sessions.c.device_id == device_id,
                schema.sessions.c.ended_at.is_(None),
                or_(
                    schema.sessions.c.expires_at.is_(None),
                    schema.sessions.c.expires_at > now(),
                ),
            )
        ).first()
    if user is None:
        raise Refused(401, "signed_out", "Sign in again.")
    return user


OperatorDep = Annotated[Any, Depends(operator)]


def supervisor(user: OperatorDep) -> Any:
    """The signed-in operator, who must be a supervisor."""
    if user.role != "supervisor":
        raise Refused(
            403,
            "not_allowed",
            f"Only a supervisor may do this; {user.display_name} is a {user.role}.",
        )
    return user


SupervisorDep = Annotated[Any, Depends(supervisor)]
