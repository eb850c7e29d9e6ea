"""Master data on the device: which product a code names, where locations are, and
the warehouse layout that routes are re-planned on."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path

from offline_store.sqlite import Store
from wire import Barcode, Location, Product, SiteLayout

Row = Product | Barcode | Location | SiteLayout

_TABLES: dict[str, tuple[str, type[Row]]] = {
    "products": ("sku", Product),
    "barcodes": ("code", Barcode),
    "locations": ("code", Location),
    "layouts": ("name", SiteLayout),
}
KINDS = tuple(_TABLES)


class MasterData:
    """``master.db``: a first load fills a new file that replaces the old whole."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._store = Store(self.path)
        _create_tables(self._store)

    def cursor(self, kind: str) -> int:
        """The newest change of ``kind`` held here."""
        with self._store.read() as db:
            row = db.execute(f"SELECT max(rev) FROM {kind}").fetchone()
        return int(row[0] or 0)

    def apply(self, kind: str, rows: Sequence[Row]) -> None:
        """Upsert changed rows of one kind."""
        pk, _ = _TABLES[kind]
        with self._store.write() as db:
            db.table(kind).upsert_all([row.model_dump() for row in rows], pk=pk)

    def replace(self, pages: dict[str, Sequence[Row]]) -> None:
        """Swap in a whole new copy; a crash midway leaves the old one intact."""
        fresh = self.path.with_name(self.path.name + ".new")
        for leftover in _files(fresh):
            leftover.unlink(missing_ok=True)
        store = Store(fresh)
        _create_tables(store)
        with store.write() as db:
            for kind, rows in pages.items():
                db.table(kind).insert_all(
                    [r.model_dump() for r in rows], pk=_TABLES[kind][0]
                )
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        store.close()
        with self._lock:
            self._store.close()
            os.replace(fresh, self.path)
            for stale in _files(self.path)[1:]:
                stale.unlink(missing_ok=True)
            _fsync_dir(self.path.parent)
            self._store = Store(self.path)

    def sku_for_code(self, code: str) -> str | None:
        """The product a barcode (GTIN as 14 digits, or stock code) names."""
        with self._lock, self._store.read() as db:
            row = db.execute(
                "SELECT sku FROM barcodes WHERE code = ?", [code]
            ).fetchone()
        return None if row is None else str(row[0])

    def gtin_for(self, sku: str) -> str | None:
        """The GTIN printed on a product, if it has one."""
        with self._lock, self._store.read() as db:
            row = db.execute(
                "SELECT code FROM barcodes WHERE sku = ? AND kind = 'gtin'", [sku]
            ).fetchone()
        return None if row is None else str(row[0])

    def product(self, sku: str) -> Product | None:
        """A product by its stock code."""
        with self._lock, self._store.read() as db:
            rows = list(db.table("products").rows_where("sku = ?", [sku]))
        return Product.model_validate(rows[0]) if rows else None

    def location(self, code: str) -> Location | None:
        """A location by its code."""
        with self._lock, self._store.read() as db:
            rows = list(db.table("locations").rows_where("code = ?", [code]))
        return Location.model_validate(rows[0]) if rows else None

    def layout(self) -> SiteLayout | None:
        """The warehouse layout held here (the first by name), if any."""
        with self._lock, self._store.read() as db:
            rows = list(db.table("layouts").rows_where(order_by="name", limit=1))
        return SiteLayout.model_validate(rows[0]) if rows else None

    def is_empty(self) -> bool:
        """Whether nothing was loaded yet."""
        return self.cursor("barcodes") == 0

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._store.close()


def _create_tables(store: Store) -> None:
    with store.write() as db:
        for kind, (pk, model) in _TABLES.items():
            columns = {
                name: (int if info.annotation is int else str)
                for name, info in model.model_fields.items()
            }
            db.table(kind).create(columns, pk=pk, if_not_exists=True)
            db.table(kind).create_index(["rev"], if_not_exists=True)


def _files(path: Path) -> list[Path]:
    return [
        path,
        path.with_name(path.name + "-wal"),
        path.with_name(path.name + "-shm"),
    ]


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
