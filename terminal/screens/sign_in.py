"""Sign in: scan a badge, or type a user name and then a PIN."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from devices.barcode import Reading, interpret
from terminal.device import SignInRefused
from terminal.scanners import Scanned
from terminal.widgets.feedback_line import FeedbackLine
from terminal.widgets.scan_entry import ScanEntry
from terminal.widgets.status_line import StatusLine

DEMO_HINT = "Demo: badge B1001 picks, B2001 packs"


class SignInScreen(Screen[None]):
    """Who is working on this device."""

    BINDINGS = [
        Binding("f9", "demo_scan", "Demo"),
        Binding("escape", "restart", "Back", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.user: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="body"):
            yield Static("pickwise", id="title")
            yield Static("Scan your badge", id="prompt")
            yield Static("or type your user name", id="hint")
            yield ScanEntry(id="entry", placeholder="badge or user name")
            yield FeedbackLine()
            if self.app.demo:  # type: ignore[attr-defined]
                yield Static(DEMO_HINT, id="demo-hint")
        yield StatusLine()
        yield Footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "demo_scan":
            return bool(self.app.demo)  # type: ignore[attr-defined]
        return True

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        entry = self.query_one(Input)
        entry.value = ""
        await self.submit(event.value)

    async def on_scanned(self, message: Scanned) -> None:
        await self.take(message.reading)

    async def submit(self, text: str) -> None:
        """Handle a typed badge number, user name or PIN."""
        if not text:
            return
        if self.user is not None:
            await self._sign_in(user=self.user, pin=text)
            return
        await self.take(interpret(text))

    async def take(self, reading: Reading) -> None:
        """Handle a badge, or a user name or PIN, scanned or typed."""
        feedback = self.query_one(FeedbackLine)
        if reading.kind == "badge":
            await self._sign_in(badge=reading.code)
        elif self.user is not None:
            await self._sign_in(user=self.user, pin=reading.raw)
        elif reading.kind == "text" and reading.text:
            self.user = reading.text
            self.query_one("#prompt", Static).update(Text(f"PIN for {reading.text}"))
            self.query_one("#hint", Static).update("Esc to start again")
            self.query_one(Input).password = True
            feedback.clear()
        else:
            feedback.show(
                False, reading.message or "Scan your badge or type your name."
            )

    async def _sign_in(self, **credentials: str | None) -> None:
        feedback = self.query_one(FeedbackLine)
        feedback.show(True, "Signing in…")
        try:
            signed_in = await self.app.device.sign_in(**credentials)  # type: ignore[attr-defined]
        except SignInRefused as exc:
            self.action_restart()
            feedback.show(False, str(exc))
            return
        self.action_restart()
        self.app.open_menu(signed_in)  # type: ignore[attr-defined]

    def action_restart(self) -> None:
        """Forget a typed user name and ask for a badge again."""
        self.user = None
        self.query_one("#prompt", Static).update("Scan your badge")
        self.query_one("#hint", Static).update("or type your user name")
        self.query_one(Input).password = False
        self.query_one(FeedbackLine).clear()

    async def action_demo_scan(self) -> None:
        """Demo only: sign in as the demo picker."""
        await self.submit("1234" if self.user else "B1001")
