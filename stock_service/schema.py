"""Tables of the stock service (SQLAlchemy Core)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

products = Table(
    "products",
    metadata,
    Column("sku", String(32), primary_key=True),
    Column("description", Text, nullable=False),
    Column("rev", Integer, nullable=False, index=True),
)

barcodes = Table(
    "barcodes",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("sku", ForeignKey("products.sku"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("rev", Integer, nullable=False, index=True),
)

locations = Table(
    "locations",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("aisle", String(8), nullable=False),
    Column("bay", String(8), nullable=False),
    Column("level", String(8), nullable=False),
    Column("check_digits", String(4), nullable=False),
    Column("walk_seq", Integer, nullable=False),
    Column("rev", Integer, nullable=False, index=True),
)

layouts = Table(
    "layouts",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("body", Text, nullable=False),  # the layout file's keys, as JSON
    Column("rev", Integer, nullable=False, index=True),
)

stock = Table(
    "stock",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("location", ForeignKey("locations.code"), nullable=False),
    Column("sku", ForeignKey("products.sku"), nullable=False),
    Column("lot", String(32), nullable=False, default=""),
    Column("quantity", Integer, nullable=False),
    UniqueConstraint("location", "sku", "lot"),
    Index("ix_stock_sku", "sku"),
)

orders = Table(
    "orders",
    metadata,
    Column("order_id", String(32), primary_key=True),
    Column("customer", String(32), nullable=False),
    Column("country", String(64), nullable=False),
    Column("placed_at", String(32), nullable=False),
    Column("priority", Integer, nullable=False, server_default="0"),  # higher first
    Column("cutoff", String(32), nullable=True),  # when the carrier collects
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", ForeignKey("orders.order_id"), nullable=False, index=True),
    Column("line_no", Integer, nullable=False),
    Column("sku", ForeignKey("products.sku"), nullable=False),
    Column("quantity", Integer, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("user_id", Integer, primary_key=True),
    Column("user_name", String(64), nullable=False, unique=True),
    Column("display_name", String(128), nullable=False),
    Column("badge", String(64), nullable=False, unique=True),
    Column("pin_hash", String(256), nullable=False),
    Column("role", String(16), nullable=False),
    Column("failed_pins", Integer, nullable=False, server_default="0"),
    Column("locked_until", String(32), nullable=True),  # PIN sign-in refused till
)

devices = Table(
    "devices",
    metadata,
    Column("device_id", String(64), primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("last_seq", Integer, nullable=False, default=0),
)

sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", ForeignKey("users.user_id"), nullable=False),
    Column("device_id", ForeignKey("devices.device_id"), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("expires_at", String(32), nullable=True),  # none: sessions of old
    Column("ended_at", String(32), nullable=True),  # signed out
)

waves = Table(
    "waves",
    metadata,
    Column("wave_id", Integer, primary_key=True),
    Column("name", String(32), nullable=False),
    # held, released, assigned, done, cancelled
    Column("status", String(16), nullable=False),
    Column("assigned_to", ForeignKey("users.user_id"), nullable=True, index=True),
    Column("priority", Integer, nullable=False, server_default="0"),  # higher first
    Column("cutoff", String(32), nullable=True),  # when the carrier collects
    Column("assigned_at", String(32), nullable=True),
    # Metres of the planned route, and of S-shape and of location-code order.
    Column("planned_length_m", Float, nullable=True),
    Column("sshape_length_m", Float, nullable=True),
    Column("code_order_length_m", Float, nullable=True),
)

totes = Table(
    "totes",
    metadata,
    Column("code", String(16), primary_key=True),
    Column("wave_id", ForeignKey("waves.wave_id"), nullable=True, index=True),
    Column("order_id", ForeignKey("orders.order_id"), nullable=True),
)

pick_tasks = Table(
    "pick_tasks",
    metadata,
    Column("task_id", Integer, primary_key=True),
    Column("wave_id", ForeignKey("waves.wave_id"), nullable=False, index=True),
    Column("order_line_id", ForeignKey("order_lines.id"), nullable=False),
    Column("order_id", ForeignKey("orders.order_id"), nullable=False),
    Column("sku", ForeignKey("products.sku"), nullable=False),
    Column("location", ForeignKey("locations.code"), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("tote", ForeignKey("totes.code"), nullable=False),
    Column("seq", Integer, nullable=False),
    # open, picked, short, cancelled
    Column("status", String(16), nullable=False, default="open"),
    Column("picked_qty", Integer, nullable=False, default=0),
    Column("picked_by", Integer, nullable=True),
    Column("picked_at", String(32), nullable=True),  # the service's clock
)

ledger = Table(
    "ledger",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("sku", String(32), nullable=False),
    Column("location", String(32), nullable=False),
    Column("lot", String(32), nullable=False),
    Column("delta", Integer, nullable=False),
    Column("reason", String(32), nullable=False),
    Column("task_id", Integer, nullable=True),
    Column("op_id", String(36), nullable=True, index=True),
    Column("device_id", String(64), nullable=True),
    Column("user_id", Integer, nullable=True),
    Column("at", String(32), nullable=False),
)

confirmations = Table(
    "confirmations",
    metadata,
    Column("op_id", String(36), primary_key=True),
    Column("device_id", ForeignKey("devices.device_id"), nullable=False),
    Column("device_seq", Integer, nullable=False),
    Column("payload_hash", String(64), nullable=False),
    Column("outcome", Text, nullable=False),
    Column("received_at", String(32), nullable=False),
    UniqueConstraint("device_id", "device_seq"),
)

exceptions = Table(
    "exceptions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("task_id", Integer, nullable=True),
    Column("op_id", String(36), nullable=True),
    Column("detail", Text, nullable=False),
    Column("status", String(16), nullable=False, default="open"),  # open, resolved
    Column("created_at", String(32), nullable=False),
    Column("wave_id", Integer, nullable=True),
    Column("user_id", Integer, nullable=True),
    Column("sku", String(32), nullable=True),
    Column("location", String(32), nullable=True),
    Column("quantity", Integer, nullable=True),
    Column("resolution", String(32), nullable=True),
    Column("resolved_by", Integer, nullable=True),
    Column("resolved_at", String(32), nullable=True),
    Index("ix_exceptions_status", "status"),
)

floor_tasks = Table(
    "floor_tasks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),  # return, recount
    Column("sku", String(32), nullable=False),
    Column("location", String(32), nullable=False),
    Column("quantity", Integer, nullable=True),
    Column("exception_id", ForeignKey("exceptions.id"), nullable=True),
    Column("status", String(16), nullable=False),  # open, done
    Column("created_at", String(32), nullable=False),
)

audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", String(32), nullable=False),
    Column("user_id", Integer, nullable=False),
    Column("device_id", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    Column("target", String(64), nullable=False),
    Column("detail", Text, nullable=False),
)

events = Table(
    "events",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("body", Text, nullable=False),  # JSON
    Column("at", String(32), nullable=False),
)

settings = Table(
    "settings",
    metadata,
    Column("key", String(64), primary_key=True),  # e.g. gs1_company_prefix
    Column("value", Text, nullable=False),
)

sscc_blocks = Table(
    "sscc_blocks",
    metadata,
    Column("id", Integer, primary_key=True),
    # The extension digit and the company prefix, as the block's SSCCs begin.
    Column("prefix", String(16), nullable=False),
    Column("first", Integer, nullable=False),
    Column("last", Integer, nullable=False),
    Column("device_id", ForeignKey("devices.device_id"), nullable=False),
    Column("reserved_at", String(32), nullable=False),
    UniqueConstraint("prefix", "first"),
)

packages = Table(
    "packages",
    metadata,
    Column("sscc", String(18), primary_key=True),
    Column("order_id", ForeignKey("orders.order_id"), nullable=False, index=True),
    Column("status", String(16), nullable=False),  # packed, shipped
    Column("carton", String(32), nullable=False),
    Column("weight_kg", String(16), nullable=True),  # an exact decimal, as text
    Column("closes_order", Boolean, nullable=False),
    Column("device_id", String(64), nullable=False),
    Column("packed_by", Integer, nullable=False),
    Column("packed_at", String(32), nullable=False),  # the service's clock
    Column("shipped_at", String(32), nullable=True),
    Column("pack_op_id", String(36), nullable=False),
)

package_items = Table(
    "package_items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sscc", ForeignKey("packages.sscc"), nullable=False, index=True),
    Column("sku", String(32), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("tote", String(16), nullable=True),
)
