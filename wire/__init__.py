"""The wire format between terminals and the stock service, defined once.

Both sides import these models: the service validates requests and builds
responses with them, the terminal and its sync worker build requests and read
responses with them. This package imports nothing else of pickwise.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

API = "/v1"

Role = Literal["picker", "packer", "supervisor"]
Kind = Literal["pick", "short", "pack", "ship"]
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


WaveStatus = Literal["held", "released", "assigned", "done", "cancelled"]
TaskStatus = Literal["open", "picked", "short", "cancelled"]


class WaveSummary(_Model):
    """A wave's progress and walking lengths, for supervisors.

    Times are the service's clock: when it applied each confirmation, which for
    a device that was offline is when the device came back.
    """

    wave_id: int
    name: str
    status: WaveStatus
    assigned_to: int | None
    assigned_name: str | None = None
    priority: int = 0
    cutoff: str | None = None
    lines: int
    open: int
    short: int = 0
    planned_length_m: float | None
    sshape_length_m: float | None
    code_order_length_m: float | None
    walked_m: float = Field(
        default=0.0, description="metres from the depot through the lines picked"
    )
    lines_per_hour: float | None = Field(
        default=None, description="pace since the wave was assigned"
    )
    finish_at: str | None = Field(
        default=None, description="estimated finish at the current pace"
    )


class TaskState(_Model):
    """Where one line of a wave stands at the service."""

    task_id: int
    status: TaskStatus
    picked_by: int | None


class WaveState(_Model):
    """A wave as the service holds it, for a device to compare with its own."""

    wave_id: int
    name: str
    status: WaveStatus
    assigned_to: int | None
    assigned_name: str | None
    tasks: list[TaskState]


class PickerSummary(_Model):
    """A picker on the floor: their wave, where they were last, their pace."""

    user_id: int
    display_name: str
    wave_id: int | None
    wave_name: str | None
    location: str | None = Field(description="where their last pick was")
    last_pick_at: str | None
    lines_done: int = Field(description="lines they picked in the last hour")
    lines_per_hour: float | None


class OperatorRow(_Model):
    """Someone who can be given work."""

    user_id: int
    user_name: str
    display_name: str
    role: Role


class AssignRequest(_Model):
    """Give a wave to someone, named by user id or by a scanned badge."""

    user_id: int | None = None
    badge: str | None = None


class BuildWavesRequest(_Model):
    """Group open orders onto carts."""

    totes_per_cart: int = Field(default=4, ge=1, le=12)
    max_lines: int = Field(default=24, ge=1, le=500)
    release: bool = True


class BuildWavesResult(_Model):
    """The waves made, and the orders that still wait."""

    wave_ids: list[int]
    orders_waved: int
    orders_left: int


ExceptionAction = Literal["accept", "recount", "return"]


class ExceptionRow(_Model):
    """Something on the floor that a supervisor must look at."""

    id: int
    kind: str
    detail: str
    status: Literal["open", "resolved"]
    created_at: str
    task_id: int | None
    wave_id: int | None
    user_id: int | None
    sku: str | None
    location: str | None
    quantity: int | None
    resolution: str | None
    floor_task_id: int | None = None


class ResolveRequest(_Model):
    """What the supervisor decided: accept it as it is, recount, or return."""

    action: ExceptionAction


class FloorTask(_Model):
    """Work that an exception made: items to return to a location, or a count."""

    id: int
    kind: Literal["return", "recount"]
    sku: str
    location: str
    quantity: int | None
    exception_id: int | None
    status: Literal["open", "done"]
    created_at: str


class PackedItem(_Model):
    """Items of one product put in a carton (or set aside), and the tote they
    came from."""

    sku: str
    quantity: int = Field(ge=1)
    tote: str | None = None


class Confirmation(_Model):
    """Something that physically happened on the floor, made on the device.

    A ``pack`` closes a carton: its SSCC, order, carton type, weight and
    contents, with the items the packer set aside as not belonging to the
    order. A ``ship`` says the labelled carton left the bench.
    """

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
    order_id: str | None = None
    sscc: str | None = None
    carton: str | None = None
    weight_kg: str | None = Field(default=None, description="an exact decimal, as text")
    contents: list[PackedItem] | None = None
    set_aside: list[PackedItem] | None = None
    closes_order: bool | None = Field(
        default=None, description="the last carton of its order"
    )


PACK_FIELDS = (
    "order_id",
    "sscc",
    "carton",
    "weight_kg",
    "contents",
    "set_aside",
    "closes_order",
)
"""Fields added for packing; left out of a payload's fingerprint while unset,
so a pick queued before they existed keeps the fingerprint it had."""


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


class Event(_Model):
    """Something the service applied, in its order; ``seq`` is the stream id.

    Kinds: ``movement``, ``task``, ``wave``, ``exception``, ``floor_task``,
    ``package``.
    """

    seq: int
    kind: str
    at: str
    body: dict[str, Any]


class SSCCReserveRequest(_Model):
    """Ask for a block of SSCC serial references for this device."""

    count: int = Field(default=100, ge=1, le=10000)


class SSCCBlock(_Model):
    """Serial references ``first``..``last`` under ``prefix`` (the extension
    digit and the company prefix), reserved for one device."""

    prefix: str
    first: int
    last: int


class ShipTo(_Model):
    """Where a parcel goes."""

    name: str
    lines: list[str] = Field(default_factory=list)
    country: str = ""


class PackLine(_Model):
    """What the picks put in totes for one product of an order."""

    sku: str
    description: str
    ordered: int
    picked: int
    totes: list[str]
    codes: list[str] = Field(description="barcodes that name the product")


class PackOrder(_Model):
    """An order as the packer verifies it."""

    order_id: str
    ship_to: ShipTo
    totes: list[str]
    lines: list[PackLine]
    packed: bool = Field(default=False, description="its last carton is closed")


class PackWork(_Model):
    """What a scanned tote or order number holds: one order, or several when
    a tote was cluster-picked."""

    code: str
    orders: list[PackOrder]
    ship_from: str = ""


PackageStatus = Literal["packed", "shipped"]


class PackageRow(_Model):
    """A closed carton."""

    sscc: str
    order_id: str
    status: PackageStatus
    carton: str
    weight_kg: str | None
    contents: list[PackedItem]
    packed_at: str
    shipped_at: str | None
    closes_order: bool


OrderStatus = Literal["open", "picking", "picked", "packed", "shipped"]


class OrderState(_Model):
    """Where an order stands, from its lines to its parcels."""

    order_id: str
    status: OrderStatus
    ship_to: ShipTo
    lines: int
    packages: list[PackageRow]


class Problem(_Model):
    """An error answer: a sentence for a person and a stable type."""

    type: str
    detail: str
