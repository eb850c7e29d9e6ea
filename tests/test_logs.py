"""Log lines carry their event's fields."""

from __future__ import annotations

import logging

from pickwise.logs import EventFormatter


def test_a_log_line_names_the_event_and_its_fields() -> None:
    record = logging.makeLogRecord(
        {"name": "terminal", "levelname": "INFO", "msg": "scan", "source": "keyboard"}
    )
    line = EventFormatter().format(record)
    assert line.endswith("terminal INFO scan source='keyboard'")
