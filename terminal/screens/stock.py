"""Stock lookup: scan a location or a product, see the stock record now."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from devices.barcode import Reading, interpret
from terminal.scanners import Scanned
from terminal.widgets.feedback_line import FeedbackLine
from terminal.widgets.scan_entry import ScanEntry
from terminal.widgets.status_line import StatusLine
from terminal.workflows.stock_lookup import StockAnswer, StockLookup


class StockScreen(Screen[None]):
    """Shows what a `StockLookup` answers for each scan."""

    BINDINGS = [Binding("escape", "dismiss", "Menu")]

    DEFAULT_CSS = """
    StockScreen DataTable { height: 1fr; }
    """

    def __init__(self, lookup: StockLookup) -> None:
        super().__init__()
        self.lookup = lookup

    def compose(self) -> ComposeResult:
        with Vertical(id="body"):
            yield Static("Stock on record", id="title")
            yield Static("Scan a location or a product", id="prompt")
            yield ScanEntry(id="entry", placeholder="scan or type, then Enter")
            yield FeedbackLine()
            yield DataTable(id="stock-table", cursor_type="row")
        yield StatusLine()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("Location", "Product", "Lot", "On hand")
        self.query_one(ScanEntry).focus()

    async def on_scanned(self, message: Scanned) -> None:
        await self.look(message.reading)

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        event.input.value = ""
        if event.value:
            await self.look(interpret(event.value))

    async def look(self, reading: Reading) -> None:
        """Ask the service about one scan and show the answer."""
        self.show(await self.lookup.look(reading))

    def show(self, answer: StockAnswer) -> None:
        """The answer's sentence, and its rows in the table."""
        self.query_one(FeedbackLine).show(answer.ok, answer.message)
        table = self.query_one(DataTable)
        table.clear()
        for row in answer.rows:
            table.add_row(
                Text(row.location),
                Text(row.sku),
                Text(row.lot),
                Text(str(row.quantity)),
            )
