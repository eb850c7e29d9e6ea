"""Setting up a site: devices enrolled with their tokens."""

from __future__ import annotations

from sqlalchemy import Engine, insert, select, update

from stock_service import schema
from stock_service.auth import new_token, token_hash


def enroll_device(engine: Engine, device_id: str) -> tuple[str, bool]:
    """A fresh token for ``device_id``, and whether the device is new.

    An enrolled device gets a new token and its old one stops working; what it
    already delivered, and its place in its sequence, stay.
    """
    token = new_token()
    devices = schema.devices.c
    with engine.begin() as conn:
        known = conn.execute(
            select(devices.device_id).where(devices.device_id == device_id)
        ).first()
        if known is None:
            conn.execute(
                insert(schema.devices).values(
                    device_id=device_id, token_hash=token_hash(token), last_seq=0
                )
            )
        else:
            conn.execute(
                update(schema.devices)
                .where(devices.device_id == device_id)
                .values(token_hash=token_hash(token))
            )
    return token, known is None
