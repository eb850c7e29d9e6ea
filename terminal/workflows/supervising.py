"""Supervising the floor: live waves, pickers and exceptions, and the actions on
them, without a screen.

`Supervision` keeps the newest `Snapshot` of the floor. The screen follows the
service's event stream (`follow`), and every event of interest refreshes the
snapshot, so a confirmation applied at the service reaches the supervisor's
screen within a fraction of a second. A stream that broke off is resumed from
the last event seen, so nothing in between is missed.

Actions answer with `Feedback`: the service's own sentence when it refuses (a
wave already closed, a badge that is not a picker's), or what to do when it
cannot be reached.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from offline_store.client import ServiceClient
from offline_store.errors import Refused, Unreachable
from terminal.workflows.picking import Feedback
from wire import (
    BuildWavesRequest,
    Event,
    ExceptionAction,
    ExceptionRow,
    FloorTask,
    OperatorRow,
    PickerSummary,
    WaveSummary,
)

log = logging.getLogger("terminal")

T = TypeVar("T")

NEXT_RELEASED = 20
"""Released waves shown besides the ones in progress: the next ones out."""
RECONNECT_S = (0.5, 1.0, 2.0, 5.0)


@dataclass(frozen=True)
class Snapshot:
    """The floor as the service last told it."""

    waves: list[WaveSummary] = field(default_factory=list)
    pickers: list[PickerSummary] = field(default_factory=list)
    exceptions: list[ExceptionRow] = field(default_factory=list)
    floor_tasks: list[FloorTask] = field(default_factory=list)


class Supervision:
    """A signed-in supervisor's view of the floor and their actions on it."""

    def __init__(self, client: ServiceClient, token: str) -> None:
        self.client = client
        self.token = token
        self.snapshot = Snapshot()
        self.last_event: int | None = None
        """The newest event seen on the stream; a resumed stream starts after."""
        self.live = False
        """Whether the event stream is connected now."""

    async def refresh(self) -> Snapshot:
        """Fetch waves in progress (and the next released), pickers, exceptions."""
        waves = await self.client.waves(status=("assigned", "held"))
        released = await self.client.waves(status=("released",), limit=NEXT_RELEASED)
        pickers = await self.client.pickers()
        exceptions = await self.client.exceptions(self.token)
        tasks = await self.client.floor_tasks()
        self.snapshot = Snapshot(waves + released, pickers, exceptions, tasks)
        return self.snapshot

    async def follow(
        self, on_event: Callable[[Event], Awaitable[None]]
    ) -> AsyncIterator[bool]:
        """Follow the event stream forever, resuming where it broke off.

        Yields True when the stream (re)connects and False when it breaks, so
        the screen can say whether it is live (and refresh on reconnecting);
        calls ``on_event`` for each event.
        """
        failures = 0
        while True:
            try:
                async for event in self._events():
                    self.last_event = event.seq
                    if event.kind == "hello":
                        self.live, failures = True, 0
                        yield True
                    else:
                        await on_event(event)
            except Unreachable as exc:
                log.info("events.broken", extra={"error": str(exc)})
            if self.live:
                self.live = False
                yield False
            await asyncio.sleep(RECONNECT_S[min(failures, len(RECONNECT_S) - 1)])
            failures += 1

    async def _events(self) -> AsyncIterator[Event]:
        async for event in self.client.events(after=self.last_event):
            yield event

    # Actions

    async def assign(
        self, wave: WaveSummary, *, user: OperatorRow | None = None, badge: str = ""
    ) -> Feedback:
        """Give ``wave`` to a picker, chosen from the list or by their badge."""
        summary = await self.ask(
            self.client.assign(
                self.token,
                wave.wave_id,
                user_id=user.user_id if user else None,
                badge=badge or None,
            )
        )
        if isinstance(summary, Feedback):
            return summary
        return Feedback(True, f"{wave.name} is now {summary.assigned_name}'s.")

    async def act(self, wave: WaveSummary, action: str) -> Feedback:
        """Release, hold or cancel ``wave``."""
        summary = await self.ask(
            self.client.wave_action(self.token, wave.wave_id, action)
        )
        if isinstance(summary, Feedback):
            return summary
        return Feedback(True, f"{wave.name} is {summary.status}.")

    async def build(self) -> Feedback:
        """Group the open orders onto carts of four totes, released at once."""
        result = await self.ask(
            self.client.build_waves(self.token, BuildWavesRequest())
        )
        if isinstance(result, Feedback):
            return result
        if not result.wave_ids:
            return Feedback(False, "No open orders to build waves from.")
        return Feedback(
            True,
            f"{len(result.wave_ids)} waves from {result.orders_waved} orders;"
            f" {result.orders_left} orders wait.",
        )

    async def resolve(self, row: ExceptionRow, action: ExceptionAction) -> Feedback:
        """Accept an exception, or send someone to recount or return the items."""
        done = await self.ask(self.client.resolve(self.token, row.id, action))
        if isinstance(done, Feedback):
            return done
        said = {
            "accept": "accepted",
            "recount": f"recount of {row.location} asked for",
            "return": f"return to {row.location} asked for",
        }[action]
        return Feedback(True, f"Exception {row.id}: {said}.")

    async def pickers_to_choose(self) -> list[OperatorRow] | Feedback:
        """The pickers a wave can be given to."""
        return await self.ask(self.client.users(self.token, role="picker"))

    async def ask(self, call: Awaitable[T]) -> T | Feedback:
        """The call's answer, or Feedback saying why there is none."""
        try:
            return await call
        except Refused as exc:
            return Feedback(False, exc.detail)
        except Unreachable:
            return Feedback(
                False, "The stock service cannot be reached: nothing was changed."
            )


def progress_bar(done: int, total: int, width: int) -> str:
    """``done`` of ``total`` as a bar of block characters ``width`` wide."""
    if total <= 0 or width <= 0:
        return ""
    filled = round(width * done / total)
    return "█" * filled + "░" * (width - filled)
