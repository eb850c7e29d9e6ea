"""``pickwise serve``: the stock service alone."""

from __future__ import annotations

import logging
import sys

import uvicorn

from pickwise.paths import data_dir
from stock_service.app import create_app
from stock_service.db import make_engine, migrate
from stock_service.demo.build import ensure_demo
from stock_service.errors import StockServiceError

log = logging.getLogger("stock_service")


def run_serve(*, db_url: str | None, host: str, port: int, demo: bool) -> int:
    """Migrate the database, then serve until stopped."""
    if db_url is None:
        path = data_dir(None, "service", "stock.db")
        if demo:
            ensure_demo(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        db_url = f"sqlite:///{path}"
    try:
        engine = make_engine(db_url)
        migrate(engine)
    except StockServiceError as exc:
        print(f"pickwise serve: {exc}", file=sys.stderr)
        return 2
    uvicorn.run(create_app(engine), host=host, port=port, log_level="warning")
    return 0
