"""``pickwise enroll``: a device's token, for ``pickwise terminal --token-file``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from sqlalchemy.exc import ArgumentError

from pickwise.paths import data_dir
from stock_service.admin import enroll_device
from stock_service.db import make_engine, migrate
from stock_service.errors import StockServiceError


def run_enroll(*, device_id: str, db_url: str | None, token_file: str | None) -> int:
    """Enroll ``device_id`` (or give it a new token) and hand the token over."""
    if not device_id or len(device_id) > 64 or not device_id.isprintable():
        print("pickwise enroll: a device id is 1 to 64 printable characters.")
        return 2
    url = db_url or f"sqlite:///{data_dir(None, 'service', 'stock.db')}"
    try:
        engine = make_engine(url)
    except ArgumentError as exc:
        print(f"pickwise enroll: the database URL cannot be used: {exc}")
        return 2
    try:
        migrate(engine)
        token, new = enroll_device(engine, device_id)
    except StockServiceError as exc:
        print(f"pickwise enroll: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    said = "enrolled" if new else "given a new token (the old one no longer works)"
    if token_file is None:
        print(token)
        print(f"{device_id} {said}.", file=sys.stderr)
        return 0
    path = Path(token_file)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(token + "\n")
    print(f"{device_id} {said}; its token is in {path}.", file=sys.stderr)
    return 0
