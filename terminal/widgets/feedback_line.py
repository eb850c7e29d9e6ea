"""The answer to the last input: green for good, red for bad, words for both."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class FeedbackLine(Static):
    """Up to three lines of feedback; scan text is shown literally, never styled."""

    DEFAULT_CSS = """
    FeedbackLine { height: auto; max-height: 3; width: 1fr; }
    FeedbackLine.-good { background: ansi_green; color: ansi_black; }
    FeedbackLine.-bad {
        background: ansi_red; color: ansi_bright_white; text-style: bold;
    }
    """

    def show(self, ok: bool, message: str) -> None:
        """Show a good or bad answer; a bad one rings the bell."""
        self.set_class(ok, "-good")
        self.set_class(not ok, "-bad")
        self.update(Text(("OK " if ok else "!! ") + message))
        if not ok:
            self.app.bell()

    def clear(self) -> None:
        """Show nothing."""
        self.remove_class("-good", "-bad")
        self.update("")
