"""The bench's journal: SSCCs taken once, across restarts, with their carton."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from labels.sscc import verify_sscc
from offline_store.journal import Journal
from offline_store.packing import NoSSCCLeft, PackingJournal
from wire import PackedItem, SSCCBlock


def close(bench: PackingJournal, render: Any = None) -> str:
    carton, _ = bench.close_carton(
        user_id=3,
        order_id="536365",
        carton="BOX-S",
        weight_kg="0.500",
        contents=[PackedItem(sku="85123A", quantity=2, tote="T0001")],
        set_aside=[],
        closes_order=True,
        render=render or (lambda sscc, job: f"^XA^FD{sscc}^FS^XZ"),
    )
    return carton.sscc


def test_an_sscc_is_taken_once_across_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    journal = Journal(path, device_id="bench-1")
    bench = PackingJournal(journal)
    bench.add_block(SSCCBlock(prefix="09506000", first=1, last=2))
    bench.add_block(SSCCBlock(prefix="09506000", first=1, last=2))  # said twice
    first = close(bench)
    journal.close()

    journal = Journal(path, device_id="bench-1")
    bench = PackingJournal(journal)
    second = close(bench)

    assert [verify_sscc(first), verify_sscc(second)] == [
        "095060000000000015",
        "095060000000000022",
    ]
    with pytest.raises(NoSSCCLeft, match="reserve more"):
        close(bench)
    assert journal.queued() == 2
    journal.close()


def test_a_close_that_fails_midway_uses_no_sscc_and_queues_nothing(
    tmp_path: Path,
) -> None:
    journal = Journal(tmp_path / "journal.db", device_id="bench-1")
    bench = PackingJournal(journal)
    bench.add_block(SSCCBlock(prefix="09506000", first=1, last=5))

    def broken(sscc: str, job: str) -> str:
        raise RuntimeError("the template failed")

    with pytest.raises(RuntimeError):
        close(bench, broken)

    assert bench.ssccs_left() == 5
    assert journal.queued() == 0
    assert close(bench) == "095060000000000015"
    journal.close()
