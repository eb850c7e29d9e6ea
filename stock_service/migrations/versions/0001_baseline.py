"""Baseline: every table of the first release.

Revision ID: 0001
Revises:
"""

from alembic import op

from stock_service.schema import metadata

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The baseline is the schema module as released; later changes to the
    # schema come as their own numbered migrations on top of it.
    metadata.create_all(op.get_bind())
