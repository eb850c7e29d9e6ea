"""The numbered migrations build exactly the schema the code uses."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from stock_service.db import make_engine, migrate, schema_version
from stock_service.schema import metadata


def test_migrating_an_empty_database_gives_the_schema_of_the_code(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'stock.db'}")
    migrate(engine)

    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()

    assert differences == []


def test_migrating_twice_changes_nothing(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'stock.db'}")
    migrate(engine)
    version = schema_version(engine)
    migrate(engine)

    assert schema_version(engine) == version is not None
    engine.dispose()
