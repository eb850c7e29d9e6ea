"""Picking: one line at a time, the location large, the next one small."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Digits, Footer, Input, Static

from terminal.scanners import Scanned
from terminal.widgets.feedback_line import FeedbackLine
from terminal.widgets.scan_entry import ScanEntry
from terminal.widgets.status_line import StatusLine
from terminal.workflows.picking import SHORT_REASONS, Feedback, PickingWorkflow, Step

T = TypeVar("T")


class PickScreen(Screen[None]):
    """Renders a ``PickingWorkflow`` and feeds it every scan and key."""

    BINDINGS = [
        Binding("f2", "skip", "Skip"),
        Binding("f3", "short", "Short"),
        Binding("f9", "demo_scan", "Demo"),
        Binding("escape", "back", "Back", show=False),
    ]

    def __init__(self, flow: PickingWorkflow) -> None:
        super().__init__()
        self.flow = flow

    def compose(self) -> ComposeResult:
        with Vertical(id="body"):
            with Horizontal(id="top"):
                yield Static(id="wave")
                yield Static(id="progress")
            yield Static(id="prompt")
            yield Digits(id="big")
            yield Static(id="where")
            yield Static(id="product")
            yield Static(id="detail")
            yield Static(id="next")
            yield ScanEntry(id="entry", placeholder="scan or type, then Enter")
            yield FeedbackLine()
        yield StatusLine()
        yield Footer()

    def on_mount(self) -> None:
        self.render_step()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "demo_scan":
            return bool(self.app.demo)  # type: ignore[attr-defined]
        if action in ("skip", "short"):
            return self.flow.step is not Step.DONE
        return True

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        event.input.value = ""
        await self.submit(event.value)

    async def on_scanned(self, message: Scanned) -> None:
        await self._hand(self.flow.scan, message.reading)

    async def submit(self, text: str) -> None:
        """Hand one typed entry to the workflow and show its answer."""
        if self.flow.step is Step.DONE:
            self.dismiss()
            return
        await self._hand(self.flow.enter, text)

    async def _hand(self, step: Callable[[T], Feedback], entry: T) -> None:
        done = self.flow.done
        feedback = await asyncio.to_thread(step, entry)
        self.answer(feedback)
        if self.flow.done != done:
            sync = self.app.device.sync  # type: ignore[attr-defined]
            sync.wake()
            await sync.queued_now()

    async def refresh_work(self) -> None:
        """The service changed this picker's work: drop what is no longer theirs."""
        feedback = await asyncio.to_thread(self.flow.refresh)
        if feedback is not None:
            if not feedback.ok:
                self.app.bell()
            self.answer(feedback)

    def answer(self, feedback: Feedback) -> None:
        """Show the workflow's answer and the step it leads to."""
        self.query_one(FeedbackLine).show(feedback.ok, feedback.message)
        self.render_step()

    def render_step(self) -> None:
        """Draw the current step."""
        flow, task = self.flow, self.flow.task
        self.refresh_bindings()
        self.query_one("#wave", Static).update(Text(f"{flow.wave_name}"))
        self.query_one("#progress", Static).update(
            Text(f"{flow.position} of {flow.total}")
        )
        self.query_one("#prompt", Static).update(Text(flow.prompt()))
        big, where = self.query_one("#big", Digits), self.query_one("#where", Static)
        if task is None or flow.step is Step.DONE:
            big.update(f"{flow.done}")
            where.update(Text(f"lines done, {flow.shorts} short. Enter for the menu."))
            for name in ("#product", "#detail", "#next"):
                self.query_one(name, Static).update("")
            return
        aisle, bay, level = [*task.location.split("-"), "", "", ""][:3]
        if flow.step is Step.QUANTITY:
            big.update(str(flow.quantity))
            where.update(Text(f"of {task.quantity} wanted · {task.location}"))
        elif flow.step is Step.TOTE:
            big.update(task.tote.lstrip("T"))
            where.update(Text(f"TOTE {task.tote} · order {task.order_id}"))
        else:
            big.update(task.location)
            where.update(Text(f"AISLE {aisle}  BAY {bay}  LEVEL {level}"))
        self.query_one("#product", Static).update(
            Text(f"{task.sku}  ×{task.quantity}  → {task.tote}")
        )
        detail = task.description
        if flow.step is Step.REASON:
            detail = "  ".join(
                f"{i} {label}" for i, (_, label) in enumerate(SHORT_REASONS, 1)
            )
        self.query_one("#detail", Static).update(Text(detail))
        following = flow.next_task
        self.query_one("#next", Static).update(
            Text(f"next {following.location}" if following else "last line")
        )

    async def action_skip(self) -> None:
        """Send this line to the end."""
        self.answer(await asyncio.to_thread(self.flow.skip))

    def action_back(self) -> None:
        """Esc: not short after all."""
        feedback = self.flow.back()
        if feedback is not None:
            self.answer(feedback)

    def action_short(self) -> None:
        """Fewer items here than wanted."""
        self.answer(self.flow.short())

    async def action_demo_scan(self) -> None:
        """Demo only: 'scan' what this step expects."""
        await self.submit(self.flow.expected_scan())
