"""Alembic environment: runs migrations on the connection the service hands in."""

from __future__ import annotations

from alembic import context

from stock_service.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata)
with context.begin_transaction():
    context.run_migrations()
