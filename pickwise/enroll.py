"""``pickwise enroll``: a device's token, for ``pickwise terminal --token-file``."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TextIO

from sqlalchemy.exc import ArgumentError

from pickwise.paths import data_dir
from stock_service.admin import enroll_device
from stock_service.db import make_engine, migrate
from stock_service.errors import StockServiceError


def run_enroll(*, device_id: str, db_url: str | None, token_file: str | None) -> int:
    """Enroll ``device_id`` (or give it a new token) and hand the token over.

    With ``token_file`` the file is made ready first, owner-only, so a path that
    cannot be written fails before the old token stops working.
    """
    if not device_id or len(device_id) > 64 or not device_id.isprintable():
        return _fail("a device id is 1 to 64 printable characters.")
    out = None
    if token_file is not None:
        try:
            out = _owner_only(Path(token_file))
        except OSError as exc:
            return _fail(f"cannot write {token_file}: {exc.strerror}.")
    url = db_url or f"sqlite:///{data_dir(None, 'service', 'stock.db')}"
    try:
        engine = make_engine(url)
    except ArgumentError as exc:
        return _fail(f"the database URL cannot be used: {exc}")
    try:
        migrate(engine)
        token, new = enroll_device(engine, device_id)
    except StockServiceError as exc:
        return _fail(str(exc))
    finally:
        engine.dispose()
    said = "enrolled" if new else "given a new token (the old one no longer works)"
    if out is None:
        print(token)
        print(f"{device_id} {said}.", file=sys.stderr)
        return 0
    with out:
        out.write(token + "\n")
    print(f"{device_id} {said}; its token is in {token_file}.", file=sys.stderr)
    return 0


def _owner_only(path: Path) -> TextIO:
    """``path`` opened for writing, readable by its owner alone, emptied."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.fchmod(descriptor, 0o600)  # an existing file keeps its mode otherwise
    os.ftruncate(descriptor, 0)
    return os.fdopen(descriptor, "w")


def _fail(reason: str) -> int:
    print(f"pickwise enroll: {reason}", file=sys.stderr)
    return 2
