"""Picking a wave: go to the location, scan the product, count, drop in the tote.

Scans, interpreted once by whoever read them, go through ``PickingWorkflow.scan``;
typed entries go through ``PickingWorkflow.enter``. The workflow answers at once
with ``Feedback`` that names what was expected, and moves on only after the
confirmation is committed to the device's journal.

Lines come in the order of the route the service planned. After a skip or a short
pick the rest is re-planned on the device, offline, from where the picker stands,
with skipped lines left for last.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date
from enum import Enum

from devices.barcode import Reading, interpret
from offline_store.errors import DiskFullError
from offline_store.journal import Journal, LocalWave
from offline_store.master import MasterData
from routing import Layout, RoutingError, layout_from_dict, plan_route
from wire import Kind, PickTask

log = logging.getLogger("terminal")

SHORT_REASONS = (
    ("empty", "Location empty"),
    ("damaged", "Items damaged"),
    ("not_found", "Cannot find it"),
    ("wrong_item", "Wrong item here"),
)


_LABELS = {
    "location": "a location label",
    "tote": "a tote",
    "badge": "a badge",
    "sscc": "a pallet label",
    "command": "a command",
}


class Step(Enum):
    """Where the picker is in one line."""

    LOCATION = "location"
    PRODUCT = "product"
    QUANTITY = "quantity"
    REASON = "reason"
    TOTE = "tote"
    DONE = "done"


@dataclass(frozen=True)
class Feedback:
    """The answer to one input: good or bad, in words a picker reads at a glance."""

    ok: bool
    message: str


_WAVE_DONE = Feedback(False, "This wave is done. Press Enter for the menu.")


class PickingWorkflow:
    """One picker working through one wave on this device."""

    def __init__(
        self,
        wave: LocalWave,
        *,
        journal: Journal,
        master: MasterData,
        user_id: int,
        separators: tuple[str, ...] = ("\x1d",),
    ) -> None:
        self.wave_id = wave.wave_id
        self.wave_name = wave.name
        self.totes = wave.totes
        self.journal = journal
        self.master = master
        self.user_id = user_id
        self.separators = separators
        self.queue: list[PickTask] = list(wave.tasks)
        self.done = wave.done
        self.total = wave.total
        self.shorts = wave.shorts
        self.step = Step.LOCATION if self.queue else Step.DONE
        self.quantity = 0
        self.counting = False
        self.lot: str | None = None
        self.serial: str | None = None
        self.reason: str | None = None
        self.last_location: str | None = None
        self.skipped: set[int] = set()
        self.before_short = Step.LOCATION
        self.layout = _layout(master)

    # What the screen shows

    @property
    def task(self) -> PickTask | None:
        """The line being picked."""
        return self.queue[0] if self.queue else None

    @property
    def next_task(self) -> PickTask | None:
        """The line after this one."""
        return self.queue[1] if len(self.queue) > 1 else None

    @property
    def position(self) -> int:
        """The number of the current line, counting from 1."""
        return min(self.done + 1, self.total)

    def prompt(self) -> str:
        """What to do now, in a few words."""
        task = self.task
        if task is None or self.step is Step.DONE:
            if not self.done:
                return "Nothing left here for you"
            return "Wave done: take the cart to packing"
        return {
            Step.LOCATION: "Scan location (or type check digits)",
            Step.PRODUCT: f"Scan product {task.sku}",
            Step.QUANTITY: f"Enter = {self.quantity}, or scan again to count",
            Step.REASON: "Why short? Type 1-4 (Esc: not short)",
            Step.TOTE: f"Put {self.quantity} in tote {task.tote}, scan it",
        }[self.step]

    def expected_scan(self) -> str:
        """What a scanner would read now if the picker did it right (demo key)."""
        task = self.task
        if task is None:
            return ""
        if self.step is Step.LOCATION:
            return task.location
        if self.step is Step.PRODUCT:
            return self.master.gtin_for(task.sku) or task.sku
        if self.step is Step.REASON:
            return "1"
        if self.step is Step.TOTE:
            return task.tote
        return ""

    # Input

    def enter(self, text: str) -> Feedback:
        """Handle one typed entry: a quantity, a reason, check digits, or a code
        keyed in where a scan would do."""
        task = self.task
        if task is None or self.step is Step.DONE:
            return _WAVE_DONE
        if self.step is Step.QUANTITY and (text == "" or text.isdecimal()):
            return self._quantity_typed(task, text)
        if self.step is Step.REASON:
            return self._reason_typed(task, text)
        if self.step is Step.LOCATION and text.isdecimal() and len(text) <= 3:
            return self._check_digits_typed(task, text)
        return self.scan(interpret(text, separators=self.separators))

    def scan(self, reading: Reading) -> Feedback:
        """Handle one scan, whatever scanner it came from."""
        task = self.task
        if task is None or self.step is Step.DONE:
            return _WAVE_DONE
        if self.step is Step.REASON:
            return Feedback(False, f"Type a reason from 1 to {len(SHORT_REASONS)}.")
        if reading.kind == "error":
            return Feedback(False, f"{reading.message} {self._expected(task)}")
        if self.step is Step.LOCATION:
            return self._location_scanned(task, reading)
        if self.step in (Step.PRODUCT, Step.QUANTITY):
            return self._product_scanned(task, reading)
        return self._tote_scanned(task, reading)

    def skip(self) -> Feedback:
        """Send this line to the end of the wave."""
        task = self.task
        if task is None or len(self.queue) < 2:
            return Feedback(False, "Nothing to skip to: this is the last line.")
        self.journal.skip(task.task_id)
        self.queue.append(self.queue.pop(0))
        self.skipped.add(task.task_id)
        self._replan()
        self._reset(Step.LOCATION)
        return Feedback(True, f"Skipped {task.sku}: it comes back at the end.")

    def short(self) -> Feedback:
        """Report that fewer items are here than wanted.

        Before the product is scanned none are here; while counting, the count
        so far is what is here; with the quantity offered, the picker types it.
        """
        task = self.task
        if task is None or self.step in (Step.DONE, Step.REASON):
            return Feedback(False, "Nothing to short here.")
        if self.step is Step.QUANTITY and not self.counting:
            return Feedback(
                True, f"How many are here? Type fewer than {task.quantity}, then Enter."
            )
        if self.step is Step.QUANTITY and self.quantity >= task.quantity:
            return Feedback(
                False, f"All {task.quantity} are counted: nothing is short."
            )
        if self.step is not Step.QUANTITY:
            self.quantity = 0
        self.before_short = self.step
        self.step = Step.REASON
        return Feedback(True, f"Short: {self.quantity} of {task.quantity}. Why?")

    def back(self) -> Feedback | None:
        """Esc: not short after all; back to where the picker was."""
        task = self.task
        if task is None or self.step is not Step.REASON:
            return None
        self.reason = None
        self.step = self.before_short
        if self.step is Step.QUANTITY and not self.counting:
            self.quantity = task.quantity
        return Feedback(True, f"Not short. {self._expected(task)}")

    def refresh(self) -> Feedback | None:
        """Drop the lines the service took off this device (a wave given to
        someone else, held or cancelled, or a line picked elsewhere).

        A line whose product is already in hand stays to be finished: what was
        picked is a fact, and the service makes a return task for any extra.
        None when nothing changed.
        """
        still = self.journal.open_task_ids(self.wave_id)
        current = self.task
        holding = current is not None and self.step not in (Step.LOCATION, Step.PRODUCT)
        keep = {current.task_id} if holding and current is not None else set()
        queue = [t for t in self.queue if t.task_id in still or t.task_id in keep]
        if len(queue) == len(self.queue):
            return None
        dropped = len(self.queue) - len(queue)
        self.queue = queue
        self.total = self.done + len(queue)
        if holding:
            return Feedback(False, f"Your list changed. Finish {self.line_label}.")
        if current is not None and self.task is not current:
            following = self.task
            self._reset(Step.LOCATION if following else Step.DONE)
            where = f"Go to {following.location}." if following else "Nothing left."
            return Feedback(False, f"{current.sku} is no longer yours. {where}")
        return Feedback(True, f"{dropped} line(s) taken off your list.")

    @property
    def line_label(self) -> str:
        """The current line as a picker names it."""
        task = self.task
        return "" if task is None else f"{task.sku} at {task.location}"

    # Steps

    def _check_digits_typed(self, task: PickTask, digits: str) -> Feedback:
        location = self.master.location(task.location)
        if location is None:
            return Feedback(False, f"Check digits unknown here: scan {task.location}.")
        if digits != location.check_digits:
            return Feedback(
                False, f"Wrong check digits {digits}. Read them at {task.location}."
            )
        return self._at_location(task)

    def _location_scanned(self, task: PickTask, reading: Reading) -> Feedback:
        if reading.kind == "location" and reading.code == task.location:
            return self._at_location(task)
        return Feedback(False, f"Not {_shown(reading)}. {self._expected(task)}")

    def _at_location(self, task: PickTask) -> Feedback:
        self.step = Step.PRODUCT
        self.last_location = task.location
        return Feedback(True, f"At {task.location}. Scan {task.sku}.")

    def _product_scanned(self, task: PickTask, reading: Reading) -> Feedback:
        sku = self._sku_of(reading)
        if reading.kind in _LABELS:
            label = _LABELS[reading.kind]
            return Feedback(False, f"That is {label}, not a product. Scan {task.sku}.")
        if sku is None:
            return Feedback(
                False, f"Unknown barcode {_shown(reading)}. Scan {task.sku}."
            )
        if sku != task.sku:
            return Feedback(False, f"That is {sku}, not {task.sku}. Scan {task.sku}.")
        if reading.expiry and reading.expiry < date.today().isoformat():
            return Feedback(
                False,
                f"Expired {reading.expiry}: leave it. Take one of a newer lot,"
                " or F3 if there is none.",
            )
        if self.lot and reading.lot and reading.lot != self.lot:
            return Feedback(
                False,
                f"Lot {reading.lot}, but this line counts lot {self.lot}: put it"
                " back; one lot per line (Enter takes what is counted).",
            )
        self.lot = reading.lot or self.lot
        self.serial = reading.serial or self.serial
        if self.step is Step.PRODUCT:
            self.step = Step.QUANTITY
            self.quantity = task.quantity
            return Feedback(True, f"{sku} ok. Enter takes {task.quantity}.")
        count = 2 if not self.counting else self.quantity + 1
        if count > task.quantity:
            return Feedback(False, f"Only {task.quantity} wanted: put that one back.")
        self.counting = True
        self.quantity = count
        return Feedback(True, f"{count} of {task.quantity}.")

    def _quantity_typed(self, task: PickTask, text: str) -> Feedback:
        quantity = self.quantity if text == "" else int(text)
        if quantity > task.quantity:
            return Feedback(
                False, f"{quantity} is more than the {task.quantity} wanted."
            )
        self.quantity = quantity
        if quantity < task.quantity:
            self.before_short = Step.QUANTITY
            self.step = Step.REASON
            return Feedback(True, f"Short: {quantity} of {task.quantity}. Why?")
        self.step = Step.TOTE
        return Feedback(True, f"Put {quantity} in tote {task.tote}.")

    def _reason_typed(self, task: PickTask, text: str) -> Feedback:
        if not (text.isdecimal() and 1 <= int(text) <= len(SHORT_REASONS)):
            return Feedback(False, f"Type a reason from 1 to {len(SHORT_REASONS)}.")
        self.reason = SHORT_REASONS[int(text) - 1][0]
        if self.quantity == 0:
            return self._commit(task, "short")
        self.step = Step.TOTE
        return Feedback(True, f"Put {self.quantity} in tote {task.tote}.")

    def _tote_scanned(self, task: PickTask, reading: Reading) -> Feedback:
        if reading.kind != "tote" or reading.code != task.tote:
            order = self.totes.get(task.tote, task.order_id)
            return Feedback(
                False,
                f"Not {_shown(reading)}. Use tote {task.tote} (order {order}).",
            )
        return self._commit(task, "short" if self.reason else "pick")

    def _commit(self, task: PickTask, kind: Kind) -> Feedback:
        saved = self.quantity
        try:
            self.journal.confirm(
                task,
                kind=kind,
                user_id=self.user_id,
                quantity=self.quantity,
                lot=self.lot,
                serial=self.serial,
                reason=self.reason,
            )
        except DiskFullError as exc:
            return Feedback(False, f"{exc} Call a supervisor; keep the items.")
        self.queue.pop(0)
        self.done += 1
        self.shorts += kind == "short"
        if kind == "short":
            self._replan()
        following = self.task
        if following is None:
            self._reset(Step.DONE)
            return Feedback(True, f"Line saved. Wave {self.wave_name} is done.")
        same_place = following.location == task.location
        self._reset(Step.PRODUCT if same_place else Step.LOCATION)
        where = "Same location" if same_place else f"Go to {following.location}"
        return Feedback(True, f"Saved {saved} × {task.sku}. {where}.")

    # Helpers

    def _replan(self) -> None:
        """Order the open lines by a route from where the picker stands."""
        if self.layout is None or len(self.queue) < 2:
            return
        codes = [task.location for task in self.queue]
        later = {t.location: 1 for t in self.queue if t.task_id in self.skipped}
        try:
            route = plan_route(
                self.layout, codes, start=self.last_location, precedence=later
            )
        except RoutingError as exc:
            log.warning("route.replan_failed", extra={"error": str(exc)})
            return
        place = {code: i for i, code in reversed(list(enumerate(route.stops)))}
        listed = {task.task_id: i for i, task in enumerate(self.queue)}
        self.queue.sort(
            key=lambda t: (
                place[t.location],
                t.task_id in self.skipped,
                listed[t.task_id],
            )
        )
        self.journal.reorder([task.task_id for task in self.queue])

    def _reset(self, step: Step) -> None:
        self.step = step
        self.quantity = 0
        self.counting = False
        self.lot = self.serial = self.reason = None

    def _sku_of(self, reading: Reading) -> str | None:
        return sku_of(self.master, reading)

    def _expected(self, task: PickTask) -> str:
        return {
            Step.LOCATION: f"Go to {task.location} and scan its label.",
            Step.PRODUCT: f"Scan {task.sku}.",
            Step.QUANTITY: f"Scan {task.sku} or type a quantity.",
            Step.TOTE: f"Scan tote {task.tote}.",
        }.get(self.step, "")


def sku_of(master: MasterData, reading: Reading) -> str | None:
    """The product a scan names: by its GTIN, or by a code typed or scanned as
    text (a stock code); None when master data knows neither."""
    if reading.kind == "product" and reading.gtin_14:
        return master.sku_for_code(reading.gtin_14)
    if reading.kind == "text" and reading.text:
        return master.sku_for_code(reading.text)
    return None


def _layout(master: MasterData) -> Layout | None:
    """The layout held on the device, or None when there is none to route on."""
    held = master.layout()
    if held is None:
        return None
    try:
        return layout_from_dict(json.loads(held.body))
    except (RoutingError, ValueError) as exc:
        log.warning("route.layout_unusable", extra={"error": str(exc)})
        return None


def _shown(reading: Reading) -> str:
    """The scan as a person would name it."""
    value = reading.code or reading.gtin or reading.text or reading.raw
    return value if len(value) <= 24 else value[:21] + "..."
