"""Packing at the bench: the order's lines with what is checked, one prompt."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from devices.barcode import Reading, interpret
from devices.errors import ScaleError
from devices.scale import read_weight
from terminal.scanners import Scanned
from terminal.widgets.feedback_line import FeedbackLine
from terminal.widgets.scan_entry import ScanEntry
from terminal.widgets.status_line import StatusLine
from terminal.workflows.packing import CARTONS, PackingWorkflow, Step
from terminal.workflows.picking import Feedback

T = TypeVar("T")


class PackScreen(Screen[None]):
    """Renders a ``PackingWorkflow`` and feeds it every scan and key."""

    BINDINGS = [
        Binding("f3", "missing", "Missing"),
        Binding("f5", "print_again", "Print"),
        Binding("f6", "scale", "Scale"),
        Binding("f9", "demo_scan", "Demo"),
        Binding("escape", "leave", "Back"),
    ]

    def __init__(self, flow: PackingWorkflow) -> None:
        super().__init__()
        self.flow = flow
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(id="body"):
            with Horizontal(id="top"):
                yield Static(id="order")
                yield Static(id="progress")
            yield Static(id="prompt")
            yield Static(id="lines")
            yield Static(id="label")
            yield Static(id="shipped")
            yield ScanEntry(id="entry", placeholder="scan or type, then Enter")
            yield FeedbackLine()
        yield StatusLine()
        yield Footer()

    def on_mount(self) -> None:
        told = self.flow.resume()
        self.render_step()
        if told is not None:
            self.answer(told)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        step = self.flow.step
        if action == "demo_scan":
            return bool(self.app.demo)  # type: ignore[attr-defined]
        if action == "missing":
            return step is Step.VERIFY
        if action == "print_again":
            return step is Step.LABEL
        if action == "scale":
            return step is Step.WEIGHT and self.flow.has_scale
        if action == "leave":
            return step not in (Step.LABEL, Step.SHIP)
        return True

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        event.input.value = ""
        await self.submit(event.value)

    async def on_scanned(self, message: Scanned) -> None:
        await self._take(message.reading, self.flow.scan, message.reading)

    async def submit(self, text: str) -> None:
        """Hand one typed entry to the workflow and show its answer."""
        reading = interpret(text, separators=self.flow.separators) if text else None
        await self._take(reading, self.flow.enter, text)

    async def _take(
        self, reading: Reading | None, step: Callable[[T], Feedback], entry: T
    ) -> None:
        if self.busy:
            self.answer(Feedback(False, "One moment: the label is on its way."))
            return
        code = self.flow.lookup_code(reading) if reading is not None else None
        if code is not None:
            await self.app.device.fetch_pack_work(code)  # type: ignore[attr-defined]
        before = self.flow.step
        self.answer(await asyncio.to_thread(step, entry))
        await self._follow(before)

    async def _follow(self, before: Step) -> None:
        """Print a label just closed; send what was confirmed."""
        flow = self.flow
        if before is not Step.LABEL and flow.step is Step.LABEL:
            device = self.app.device  # type: ignore[attr-defined]
            device.sync.wake()
            await self._print()
            self.run_worker(device.top_up_ssccs(), group="sscc")
        if before is Step.SHIP and flow.step is not Step.SHIP and flow.shipped:
            self.run_worker(
                self._tell_stock_record(flow.shipped[-1]), group="stock-record"
            )

    async def _tell_stock_record(self, order_id: str) -> None:
        """Tell the packer what the stock record says of the order just shipped."""
        status = await self.app.device.shipped_at_service(order_id)  # type: ignore[attr-defined]
        if status is None:
            message = f"Order {order_id}: queued; it reaches the stock record later."
        else:
            message = f"Stock record: order {order_id} is {status}."
        self.app.notify(message, title="Shipped", markup=False, timeout=8)
        self.query_one("#shipped", Static).update(Text(message))

    async def _print(self) -> None:
        self.busy = True
        try:
            self.answer(await asyncio.to_thread(self.flow.print_label))
        finally:
            self.busy = False

    def answer(self, feedback: Feedback) -> None:
        """Show the workflow's answer and the step it leads to."""
        self.query_one(FeedbackLine).show(feedback.ok, feedback.message)
        self.render_step()

    def render_step(self) -> None:
        """Draw the current step."""
        flow = self.flow
        self.refresh_bindings()
        where = f"Order {flow.order_id}" if flow.order_id else "Packing"
        if flow.code and flow.code != flow.order_id:
            where += f" · tote {flow.code}"
        self.query_one("#order", Static).update(Text(where))
        progress = f"{flow.checked} of {flow.wanted}" if flow.lines else ""
        self.query_one("#progress", Static).update(Text(progress))
        self.query_one("#prompt", Static).update(Text(flow.prompt()))
        self.query_one("#lines", Static).update(self._lines())
        label = flow.label_text()
        if flow.preview is not None and flow.step is Step.SHIP:
            label.append(f"preview {flow.preview.name} in {flow.preview.parent}/")
        self.query_one("#label", Static).update(Text("\n".join(label)))

    def _lines(self) -> Text:
        flow = self.flow
        if flow.step is Step.CARTON:
            return Text(
                "\n".join(
                    f"{i}  {code:<6} {name}"
                    for i, (code, name) in enumerate(CARTONS, 1)
                )
            )
        out = Text(no_wrap=True, overflow="ellipsis")
        if flow.step is Step.START:
            waiting = flow.bench.ready_totes()
            if waiting:
                out.append("Waiting: " + " ".join(waiting[:12]))
            return out
        # What is left to check first: the list may not fit the screen.
        for line in sorted(flow.lines, key=lambda ln: ln.done):
            mark = "OK" if line.done else "  "
            style = "green" if line.done else "bold"
            out.append(f"{mark} {line.checked}/{line.wanted} {line.sku:<7} ", style)
            out.append(f"{line.description}\n")
        for item in flow.set_aside:
            out.append(f"!! aside {item.quantity} × {item.sku}\n", "red")
        if flow.weight is not None and flow.step is Step.CLOSE:
            out.append(f"{flow.carton} · {flow.weight} kg\n", "bold")
        return out

    async def action_missing(self) -> None:
        """Pack what is here; the rest is reported missing."""
        self.answer(self.flow.missing())

    async def action_print_again(self) -> None:
        """Send the label again (asked for by the packer)."""
        if self.flow.step is Step.LABEL and not self.busy:
            await self._print()

    async def action_scale(self) -> None:
        """Read the bench scale."""
        url = self.app.device.scale  # type: ignore[attr-defined]
        try:
            kg = await asyncio.to_thread(read_weight, url)
        except ScaleError as exc:
            self.answer(Feedback(False, f"{exc} Type the weight instead."))
            return
        self.answer(self.flow.weighed(kg))

    async def action_demo_scan(self) -> None:
        """Demo only: 'scan' what this step expects."""
        if self.flow.step is Step.LABEL:
            await self.action_print_again()
            return
        await self.submit(self.flow.expected_scan())

    def action_leave(self) -> None:
        """Back: out of an order not yet closed, or to the menu."""
        if self.flow.step is Step.START:
            self.dismiss()
            return
        self.answer(self.flow.leave())
