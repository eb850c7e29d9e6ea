"""The device journal: refuses weak settings, survives damage and a full disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from offline_store.errors import DiskFullError, StoreSettingsError
from offline_store.journal import Journal
from offline_store.sqlite import Store
from wire import PickTask, Wave

TASKS = [
    PickTask(
        task_id=i,
        order_id=f"O{i}",
        sku=f"SKU{i}",
        description="a thing",
        location="A-01-1",
        quantity=1,
        tote="T001",
        seq=i,
    )
    for i in range(1, 41)
]


def journal_with_tasks(path: Path) -> Journal:
    journal = Journal(path, device_id="demo-1")
    journal.load_wave(Wave(wave_id=1, name="W1", totes={}, tasks=TASKS), user_id=1)
    return journal


def confirm(journal: Journal, count: int) -> list[int]:
    return [
        journal.confirm(
            TASKS[i % len(TASKS)], kind="pick", user_id=1, quantity=1
        ).device_seq
        for i in range(count)
    ]


def test_a_database_that_cannot_run_wal_is_refused() -> None:
    with pytest.raises(StoreSettingsError, match="WAL with synchronous=FULL"):
        Store(":memory:")


def test_every_connection_runs_wal_with_full_synchronous(tmp_path: Path) -> None:
    store = Store(tmp_path / "journal.db")
    conn = store.db.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2
    store.close()


def test_a_damaged_journal_is_copied_aside_and_its_outbox_recovered(
    tmp_path: Path,
) -> None:
    path = tmp_path / "journal.db"
    journal = journal_with_tasks(path)
    confirm(journal, 400)
    journal.close()  # the last close folds the WAL into the file
    size = path.stat().st_size
    with path.open("r+b") as damaged:  # garbage over a page in the middle
        damaged.seek((size // 4096 // 2) * 4096)
        damaged.write(b"\xa5" * 4096)
    damaged_bytes = path.read_bytes()

    journal = Journal(path, device_id="demo-1")

    assert journal.store.recovered_from is not None
    assert journal.store.recovered_from.read_bytes() == damaged_bytes
    assert journal.store.db.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    recovered = journal.pending(limit=1000)
    assert 0 < len(recovered) <= 400
    seqs = [c.device_seq for c in recovered]
    assert seqs == sorted(seqs)
    assert confirm(journal, 1) == [max(400, *seqs) + 1]
    journal.close()


def test_a_full_disk_refuses_the_scan_and_keeps_the_queue(tmp_path: Path) -> None:
    journal = journal_with_tasks(tmp_path / "journal.db")
    confirm(journal, 3)
    conn = journal.store.db.conn
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")

    with pytest.raises(DiskFullError, match="storage is full"):
        for _ in range(500):  # until the free pages are used up
            confirm(journal, 1)
    queued = journal.queued()
    with pytest.raises(DiskFullError):
        confirm(journal, 1)
    assert journal.queued() == queued

    conn.execute("PRAGMA max_page_count = 1073741823")
    assert confirm(journal, 1) == [queued + 1]
    seqs = [c.device_seq for c in journal.pending(limit=1000)]
    assert seqs == list(range(1, queued + 2))
    journal.close()
