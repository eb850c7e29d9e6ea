"""Packing at the bench: verify every item, close the carton, label it, ship it.

A tote (or an order number) opens its orders; a tote that was cluster-picked
holds several, and they are packed one after the other, each in its own
carton. Every item is scanned against the order: extra, wrong and missing
items are named with what to do. Then a carton is chosen and weighed, and
closing it takes an SSCC from this bench's reserved block and commits the
carton, its confirmation and its label job in one journal transaction, before
anything is printed. The label goes to the printer (retried only when it
surely did not print), and scanning it on the carton ships it.

Like `terminal.workflows.picking`, this is plain Python: scans in, feedback
out, no screen.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import Enum
from pathlib import Path

from devices.barcode import Reading, interpret
from devices.errors import ScaleError
from devices.scale import parse_reading
from labels.errors import PrinterError, PrintUncertain
from labels.preview import label_png
from labels.printer import FilePrinter, LabelJob, Printer, deliver, write_whole
from labels.zpl import LabelData, logistic_label
from offline_store.errors import DiskFullError
from offline_store.master import MasterData
from offline_store.packing import Carton, LabelJobRow, NoSSCCLeft, PackingJournal
from terminal.workflows.picking import Feedback
from wire import PackedItem, PackOrder, PackWork

log = logging.getLogger("terminal")

CARTONS = (
    ("BOX-S", "Small box"),
    ("BOX-M", "Medium box"),
    ("BOX-L", "Large box"),
    ("ENV", "Padded envelope"),
)
CLOSE_COMMAND = "CMD:CLOSE"
MAX_KG = Decimal(70)
GRAM = Decimal("0.001")

_NOT_ITEMS = {
    "location": "a location label",
    "tote": "a tote label",
    "badge": "a badge",
    "sscc": "a carton label",
    "command": "a command",
}


class Step(Enum):
    """Where the packer is with one order."""

    START = "start"
    VERIFY = "verify"
    CARTON = "carton"
    WEIGHT = "weight"
    CLOSE = "close"
    LABEL = "label"
    SHIP = "ship"


@dataclass
class Line:
    """One product of the order: how many were picked, how many checked."""

    sku: str
    description: str
    wanted: int
    ordered: int
    tote: str | None
    codes: tuple[str, ...]
    checked: int = 0

    @property
    def done(self) -> bool:
        return self.checked >= self.wanted


class PackingWorkflow:
    """One packer at one bench."""

    def __init__(
        self,
        *,
        bench: PackingJournal,
        master: MasterData,
        user_id: int,
        printer: Printer,
        previews: Path | None = None,
        separators: tuple[str, ...] = ("\x1d",),
        has_scale: bool = False,
    ) -> None:
        self.bench = bench
        self.master = master
        self.user_id = user_id
        self.printer = printer
        self.previews = previews
        self.separators = separators
        self.has_scale = has_scale
        self.step = Step.START
        self.code = ""
        self.ship_from = ""
        self.orders: list[PackOrder] = []
        self.order: PackOrder | None = None
        self.lines: list[Line] = []
        self.set_aside: list[PackedItem] = []
        self.last: Line | None = None
        self.carton: str | None = None
        self.weight: Decimal | None = None
        self.closed: Carton | None = None
        self.job: LabelJobRow | None = None
        self.preview: Path | None = None
        self.shipped: list[str] = []
        """Orders shipped from this bench, in order."""

    # What the screen shows

    @property
    def checked(self) -> int:
        """Items checked into this carton."""
        return sum(line.checked for line in self.lines)

    @property
    def wanted(self) -> int:
        """Items the picks put in the tote for this order."""
        return sum(line.wanted for line in self.lines)

    def prompt(self) -> str:
        """What to do now, in a few words."""
        if self.step is Step.START:
            return "Scan a tote, or type an order number"
        if self.step is Step.VERIFY:
            return f"Scan each item of order {self.order_id}"
        if self.step is Step.CARTON:
            return f"Choose a carton: scan it or type 1-{len(CARTONS)}"
        if self.step is Step.WEIGHT:
            return "Weigh it: type kg" + (
                ", or F6 reads the scale" if self.has_scale else ""
            )
        if self.step is Step.CLOSE:
            return "Enter closes the carton and prints its label"
        if self.step is Step.LABEL:
            if self.job is not None and self.job.status == "uncertain":
                return "Did the label print? Enter = yes, F5 = print again"
            return "Label not printed yet: F5 tries again"
        return "Stick the label on the carton and scan it"

    @property
    def order_id(self) -> str:
        if self.order is not None:
            return self.order.order_id
        return self.closed.order_id if self.closed is not None else ""

    def label_text(self) -> list[str]:
        """The closed carton's label, as lines of text for the bench screen."""
        if self.closed is None:
            return []
        order = self.order
        ship_to = [order.ship_to.name, order.ship_to.country] if order else []
        return [
            f"SSCC (00) {self.closed.sscc}",
            "TO " + ", ".join(v for v in ship_to if v),
            f"ORDER {self.closed.order_id}  {self.closed.carton}"
            f"  {self.closed.weight_kg or '?'} kg",
        ]

    def expected_scan(self) -> str:
        """What a scanner would read now if the packer did it right (demo key)."""
        if self.step is Step.START:
            totes = self.bench.ready_totes()
            return totes[0] if totes else ""
        if self.step is Step.VERIFY:
            line = next((line for line in self.lines if not line.done), None)
            if line is None:
                return ""
            if line is self.last and line.checked:
                return str(line.wanted)  # one scanned, the rest counted and typed
            return self.master.gtin_for(line.sku) or (line.codes or (line.sku,))[0]
        if self.step is Step.CARTON:
            items = self.checked
            return "BOX-S" if items <= 3 else "BOX-M" if items <= 12 else "BOX-L"
        if self.step is Step.WEIGHT:
            demo = Decimal("0.300") + Decimal("0.050") * self.checked
            return str(min(demo, Decimal("25.000")))
        if self.step is Step.CLOSE:
            return CLOSE_COMMAND
        if self.step is Step.SHIP and self.closed is not None:
            return "]C100" + self.closed.sscc
        return ""

    # Input

    def lookup_code(self, reading: Reading) -> str | None:
        """The tote or order number to look up before `scan` takes it."""
        if self.step is not Step.START:
            return None
        if reading.kind == "tote":
            return reading.code
        if reading.kind == "text" and reading.text:
            return reading.text
        return None

    def enter(self, text: str) -> Feedback:
        """Handle one typed entry: a quantity, a carton number, a weight, Enter,
        or a code keyed in where a scan would do."""
        if self.step is Step.VERIFY and self._is_count(text):
            return self._quantity_typed(int(text))
        if self.step is Step.CARTON and text.isdecimal() and len(text) == 1:
            return self._carton_typed(int(text))
        if self.step is Step.WEIGHT:
            return self._weight_typed(text)
        if text == "":
            return self._enter_pressed()
        return self.scan(interpret(text, separators=self.separators))

    def scan(self, reading: Reading) -> Feedback:
        """Handle one scan, whatever scanner it came from."""
        if reading.kind == "error":
            return Feedback(False, f"{reading.message} {self._expected()}")
        if self.step is Step.START:
            code = self.lookup_code(reading)
            if code is None:
                return Feedback(
                    False, f"That is {_kind(reading)}. Scan a tote label first."
                )
            return self.open(code)
        if self.step is Step.VERIFY:
            return self._item_scanned(reading)
        if self.step is Step.CARTON:
            return self._carton_scanned(reading)
        if self.step is Step.WEIGHT and reading.kind == "text" and reading.text:
            return self._weight_typed(reading.text)  # typed fast, like a scanner
        if self.step is Step.CLOSE:
            if reading.kind == "command" and reading.code == CLOSE_COMMAND:
                return self.close()
            return Feedback(False, "Press Enter (or scan CMD:CLOSE) to close it.")
        if self.step is Step.SHIP:
            return self._label_scanned(reading)
        return Feedback(False, self._expected())

    def open(self, code: str) -> Feedback:
        """Start on what a tote or order number holds, as this bench knows it."""
        work = self.bench.work_for(code)
        if work is None:
            return Feedback(
                False, f"Nothing to pack is known for {_cut(code)}. Scan a tote label."
            )
        waiting = [order for order in work.orders if not order.packed]
        if not waiting:
            ids = ", ".join(order.order_id for order in work.orders)
            return Feedback(False, f"{code} is packed already (order {ids}).")
        self.code, self.ship_from, self.orders = code, work.ship_from, waiting
        return self._next_order(work)

    def missing(self) -> Feedback:
        """Pack what is here; the rest of the order is reported missing."""
        if self.step is not Step.VERIFY:
            return Feedback(False, "Nothing to report missing here.")
        if not self.checked:
            return Feedback(False, "No item is checked yet: scan what is there.")
        short = self.wanted - self.checked
        self.step = Step.CARTON
        return Feedback(
            True, f"{short} items missing: they are reported. Choose a carton."
        )

    def leave(self) -> Feedback:
        """Stop before the close: nothing of this order was saved."""
        if self.step not in (Step.VERIFY, Step.CARTON, Step.WEIGHT, Step.CLOSE):
            return Feedback(False, "The carton is closed: scan its label to ship it.")
        left = self.order_id
        self.orders, self.order, self.code = [], None, ""
        self._reset(Step.START)
        return Feedback(True, f"Order {left} is left as it was: scan a tote.")

    def weighed(self, kg: Decimal) -> Feedback:
        """A steady weight read from the scale."""
        if self.step is not Step.WEIGHT:
            return Feedback(False, self._expected())
        return self._weight(kg)

    def close(self) -> Feedback:
        """Close the carton: SSCC, carton, confirmation and label job, committed."""
        order = self.order
        if order is None or self.carton is None:
            return Feedback(False, self._expected())
        contents = [
            PackedItem(sku=line.sku, quantity=line.checked, tote=line.tote)
            for line in self.lines
            if line.checked
        ]

        def render(sscc: str, job_id: str) -> str:
            return logistic_label(self._label_data(sscc, job_id))

        try:
            carton, job = self.bench.close_carton(
                user_id=self.user_id,
                order_id=order.order_id,
                carton=self.carton,
                weight_kg=str(self.weight) if self.weight is not None else None,
                contents=contents,
                set_aside=self.set_aside,
                closes_order=True,
                render=render,
            )
        except (DiskFullError, NoSSCCLeft) as exc:
            return Feedback(False, f"{exc} The carton stays open.")
        self.closed, self.job, self.step = carton, job, Step.LABEL
        log.info("carton.closed", extra={"sscc": carton.sscc, "job": job.job_id})
        return Feedback(True, f"Closed: SSCC {carton.sscc}. Printing its label…")

    def print_label(self) -> Feedback:
        """Send the label job; retried only while it surely did not print."""
        job = self.job
        if self.step is not Step.LABEL or job is None or self.closed is None:
            return Feedback(False, "No label is waiting to print.")
        reprint = job.status == "uncertain"
        zpl = job.zpl
        if reprint:
            zpl = logistic_label(self._label_data(job.sscc, job.job_id, reprint=True))
        png = None
        if isinstance(self.printer, FilePrinter):
            png = label_png(self._label_data(job.sscc, job.job_id))
        try:
            self.job = self.bench.mark_label(job.job_id, "sending")
            where = deliver(self.printer, LabelJob(job.job_id, job.sscc, zpl, png))
        except PrintUncertain as exc:
            self.job = self.bench.mark_label(job.job_id, "uncertain", error=str(exc))
            return Feedback(False, f"{exc} Enter if it did, F5 prints it again.")
        except PrinterError as exc:
            self.job = self.bench.mark_label(job.job_id, "queued", error=str(exc))
            return Feedback(False, f"{exc} The label is kept: F5 tries again.")
        except DiskFullError as exc:
            return Feedback(False, f"{exc} F5 tries again.")
        return self._printed(where)

    def printed_after_all(self) -> Feedback:
        """The packer saw the unconfirmed label come out."""
        if self.job is None or self.job.status != "uncertain":
            return Feedback(False, self._expected())
        return self._printed("the printer (seen by the packer)")

    def resume(self) -> Feedback | None:
        """Pick up a carton closed here and not shipped (after a restart)."""
        unfinished = self.bench.unfinished()
        if unfinished is None:
            return None
        self.closed, self.job = unfinished
        if self.job.status == "sending":
            # It went out, or not, when the bench stopped: a person decides.
            self.job = self.bench.mark_label(self.job.job_id, "uncertain")
        self.step = Step.SHIP if self.job.status == "printed" else Step.LABEL
        return Feedback(
            False,
            f"Carton {self.closed.sscc} of order {self.closed.order_id} is not"
            f" shipped yet. {self.prompt()}.",
        )

    # Steps

    def _next_order(self, work: PackWork | None = None) -> Feedback:
        self.order = None
        while self.orders:
            order = self.orders.pop(0)
            lines = [
                Line(
                    sku=line.sku,
                    description=line.description,
                    wanted=line.picked,
                    ordered=line.ordered,
                    tote=line.totes[0] if line.totes else None,
                    codes=tuple(line.codes),
                )
                for line in order.lines
                if line.picked > 0
            ]
            if lines:
                self._reset(Step.VERIFY)
                self.order, self.lines = order, lines
                others = f" ({len(self.orders)} more order(s) in {self.code})"
                return Feedback(
                    True,
                    f"Order {order.order_id}: {self.wanted} items to check."
                    + (others if self.orders else ""),
                )
        self._reset(Step.START)
        if work is not None:
            return Feedback(False, f"Nothing was picked into {self.code} yet.")
        return Feedback(True, "Tote done. Scan the next tote.")

    def _item_scanned(self, reading: Reading) -> Feedback:
        if reading.kind in _NOT_ITEMS:
            return Feedback(
                False, f"That is {_NOT_ITEMS[reading.kind]}, not an item. Scan items."
            )
        sku = self._sku_of(reading)
        if sku is None:
            return Feedback(
                False,
                f"Unknown barcode {_shown(reading)}: key in its stock code,"
                " or set it aside for a supervisor.",
            )
        line = next((line for line in self.lines if line.sku == sku), None)
        if line is None:
            other = next(
                (o for o in self.orders if any(ln.sku == sku for ln in o.lines)), None
            )
            if other is not None:
                return Feedback(
                    False,
                    f"{sku} is for order {other.order_id}, also in this tote:"
                    " keep it aside for that carton.",
                )
            self._aside(sku, 1)
            return Feedback(
                False,
                f"{sku} is not in order {self.order_id}: put it in the returns"
                " tray. It is reported.",
            )
        self.last = line
        if line.done:
            self._aside(sku, 1)
            return Feedback(
                False,
                f"One {sku} too many: only {line.wanted} were picked. Put it in"
                " the returns tray.",
            )
        line.checked += 1
        return self._counted(line)

    def _quantity_typed(self, quantity: int) -> Feedback:
        line = self.last
        if line is None:
            return Feedback(False, "Scan an item first, then type how many.")
        if quantity > line.wanted:
            return Feedback(
                False, f"Only {line.wanted} × {line.sku} were picked, not {quantity}."
            )
        line.checked = quantity
        return self._counted(line)

    def _counted(self, line: Line) -> Feedback:
        if all(ln.done for ln in self.lines):
            self.step = Step.CARTON
            return Feedback(
                True, f"All {self.wanted} items checked. Choose a carton (1-4)."
            )
        left = self.wanted - self.checked
        return Feedback(
            True, f"{line.sku} {line.checked} of {line.wanted} ok. {left} to go."
        )

    def _carton_typed(self, number: int) -> Feedback:
        if not 1 <= number <= len(CARTONS):
            return Feedback(False, f"Type a carton from 1 to {len(CARTONS)}.")
        return self._carton_chosen(CARTONS[number - 1][0])

    def _carton_scanned(self, reading: Reading) -> Feedback:
        code = (reading.text or reading.code or "").upper()
        if code in dict(CARTONS):
            return self._carton_chosen(code)
        return Feedback(
            False,
            f"{_shown(reading)} is no carton. Scan one, or type 1-{len(CARTONS)}.",
        )

    def _carton_chosen(self, code: str) -> Feedback:
        self.carton = code
        self.step = Step.WEIGHT
        return Feedback(True, f"{dict(CARTONS)[code]} ({code}). Now weigh it.")

    def _weight_typed(self, text: str) -> Feedback:
        if not text:
            return Feedback(False, "Type the weight in kg, e.g. 1.25.")
        try:
            reading = parse_reading(text.replace(",", "."))
        except ScaleError:
            return Feedback(False, f"{_cut(text)} is no weight. Type kg, e.g. 1.25.")
        return self._weight(reading.kg)

    def _weight(self, kg: Decimal) -> Feedback:
        try:
            kg = kg.quantize(GRAM)
        except InvalidOperation:
            return Feedback(False, "That weight is out of range.")
        if not 0 < kg <= MAX_KG:
            return Feedback(False, f"{kg} kg cannot be right: 0 to {MAX_KG} kg.")
        self.weight = kg
        self.step = Step.CLOSE
        return Feedback(True, f"{kg} kg. Enter closes the carton.")

    def _enter_pressed(self) -> Feedback:
        if self.step is Step.CLOSE:
            return self.close()
        if self.step is Step.LABEL and self.job and self.job.status == "uncertain":
            return self.printed_after_all()
        return Feedback(False, self._expected())

    def _label_scanned(self, reading: Reading) -> Feedback:
        closed = self.closed
        assert closed is not None
        text = reading.sscc or (reading.text if reading.kind == "text" else None)
        if text != closed.sscc:
            return Feedback(
                False,
                f"Not this carton's label ({_shown(reading)}). Scan"
                f" {closed.sscc[-6:]} on the carton.",
            )
        try:
            self.bench.ship(closed.sscc, user_id=self.user_id)
        except DiskFullError as exc:
            return Feedback(False, f"{exc} Keep the carton at the bench.")
        log.info("carton.shipped", extra={"sscc": closed.sscc})
        shipped = closed.sscc
        self.shipped.append(closed.order_id)
        self.closed = self.job = None
        following = self._next_order()
        return Feedback(True, f"Shipped {shipped[-6:]}. {following.message}")

    def _printed(self, where: str) -> Feedback:
        job = self.job
        assert job is not None and self.closed is not None
        self.job = self.bench.mark_label(job.job_id, "printed", where=where)
        self.step = Step.SHIP
        self._save_preview(job)
        if isinstance(self.printer, FilePrinter):
            return Feedback(
                True, f"Label saved as {Path(where).name} and .png. Scan it to ship."
            )
        return Feedback(True, f"Label printed on the {where}. Scan it to ship.")

    def _save_preview(self, job: LabelJobRow) -> None:
        if isinstance(self.printer, FilePrinter):
            self.preview = self.printer.folder / f"{job.sscc}.png"
            return
        if self.previews is None:
            return
        path = self.previews / f"{job.sscc}.png"
        try:
            self.previews.mkdir(parents=True, exist_ok=True)
            write_whole(path, label_png(self._label_data(job.sscc, job.job_id)))
        except OSError as exc:
            log.warning("label.preview_failed", extra={"error": str(exc)})
            return
        self.preview = path

    # Helpers

    def _label_data(
        self, sscc: str, job_id: str, *, reprint: bool = False
    ) -> LabelData:
        order = self.order
        ship_to = (
            (order.ship_to.name, *order.ship_to.lines, order.ship_to.country)
            if order
            else ()
        )
        return LabelData(
            sscc=sscc,
            order_id=self.order_id,
            ship_to=tuple(v for v in ship_to if v),
            ship_from=self.ship_from,
            carton=self.carton or (self.closed.carton if self.closed else ""),
            weight_kg=str(self.weight) if self.weight is not None else None,
            items=self.checked or None,
            job_id=job_id,
            reprint=reprint,
        )

    def _aside(self, sku: str, quantity: int) -> None:
        tote = self.lines[0].tote if self.lines else None
        for i, item in enumerate(self.set_aside):
            if item.sku == sku:
                self.set_aside[i] = item.model_copy(
                    update={"quantity": item.quantity + quantity}
                )
                return
        self.set_aside.append(PackedItem(sku=sku, quantity=quantity, tote=tote))

    def _reset(self, step: Step) -> None:
        self.step = step
        self.lines, self.set_aside, self.last = [], [], None
        self.carton = self.weight = None

    def _is_count(self, text: str) -> bool:
        """A typed number is a count, unless it is long and names a product."""
        if not (text.isascii() and text.isdecimal()) or len(text) > 5:
            return False
        return len(text) <= 3 or self.master.sku_for_code(text) is None

    def _sku_of(self, reading: Reading) -> str | None:
        code = None
        if reading.kind == "product" and reading.gtin_14:
            code = reading.gtin_14
        elif reading.kind == "text" and reading.text:
            code = reading.text
        if code is None:
            return None
        sku = self.master.sku_for_code(code)
        if sku is None:
            sku = next((ln.sku for ln in self.lines if code in ln.codes), None)
        return sku

    def _expected(self) -> str:
        return {
            Step.START: "Scan a tote label, or type an order number.",
            Step.VERIFY: "Scan the order's items.",
            Step.CARTON: f"Scan a carton, or type 1-{len(CARTONS)}.",
            Step.WEIGHT: "Type the weight in kg.",
            Step.CLOSE: "Press Enter to close the carton.",
            Step.LABEL: "F5 prints the label again.",
            Step.SHIP: "Scan the carton's label to ship it.",
        }[self.step]


def _kind(reading: Reading) -> str:
    return _NOT_ITEMS.get(reading.kind, "a product")


def _shown(reading: Reading) -> str:
    """The scan as a person would name it, cut to fit a line."""
    return _cut(reading.code or reading.gtin or reading.text or reading.raw)


def _cut(value: str) -> str:
    value = "".join(char for char in value if char.isprintable())
    return value if len(value) <= 24 else value[:21] + "..."
