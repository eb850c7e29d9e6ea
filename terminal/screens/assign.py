"""Choosing who gets a wave: scan their badge, or pick them from the list."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from devices.barcode import interpret
from terminal.scanners import Scanned
from terminal.widgets.feedback_line import FeedbackLine
from terminal.widgets.scan_entry import ScanEntry
from wire import OperatorRow, WaveSummary

Choice = OperatorRow | str
"""A picker chosen from the list, or a scanned badge."""


class AssignScreen(ModalScreen[Choice | None]):
    """Who should pick ``wave``: a badge scan or a choice; Esc for nobody."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Back"),
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
    ]

    DEFAULT_CSS = """
    AssignScreen { align: center middle; }
    AssignScreen > Vertical {
        width: 100%; max-width: 60; height: auto; max-height: 100%;
        background: ansi_black; border: solid ansi_bright_cyan; padding: 0 1;
    }
    AssignScreen OptionList { height: auto; max-height: 8; border: none; }
    /* The entry has the focus; the chosen picker must still stand out. */
    AssignScreen OptionList > .option-list--option-highlighted {
        background: ansi_blue; color: ansi_bright_white; text-style: bold;
    }
    """

    def __init__(self, wave: WaveSummary, pickers: list[OperatorRow]) -> None:
        super().__init__()
        self.wave = wave
        self.pickers = pickers

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(f"Give {self.wave.name} to"), id="title")
            yield Static("scan a badge, or ↑↓ and Enter:")
            yield OptionList(
                *(Option(Text(p.display_name), id=str(p.user_id)) for p in self.pickers)
            )
            yield ScanEntry(id="entry", placeholder="badge")
            yield FeedbackLine()
        yield Footer()

    def on_mount(self) -> None:
        # The entry keeps the focus, so a scanner typing into the terminal lands
        # there; the arrows move through the list.
        others = [p.user_id != self.wave.assigned_to for p in self.pickers]
        self.query_one(OptionList).highlighted = (
            others.index(True) if True in others else None
        )
        self.query_one(ScanEntry).focus()

    def on_scanned(self, message: Scanned) -> None:
        self._badge(message.reading.kind, message.reading.code)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.input.value = ""
        if not event.value:
            highlighted = self.query_one(OptionList).highlighted
            if highlighted is not None:
                self.dismiss(self.pickers[highlighted])
            return
        reading = interpret(event.value)
        self._badge(reading.kind, reading.code)

    def action_move(self, step: int) -> None:
        """Move the highlight through the list of pickers."""
        options = self.query_one(OptionList)
        if options.option_count:
            now = options.highlighted or 0
            options.highlighted = max(0, min(options.option_count - 1, now + step))

    def _badge(self, kind: str, code: str | None) -> None:
        if kind == "badge" and code:
            self.dismiss(code)
        else:
            self.query_one(FeedbackLine).show(False, "That is not a badge.")
