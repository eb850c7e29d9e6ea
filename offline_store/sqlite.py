"""Opening device databases with the durability we promise."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from offline_store.errors import DiskFullError, StoreDamagedError, StoreSettingsError


class Store:
    """One SQLite file with a single writer: every write is BEGIN IMMEDIATE."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self.db = sqlite_utils.Database(conn)
        self._lock = threading.RLock()
        self._check_settings()

    def _check_settings(self) -> None:
        conn = self.db.conn
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        sync = conn.execute("PRAGMA synchronous").fetchone()[0]
        if mode != "wal" or sync != 2:
            raise StoreSettingsError(
                f"{self.path.name} runs with journal_mode={mode}, synchronous={sync};"
                " confirmations need WAL with synchronous=FULL"
            )
        if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise StoreDamagedError(f"{self.path.name} failed its integrity check")

    @contextmanager
    def write(self) -> Iterator[sqlite_utils.Database]:
        """One write transaction; committed when the block ends without error."""
        with self._lock:
            try:
                self.db.conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self.db
                except BaseException:
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
