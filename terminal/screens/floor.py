"""The supervisor's floor: waves, pickers and exceptions, live.

At a bench (80 columns and up) the tables show every figure; on a handheld
they keep what fits: the wave, its bar and its picker.
"""

from __future__ import annotations

import asyncio
from typing import Any

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static, TabbedContent, TabPane

from terminal.screens.assign import AssignScreen, Choice
from terminal.widgets.feedback_line import FeedbackLine
from terminal.widgets.status_line import StatusLine
from terminal.workflows.picking import Feedback
from terminal.workflows.supervising import Snapshot, Supervision, progress_bar
from wire import Event, ExceptionAction, FloorTask, OperatorRow, WaveSummary

WIDE = 80
"""From this many columns, the tables show every figure."""
TABS = ("waves", "pickers", "exceptions", "tasks")
WAVE_KEYS = {"assign", "hold", "release", "cancel", "build"}
EXCEPTION_KEYS = {"accept", "recount", "return_stock"}
SHORT_STATUS = {"assigned": "on", "released": "next", "held": "HELD"}
"""A wave's status in the four columns a handheld has for it."""
WAVE_FIGURES = [
    "Status",
    "Left",
    "Planned m",
    "Walked m",
    "Saving",
    "Pace",
    "Finish",
    "Cut-off",
]


class FloorScreen(Screen[None]):
    """Renders a `Supervision` and refreshes it on every event of the floor."""

    BINDINGS = [
        Binding("escape", "dismiss", "Menu"),
        Binding("1", "tab('waves')", "Waves", show=False),
        Binding("2", "tab('pickers')", "Pickers", show=False),
        Binding("3", "tab('exceptions')", "Exceptions", show=False),
        Binding("4", "tab('tasks')", "Tasks", show=False),
        Binding("f4", "assign", "Assign"),
        Binding("f5", "hold", "Hold"),
        Binding("f6", "release", "Release"),
        Binding("f7", "cancel", "Cancel"),
        Binding("f8", "build", "Build"),
        Binding("f4", "accept", "Accept"),
        Binding("f5", "recount", "Recount"),
        Binding("f6", "return_stock", "Return"),
    ]

    DEFAULT_CSS = """
    /* The tables scroll; the feedback line below them stays in sight. */
    FloorScreen TabbedContent { height: 1fr; }
    FloorScreen TabPane { height: 1fr; padding: 0; }
    FloorScreen DataTable { height: 1fr; }
    """

    live: reactive[bool] = reactive(False)
    """Whether the event stream is connected."""
    wide: reactive[bool] = reactive(True)
    """Whether the screen has room for every figure."""

    def __init__(self, supervision: Supervision) -> None:
        super().__init__()
        self.supervision = supervision
        self._changed = asyncio.Event()
        self._cancelling: int | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="body"):
            yield Static(id="title")
            with TabbedContent(initial="waves"):
                for tab in TABS:
                    with TabPane(tab.capitalize(), id=tab):
                        yield DataTable(id=f"{tab}-table", cursor_type="row")
            yield FeedbackLine()
        yield StatusLine()
        yield Footer()

    def on_mount(self) -> None:
        self.wide = self.size.width >= WIDE
        self._columns()
        self.watch_live(self.live)
        self.run_worker(self._follow(), name="floor-events", group="floor")
        self.run_worker(self._refresher(), name="floor-refresh", group="floor")
        self._changed.set()

    # Watchers and handlers

    def watch_live(self, live: bool) -> None:
        word = "live" if live else "reconnecting…"
        self.query_one("#title", Static).update(Text(f"Floor · {word}"))

    def watch_wide(self, _wide: bool) -> None:
        if self.is_mounted:
            self._columns()
            self.show(self.supervision.snapshot)

    def on_resize(self, event: events.Resize) -> None:
        self.wide = event.size.width >= WIDE

    def on_tabbed_content_tab_activated(self, _event: Any) -> None:
        self.refresh_bindings()
        self.query_one(f"#{self._tab()}-table", DataTable).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in WAVE_KEYS:
            return self._tab() == "waves"
        if action in EXCEPTION_KEYS:
            return self._tab() == "exceptions"
        return True

    # Live

    async def _follow(self) -> None:
        async for live in self.supervision.follow(self._on_event):
            self.live = live
            if live:
                self._changed.set()  # catch up with what happened meanwhile

    async def _on_event(self, _event: Event) -> None:
        self._changed.set()

    async def _refresher(self) -> None:
        """Refresh once per burst of events: those arriving meanwhile wait."""
        while True:
            await self._changed.wait()
            self._changed.clear()
            feedback = await self.supervision.ask(self.supervision.refresh())
            if isinstance(feedback, Feedback):
                self.query_one(FeedbackLine).show(False, feedback.message)
            else:
                self.show(feedback)

    # Rendering

    def show(self, snapshot: Snapshot) -> None:
        """Draw the tables, keeping each cursor on the row it was on."""
        self._fill(
            "waves", [(str(w.wave_id), self._wave_row(w)) for w in snapshot.waves]
        )
        self._fill(
            "pickers",
            [(str(p.user_id), self._picker_row(p)) for p in snapshot.pickers],
        )
        self._fill(
            "exceptions",
            [(str(x.id), self._exception_row(x)) for x in snapshot.exceptions],
        )
        self._fill(
            "tasks",
            [(str(t.id), self._task_row(t)) for t in snapshot.floor_tasks],
        )
        tabs = self.query_one(TabbedContent)
        count = len(snapshot.exceptions)
        tabs.get_tab("exceptions").label = (
            f"Exceptions {count}" if count else "Exceptions"
        )

    def _columns(self) -> None:
        wide = self.wide
        heads = {
            "waves": ["Wave", "Progress", "Picker"]
            + (WAVE_FIGURES if wide else ["St"]),
            "pickers": ["Picker", "Wave", "At"]
            + (["Last pick", "Lines 1 h", "Pace"] if wide else []),
            "exceptions": ["Kind", "Where", "Qty"] + (["Detail"] if wide else []),
            "tasks": ["To do", "Where", "Product", "Qty"] + (["Since"] if wide else []),
        }
        for tab, columns in heads.items():
            table = self.query_one(f"#{tab}-table", DataTable)
            table.clear(columns=True)
            table.add_columns(*columns)

    def _fill(self, tab: str, rows: list[tuple[str, list[Text]]]) -> None:
        table = self.query_one(f"#{tab}-table", DataTable)
        keep = self._selected_key(table)
        table.clear()
        for key, cells in rows:
            table.add_row(*cells, key=key)
        keys = [key for key, _ in rows]
        if keep in keys:
            table.move_cursor(row=keys.index(keep))

    def _wave_row(self, w: WaveSummary) -> list[Text]:
        done = w.lines - w.open
        bar = progress_bar(done, w.lines, 10 if self.wide else 6)
        cells = [
            Text(w.name),
            Text(f"{bar} {done}/{w.lines}"),
            Text(w.assigned_name or "-"),
        ]
        if not self.wide:
            return [*cells, Text(SHORT_STATUS.get(w.status, w.status[:4]))]
        if self.wide:
            saving = ""
            if w.planned_length_m and w.sshape_length_m:
                saving = f"{100 * (1 - w.planned_length_m / w.sshape_length_m):.0f} %"
            cells += [
                Text(w.status),
                Text(str(w.open)),
                Text(f"{w.planned_length_m or 0:.0f}"),
                Text(f"{w.walked_m:.0f}"),
                Text(saving),
                Text(f"{w.lines_per_hour:.0f}/h" if w.lines_per_hour else "-"),
                Text((w.finish_at or "")[11:16] or "-"),
                Text((w.cutoff or "")[11:16] or "-"),
            ]
        return cells

    def _picker_row(self, p: Any) -> list[Text]:
        cells = [
            Text(p.display_name),
            Text(p.wave_name or "-"),
            Text(p.location or "-"),
        ]
        if self.wide:
            cells += [
                Text((p.last_pick_at or "")[11:16] or "-"),
                Text(str(p.lines_done)),
                Text(f"{p.lines_per_hour:.0f}/h" if p.lines_per_hour else "-"),
            ]
        return cells

    def _task_row(self, t: FloorTask) -> list[Text]:
        cells = [
            Text(t.kind),
            Text(t.location),
            Text(t.sku),
            Text("" if t.quantity is None else str(t.quantity)),
        ]
        if self.wide:
            cells.append(Text(t.created_at[11:16]))
        return cells

    def _exception_row(self, x: Any) -> list[Text]:
        cells = [
            Text(x.kind.replace("_", " ")),
            Text(x.location or "-"),
            Text("" if x.quantity is None else str(x.quantity)),
        ]
        if self.wide:
            cells.append(Text(x.detail))
        return cells

    # Actions

    def action_tab(self, tab: str) -> None:
        """Show one of the tables."""
        self.query_one(TabbedContent).active = tab

    async def action_assign(self) -> None:
        """Give the selected wave to a picker: scan their badge or choose."""
        wave = self._wave()
        if wave is None:
            return
        people = await self.supervision.pickers_to_choose()
        if isinstance(people, Feedback):
            self.answer(people)
            return

        def chosen(choice: Choice | None) -> None:
            if choice is not None:
                self.run_worker(self._assign(wave, choice), name="assign")

        self.app.push_screen(AssignScreen(wave, people), callback=chosen)

    async def _assign(self, wave: WaveSummary, choice: Choice) -> None:
        if isinstance(choice, OperatorRow):
            feedback = await self.supervision.assign(wave, user=choice)
        else:
            feedback = await self.supervision.assign(wave, badge=choice)
        self.answer(feedback)

    async def action_hold(self) -> None:
        """Stop the selected wave: its picker's device takes it off on next sync."""
        await self._act("hold")

    async def action_release(self) -> None:
        """Let the selected wave be picked."""
        await self._act("release")

    async def action_cancel(self) -> None:
        """Cancel the selected wave; asks once more first."""
        wave = self._wave()
        if wave is None:
            return
        if self._cancelling != wave.wave_id:
            self._cancelling = wave.wave_id
            self.answer(Feedback(False, f"Press F7 again to cancel {wave.name}."))
            return
        self._cancelling = None
        await self._act("cancel")

    async def action_build(self) -> None:
        """Build waves from the open orders."""
        self.answer(await self.supervision.build())

    async def action_accept(self) -> None:
        """Accept the selected exception as it is."""
        await self._resolve("accept")

    async def action_recount(self) -> None:
        """Have the selected exception's location counted again."""
        await self._resolve("recount")

    async def action_return_stock(self) -> None:
        """Have the extra items of the selected exception put back."""
        await self._resolve("return")

    def answer(self, feedback: Feedback) -> None:
        """Show what an action came to."""
        self.query_one(FeedbackLine).show(feedback.ok, feedback.message)

    # Helpers

    async def _act(self, action: str) -> None:
        wave = self._wave()
        if wave is not None:
            self.answer(await self.supervision.act(wave, action))

    async def _resolve(self, action: ExceptionAction) -> None:
        table = self.query_one("#exceptions-table", DataTable)
        key = self._selected_key(table)
        row = next(
            (x for x in self.supervision.snapshot.exceptions if str(x.id) == key), None
        )
        if row is None:
            self.answer(Feedback(False, "No exception chosen."))
            return
        self.answer(await self.supervision.resolve(row, action))

    def _wave(self) -> WaveSummary | None:
        key = self._selected_key(self.query_one("#waves-table", DataTable))
        wave = next(
            (w for w in self.supervision.snapshot.waves if str(w.wave_id) == key), None
        )
        if wave is None:
            self.answer(Feedback(False, "No wave chosen."))
        return wave

    def _tab(self) -> str:
        return self.query_one(TabbedContent).active or "waves"

    @staticmethod
    def _selected_key(table: DataTable[Any]) -> str | None:
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return key.value
