"""The bottom line: scanners off, online or offline, how many confirmations wait,
last sync."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from offline_store.sync import SyncState


class StatusLine(Static):
    """Shows the sync state; turns into an offline banner when offline."""

    DEFAULT_CSS = """
    StatusLine { height: 1; width: 1fr; background: ansi_blue; color: ansi_white; }
    StatusLine.-offline, StatusLine.-scanner-off {
        background: ansi_yellow; color: ansi_black; text-style: bold;
    }
    """

    state: reactive[SyncState | None] = reactive(None)
    """The newest sync state, or None before the first attempt."""
    scanners_off: reactive[int] = reactive(0)
    """How many configured scanners cannot be read now."""

    def on_mount(self) -> None:
        self.state = getattr(self.app, "sync_state", None)
        scanners = getattr(self.app, "scanners", None)
        self.scanners_off = len(scanners.off) if scanners is not None else 0

    def render(self) -> Text:
        return Text(self._scanners() + self._sync())

    def _scanners(self) -> str:
        if not self.scanners_off:
            return ""
        return " NO SCANNER ·" if self.scanners_off == 1 else " SCANNERS OFF ·"

    def _sync(self) -> str:
        state = self.state
        if state is None:
            return " connecting…"
        if not state.online:
            return f" OFFLINE · {state.queued} queued · keep picking"
        when = (state.last_sync_at or "")[11:16] or "never"
        return f" online · {state.queued} queued · synced {when}"

    def watch_state(self, state: SyncState | None) -> None:
        self.set_class(state is not None and not state.online, "-offline")

    def watch_scanners_off(self, count: int) -> None:
        self.set_class(count > 0, "-scanner-off")
