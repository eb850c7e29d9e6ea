"""Logging to a file: a full-screen terminal has no room for log lines."""

from __future__ import annotations

import logging
from pathlib import Path

# What every LogRecord has; anything else came as ``extra=`` and is written out.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class EventFormatter(logging.Formatter):
    """``time logger LEVEL event key=value…``: the event name and its fields."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(name)s %(levelname)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = {k: v for k, v in vars(record).items() if k not in _STANDARD}
        if fields:
            line += " " + " ".join(f"{k}={v!r}" for k, v in fields.items())
        return line


def log_to_file(path: Path) -> None:
    """Send every named logger of pickwise to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(EventFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)
