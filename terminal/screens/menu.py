"""What a signed-in operator can do, by role."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from terminal.device import SignedIn
from terminal.widgets.feedback_line import FeedbackLine
from terminal.widgets.status_line import StatusLine


class MenuScreen(Screen[None]):
    """Choose the next job."""

    BINDINGS = [
        Binding("1", "pick", "Pick"),
        Binding("2", "sync", "Send"),
        Binding("3", "floor", "Floor"),
        Binding("4", "stock", "Stock"),
        Binding("5", "pack", "Pack"),
        Binding("0", "sign_out", "Sign out"),
        Binding("f9", "demo", "Demo", show=False),
    ]

    PACKING_ROLES = ("packer", "supervisor")

    def __init__(self, signed_in: SignedIn) -> None:
        super().__init__()
        self.signed_in = signed_in

    def compose(self) -> ComposeResult:
        operator = self.signed_in.operator
        with Vertical(id="body"):
            yield Static(f"{operator.display_name} · {operator.role}", id="title")
            yield Static("1  Pick the next wave", classes="choice")
            yield Static("2  Send queued work now", classes="choice")
            if operator.role == "supervisor":
                yield Static("3  Floor: waves, pickers, exceptions", classes="choice")
            yield Static("4  Look up stock", classes="choice")
            if operator.role in self.PACKING_ROLES:
                yield Static("5  Pack a tote", classes="choice")
            yield Static("0  Sign out", classes="choice")
            if not self.signed_in.online:
                yield Static("Signed in offline: work on this device only.")
            yield FeedbackLine()
        yield StatusLine()
        yield Footer()

    def action_pick(self) -> None:
        """Open the next wave."""
        self.tell(True, "Looking for work…")
        self.app.start_pick(self.signed_in)  # type: ignore[attr-defined]

    def action_sync(self) -> None:
        """Send queued confirmations now."""
        self.app.device.sync.wake()  # type: ignore[attr-defined]
        self.tell(True, "Sending queued work.")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "floor":
            return self.signed_in.operator.role == "supervisor"
        if action == "pack":
            return self.signed_in.operator.role in self.PACKING_ROLES
        return True

    def action_floor(self) -> None:
        """Supervisors: the floor, live."""
        if self.signed_in.token is None:
            self.tell(False, "The floor needs the stock service: sign in online.")
            return
        self.app.open_floor(self.signed_in)  # type: ignore[attr-defined]

    def action_stock(self) -> None:
        """What the stock record holds at a location or of a product."""
        self.app.open_stock()  # type: ignore[attr-defined]

    def action_demo(self) -> None:
        """Demo only: the job of this role."""
        if self.signed_in.operator.role == "packer":
            self.action_pack()
        else:
            self.action_pick()

    def action_pack(self) -> None:
        """Open the packing bench."""
        self.tell(True, "Opening the bench…")
        self.app.start_pack(self.signed_in)  # type: ignore[attr-defined]

    def action_sign_out(self) -> None:
        """Back to the sign-in screen."""
        self.dismiss()

    def tell(self, ok: bool, message: str) -> None:
        """Show the outcome of a choice."""
        self.query_one(FeedbackLine).show(ok, message)
