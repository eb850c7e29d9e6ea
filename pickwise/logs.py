"""Logging to a file: a full-screen terminal has no room for log lines."""

from __future__ import annotations

import logging
from pathlib import Path


def log_to_file(path: Path) -> None:
    """Send every named logger of pickwise to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)
