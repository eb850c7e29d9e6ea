"""Opening device databases with the durability we promise."""

from __future__ import annotations

import logging
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from offline_store.errors import DiskFullError, StoreDamagedError, StoreSettingsError

log = logging.getLogger("offline_store")


class Store:
    """One SQLite file with a single writer: every write is BEGIN IMMEDIATE.

    The file is checked when opened: WAL with synchronous=FULL, or we refuse
    to start; ``quick_check``, or (with ``recover``) the damaged file is
    copied aside and what can still be read is carried into a fresh one.
    """

    def __init__(self, path: Path | str, *, recover: bool = False) -> None:
        self.path = Path(path)
        self.recovered_from: Path | None = None
        self._lock = threading.RLock()
        try:
            self.db = self._open()
            self._check_integrity()
        except StoreDamagedError:
            if not recover:
                raise
            self.recovered_from = _salvage(self.path)
            self.db = self._open()

    def _open(self) -> sqlite_utils.Database:
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        try:
            _check_settings(conn, self.path.name)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreDamagedError(f"{self.path.name} cannot be read: {exc}") from exc
        except StoreSettingsError:
            conn.close()
            raise
        return sqlite_utils.Database(conn)

    def _check_integrity(self) -> None:
        try:
            rows = self.db.conn.execute("PRAGMA quick_check").fetchall()
        except sqlite3.DatabaseError as exc:
            rows = [(str(exc),)]
        if rows != [("ok",)]:
            self.db.close()
            raise StoreDamagedError(
                f"{self.path.name} failed its integrity check: {rows[0][0]}"
            )

    @contextmanager
    def write(self) -> Iterator[sqlite_utils.Database]:
        """One write transaction; committed when the block ends without error."""
        with self._lock:
            try:
                self.db.conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self.db
                except BaseException:
                    # SQLite has already rolled back after some errors (SQLITE_FULL).
                    if self.db.conn.in_transaction:
                        self.db.conn.execute("ROLLBACK")
                    raise
                self.db.conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                if self.db.conn.in_transaction:
                    self.db.conn.execute("ROLLBACK")
                if "full" in str(exc):
                    raise DiskFullError(
                        "The device storage is full: nothing was saved."
                    ) from exc
                raise

    @contextmanager
    def read(self) -> Iterator[sqlite_utils.Database]:
        """Short reads under the same lock, so no reader outlives its call."""
        with self._lock:
            yield self.db

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self.db.close()


def _check_settings(conn: sqlite3.Connection, name: str) -> None:
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    sync = conn.execute("PRAGMA synchronous").fetchone()[0]
    if mode != "wal" or sync != 2:
        raise StoreSettingsError(
            f"{name} runs with journal_mode={mode}, synchronous={sync};"
            " confirmations need WAL with synchronous=FULL"
        )


def _salvage(path: Path) -> Path:
    """Copy a damaged file aside and refill ``path`` with its readable rows."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        source = path.with_name(path.name + suffix)
        if source.exists():
            shutil.copy2(source, aside.with_name(aside.name + suffix))
    for suffix in ("-wal", "-shm", ""):
        path.with_name(path.name + suffix).unlink(missing_ok=True)

    rows = 0
    with (
        closing(sqlite3.connect(aside, isolation_level=None)) as old,
        closing(sqlite3.connect(path, isolation_level=None)) as new,
    ):
        _check_settings(new, path.name)
        new.execute("BEGIN IMMEDIATE")
        for table, sql in _tables(old):
            new.execute(sql)
            rows += _copy_rows(old, new, table)
        new.execute("COMMIT")
    log.warning(
        "store.recovered",
        extra={"file": path.name, "aside": aside.name, "rows": rows},
    )
    return aside


def _tables(old: sqlite3.Connection) -> list[tuple[str, str]]:
    try:
        return old.execute(
            "SELECT name, sql FROM sqlite_master"
            " WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
    except sqlite3.DatabaseError:
        return []


def _copy_rows(old: sqlite3.Connection, new: sqlite3.Connection, table: str) -> int:
    """Copy rows in rowid order, stepping over the ones that cannot be read."""
    copied, after, misses = 0, -(2**63), 0
    while misses < 1000:
        try:
            row = old.execute(
                f'SELECT rowid, * FROM "{table}" WHERE rowid > ? ORDER BY rowid'
                " LIMIT 1",
                [after],
            ).fetchone()
        except sqlite3.DatabaseError:
            after, misses = after + 1, misses + 1
            continue
        if row is None:
            break
        after = row[0]
        marks = ", ".join("?" * (len(row) - 1))
        new.execute(f'INSERT OR IGNORE INTO "{table}" VALUES ({marks})', row[1:])
        copied += 1
    return copied
