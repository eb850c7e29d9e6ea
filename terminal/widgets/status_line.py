"""The bottom line: online or offline, how many confirmations wait, last sync."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from offline_store.sync import SyncState


class StatusLine(Static):
    """Shows the sync state; turns into an offline banner when offline."""

    DEFAULT_CSS = """
    StatusLine { height: 1; width: 1fr; background: ansi_blue; color: ansi_white; }
    StatusLine.-offline {
        background: ansi_yellow; color: ansi_black; text-style: bold;
    }
    """

    state: reactive[SyncState | None] = reactive(None)
    """The newest sync state, or None before the first attempt."""

    def on_mount(self) -> None:
        self.state = getattr(self.app, "sync_state", None)

    def render(self) -> Text:
        state = self.state
        if state is None:
            return Text(" connecting…")
        if not state.online:
            return Text(f" OFFLINE · {state.queued} queued · keep picking")
        when = (state.last_sync_at or "")[11:16] or "never"
        return Text(f" online · {state.queued} queued · synced {when}")

    def watch_state(self, state: SyncState | None) -> None:
        self.set_class(state is not None and not state.online, "-offline")
