"""Supervision: PIN lock-out and session ends, order and wave priority and
cut-off, who picked a line, exceptions with their resolution, floor tasks
(return, recount), the audit trail and events.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column("failed_pins", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column(
        "users", sa.Column("locked_until", sa.String(length=32), nullable=True)
    )
    op.add_column(
        "sessions", sa.Column("expires_at", sa.String(length=32), nullable=True)
    )
    op.add_column(
        "sessions", sa.Column("ended_at", sa.String(length=32), nullable=True)
    )
    op.add_column(
        "orders",
        sa.Column("priority", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column("orders", sa.Column("cutoff", sa.String(length=32), nullable=True))
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("target", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "events",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_table(
        "floor_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("sku", sa.String(length=32), nullable=False),
        sa.Column("location", sa.String(length=32), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=True),
        sa.Column("exception_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["exception_id"],
            ["exceptions.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.add_column("exceptions", sa.Column("wave_id", sa.Integer(), nullable=True))
    op.add_column("exceptions", sa.Column("user_id", sa.Integer(), nullable=True))
    op.add_column("exceptions", sa.Column("sku", sa.String(length=32), nullable=True))
    op.add_column(
        "exceptions", sa.Column("location", sa.String(length=32), nullable=True)
    )
    op.add_column("exceptions", sa.Column("quantity", sa.Integer(), nullable=True))
    op.add_column(
        "exceptions", sa.Column("resolution", sa.String(length=32), nullable=True)
    )
    op.add_column("exceptions", sa.Column("resolved_by", sa.Integer(), nullable=True))
    op.add_column(
        "exceptions", sa.Column("resolved_at", sa.String(length=32), nullable=True)
    )
    op.create_index("ix_exceptions_status", "exceptions", ["status"], unique=False)
    op.add_column("pick_tasks", sa.Column("picked_by", sa.Integer(), nullable=True))
    op.add_column(
        "pick_tasks", sa.Column("picked_at", sa.String(length=32), nullable=True)
    )
    op.add_column(
        "waves", sa.Column("priority", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column("waves", sa.Column("cutoff", sa.String(length=32), nullable=True))
    op.add_column(
        "waves", sa.Column("assigned_at", sa.String(length=32), nullable=True)
    )
