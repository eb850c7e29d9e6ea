"""Packing: site settings (the GS1 company prefix), SSCC blocks reserved for
devices, closed cartons and what is in them, and the two areas stock passes
through after picking: the packing area and shipped.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Stock areas, not pick locations: rev 0 keeps them out of the devices'
# master data, whose cursors start at 0.
AREAS = ("PACK", "SHIPPED")


def upgrade() -> None:
    op.create_table(
        "settings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "packages",
        sa.Column("sscc", sa.String(length=18), nullable=False),
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("carton", sa.String(length=32), nullable=False),
        sa.Column("weight_kg", sa.String(length=16), nullable=True),
        sa.Column("closes_order", sa.Boolean(), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("packed_by", sa.Integer(), nullable=False),
        sa.Column("packed_at", sa.String(length=32), nullable=False),
        sa.Column("shipped_at", sa.String(length=32), nullable=True),
        sa.Column("pack_op_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.order_id"]),
        sa.PrimaryKeyConstraint("sscc"),
    )
    op.create_index(
        op.f("ix_packages_order_id"), "packages", ["order_id"], unique=False
    )
    op.create_table(
        "sscc_blocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("first", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("reserved_at", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["devices.device_id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("prefix", "first"),
    )
    op.create_table(
        "package_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sscc", sa.String(length=18), nullable=False),
        sa.Column("sku", sa.String(length=32), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("tote", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(["sscc"], ["packages.sscc"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_package_items_sscc"), "package_items", ["sscc"], unique=False
    )
    locations = sa.table(
        "locations",
        sa.column("code", sa.String),
        sa.column("aisle", sa.String),
        sa.column("bay", sa.String),
        sa.column("level", sa.String),
        sa.column("check_digits", sa.String),
        sa.column("walk_seq", sa.Integer),
        sa.column("rev", sa.Integer),
    )
    op.bulk_insert(
        locations,
        [
            {
                "code": code,
                "aisle": "",
                "bay": "",
                "level": "",
                "check_digits": "",
                "walk_seq": 0,
                "rev": 0,
            }
            for code in AREAS
        ],
    )
