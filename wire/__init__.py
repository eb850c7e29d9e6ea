"""The wire format between terminals and the stock service, defined once.

Both sides import these models: the service validates requests and builds
responses with them, the terminal and its sync worker build requests and read
responses with them. This package imports nothing else of pickwise.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

API = "/v1"

Role = Literal["picker", "packer", "supervisor"]
Kind = Literal["pick", "short"]
Status = Literal["applied", "duplicate", "rejected", "gap"]

DEVICE_HEADER = "X-Device-Token"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SessionRequest(_Model):
    """Sign-in from an enrolled device: a badge, or a user name and PIN."""

    badge: str | None = None
    user: str | None = None
    pin: str | None = None


class Session(_Model):
    """A signed-in operator."""

    token: str
    user_id: int
    user_name: str
    display_name: str
    role: Role


class Product(_Model):
    """A stock-keeping unit."""

    sku: str
    description: str
    rev: int


class Barcode(_Model):
    """A code that names a product: a GTIN (14 digits) or its stock code."""

    code: str
    sku: str
    kind: Literal["gtin", "stock_code"]
    rev: int


class Location(_Model):
    """A pick location with the check digits printed on its label."""

    code: str
    aisle: str
    bay: str
    level: str
    check_digits: str
    walk_seq: int
    rev: int


class SiteLayout(_Model):
    """The warehouse layout that routes are planned on, sent with the master data.

    ``body`` holds the keys of a routing layout file as JSON, so that a device can
    plan routes offline.
    """

    name: str
    body: str
    rev: int


class MasterPage(_Model):
    """Master data rows changed since a cursor."""

    items: list[Product | Barcode | Location | SiteLayout]
    next_cursor: int
    more: bool


class PickTask(_Model):
    """One order line to pick into a tote."""

    task_id: int
    order_id: str
    sku: str
    description: str
    location: str
    quantity: int
    tote: str
    seq: int


class Wave(_Model):
    """A wave of orders picked together onto one cart of totes."""

    wave_id: int
    name: str
    totes: dict[str, str] = Field(description="tote code -> order id")
    tasks: list[PickTask]
    planned_length_m: float | None = Field(
        default=None, description="metres of the planned route, depot to depot"
    )
    sshape_length_m: float | None = Field(
        default=None, description="metres of the same picks walked S-shape"
    )
    code_order_length_m: float | None = Field(
        default=None, description="metres of the same picks in location-code order"
    )


class WaveSummary(_Model):
    """A wave's progress and walking lengths, for supervisors."""

    wave_id: int
    name: str
    status: str
    assigned_to: int | None
    lines: int
    open: int
    planned_length_m: float | None
    sshape_length_m: float | None
    code_order_length_m: float | None


class Confirmation(_Model):
    """Something that physically happened on the floor, made on the device."""

    op_id: str
    device_id: str
    device_seq: int = Field(ge=1)
    user_id: int
    kind: Kind
    task_id: int | None = None
    location: str | None = None
    product: str | None = None
    lot: str | None = None
    serial: str | None = None
    quantity: int = Field(ge=0)
    tote: str | None = None
    reason: str | None = None
    scanned_at: str


MAX_BATCH = 500
"""The most confirmations the service takes in one request."""


class ConfirmationBatch(_Model):
    """Confirmations of one device, in device order."""

    confirmations: list[Confirmation] = Field(max_length=MAX_BATCH)


class Outcome(_Model):
    """The service's answer to one confirmation.

    ``applied``, ``duplicate`` and ``rejected`` are final; ``gap`` means an
    earlier sequence number is missing and the device must send it first.
    """

    op_id: str
    status: Status
    reason_type: str | None = None
    message: str = ""


class BatchResult(_Model):
    """One outcome per confirmation, in the order they were sent."""

    outcomes: list[Outcome]


class StockRow(_Model):
    """On-hand quantity of a product at a location (and lot)."""

    location: str
    sku: str
    lot: str
    quantity: int


class LedgerEntry(_Model):
    """One append-only stock movement."""

    seq: int
    sku: str
    location: str
    lot: str
    delta: int
    reason: str
    task_id: int | None
    op_id: str | None
    device_id: str | None
    user_id: int | None
    at: str


class Problem(_Model):
    """An error answer: a sentence for a person and a stable type."""

    type: str
    detail: str
