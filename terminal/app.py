"""The pickwise terminal: wires screens, scanners, the sync worker and worker
failures."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from textual.app import App
from textual.binding import Binding
from textual.worker import Worker, WorkerState

from devices.barcode import GS, interpret
from offline_store.errors import Refused, Unreachable
from offline_store.sync import SyncState
from terminal.device import Device, SignedIn
from terminal.scanners import (
    ScanArrived,
    Scanned,
    Scanners,
    ScannerSignalled,
)
from terminal.screens.floor import FloorScreen
from terminal.screens.menu import MenuScreen
from terminal.screens.pack import PackScreen
from terminal.screens.pick import PickScreen
from terminal.screens.sign_in import SignInScreen
from terminal.screens.stock import StockScreen
from terminal.widgets.status_line import StatusLine
from terminal.workflows.packing import PackingWorkflow
from terminal.workflows.picking import PickingWorkflow
from terminal.workflows.stock_lookup import StockLookup
from terminal.workflows.supervising import Supervision

log = logging.getLogger("terminal")

NOTICE_S = 15
"""Seconds a notice about someone's work stays; it covers the status line."""


class PickwiseApp(App[int]):
    """Full-screen, keyboard only; a picker cannot quit it."""

    CSS_PATH = "pickwise.tcss"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("ctrl+q", "ignore", show=False, priority=True),
        Binding("ctrl+c", "ignore", show=False, priority=True),
        Binding("ctrl+p", "ignore", show=False, priority=True),
    ]

    def __init__(
        self,
        device: Device,
        *,
        demo: bool = False,
        scanners: Scanners | None = None,
        separators: tuple[str, ...] = (GS,),
    ) -> None:
        super().__init__()
        self.device = device
        self.demo = demo
        self.scanners = scanners or Scanners()
        self.separators = separators
        self.sync_state: SyncState | None = None
        self.signed_in: SignedIn | None = None
        if demo:
            self.title = "pickwise demo"
            self.bind("f10", "quit_demo", description="Quit")
            if device.link is not None:
                self.bind("f11", "switch_network", description="Wi-Fi")

    def on_mount(self) -> None:
        self.theme = "ansi-dark"
        self.device.sync.on_change = self._sync_changed
        # Each long-lived worker in a group of its own: an exclusive worker
        # cancels the others of its group, and nothing may cancel sync.
        self.run_worker(
            self.device.sync.run(), name="sync", group="sync", exit_on_error=False
        )
        self.run_worker(
            self.device.refresh_master(),
            name="master",
            group="master",
            exit_on_error=False,
        )
        self.push_screen(SignInScreen())
        self.scanners.start(self)

    async def on_unmount(self) -> None:
        await asyncio.to_thread(self.scanners.stop)

    def on_scan_arrived(self, message: ScanArrived) -> None:
        """Any source's scan: interpreted once, handed to the current screen."""
        scan = message.scan
        reading = interpret(scan.text, separators=self.separators)
        log.info("scan", extra={"source": scan.source, "kind": reading.kind})
        self.screen.post_message(Scanned(scan, reading))

    def on_scanner_signalled(self, message: ScannerSignalled) -> None:
        """A scanner lost, refused, back, or a scan to repeat: tell the person."""
        device, signal = message.device, message.signal
        log.info("scanner.signal", extra={"device": device, "kind": signal.kind})
        told = self.scanners.note(device, signal)
        if told is not None:
            if told.bell:
                self.bell()
            self.notify(
                told.message,
                title=told.title,
                severity=told.severity,
                timeout=told.timeout,
                markup=False,
            )
        for line in self.screen.query(StatusLine):
            line.scanners_off = len(self.scanners.off)

    def open_menu(self, signed_in: SignedIn) -> None:
        """Show the menu of a signed-in operator."""
        self.signed_in = signed_in
        self.push_screen(MenuScreen(signed_in), callback=self._signed_out)
        self._tell_rejections()

    def _signed_out(self, _result: None) -> None:
        signed_in, self.signed_in = self.signed_in, None
        self.clear_notifications()  # the next person need not read them
        if signed_in is not None and signed_in.token is not None:
            self.run_worker(
                self._end_session(signed_in.token), name="sign-out", group="sign-out"
            )

    async def _end_session(self, token: str) -> None:
        """Tell the service; offline, the session simply runs out later."""
        with contextlib.suppress(Unreachable, Refused):
            await self.device.client.sign_out(token)

    def open_floor(self, signed_in: SignedIn) -> None:
        """Show a supervisor the floor, live."""
        assert signed_in.token is not None
        self.push_screen(FloorScreen(Supervision(self.device.client, signed_in.token)))

    def open_stock(self) -> None:
        """Look up stock by scan."""
        lookup = StockLookup(self.device.client, self.device.master)
        self.push_screen(StockScreen(lookup))

    def start_pick(self, signed_in: SignedIn) -> None:
        """Fetch the next wave and open the pick screen, in a worker."""
        self.run_worker(
            self._start_pick(signed_in), name="wave", group="wave", exclusive=True
        )

    async def _start_pick(self, signed_in: SignedIn) -> None:
        wave = await self.device.next_wave(signed_in)
        menu = self.screen
        if wave is None:
            if isinstance(menu, MenuScreen):
                offline = self.sync_state is not None and not self.sync_state.online
                menu.tell(
                    False,
                    "No wave on this device and the service cannot be reached."
                    if offline or signed_in.token is None
                    else "No work waiting. Ask your supervisor.",
                )
            return
        flow = PickingWorkflow(
            wave,
            journal=self.device.journal,
            master=self.device.master,
            user_id=signed_in.operator.user_id,
            separators=self.separators,
        )
        await self.push_screen(PickScreen(flow))

    def start_pack(self, signed_in: SignedIn) -> None:
        """Get the bench ready (SSCCs, orders) and open the pack screen."""
        self.run_worker(
            self._start_pack(signed_in), name="bench", group="wave", exclusive=True
        )

    async def _start_pack(self, signed_in: SignedIn) -> None:
        if signed_in.token is not None:
            await self.device.prepare_packing()
        flow = PackingWorkflow(
            bench=self.device.bench,
            master=self.device.master,
            user_id=signed_in.operator.user_id,
            printer=self.device.printer,
            previews=self.device.labels_dir,
            separators=self.separators,
            has_scale=self.device.scale is not None,
        )
        await self.push_screen(PackScreen(flow))

    def _sync_changed(self, state: SyncState) -> None:
        self.sync_state = state
        for line in self.screen.query(StatusLine):
            line.state = state
        if state.withdrawn and isinstance(self.screen, PickScreen):
            self.run_worker(self.screen.refresh_work(), name="refresh", group="refresh")
        self._tell_rejections()

    def _tell_rejections(self) -> None:
        if self.signed_in is not None:
            self.run_worker(
                self._show_rejections(self.signed_in),
                name="rejections",
                group="rejections",
            )

    async def _show_rejections(self, signed_in: SignedIn) -> None:
        """Tell the picker about refused confirmations and changes to their work."""
        user_id = signed_in.operator.user_id
        rejected = await asyncio.to_thread(
            self.device.journal.unseen_rejections, user_id
        )
        for rejection in rejected:
            self.bell()
            self.notify(
                rejection.message,
                title="Not accepted by the stock service",
                severity="error",
                timeout=NOTICE_S,
                markup=False,
            )
        notices = await asyncio.to_thread(self.device.journal.unseen_notices, user_id)
        for notice in notices:
            self.bell()
            self.notify(
                notice,
                title="Your work changed",
                severity="warning",
                timeout=NOTICE_S,
                markup=False,
            )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Worker failures reach a person: a toast, the queue kept."""
        if event.state is WorkerState.ERROR:
            log.error("worker.failed", extra={"worker": event.worker.name})
            self.notify(
                f"{event.worker.name} failed: {event.worker.error}",
                severity="error",
                timeout=10,
                markup=False,
            )

    def action_ignore(self) -> None:
        """Keys that would leave the app do nothing here."""

    def action_quit_demo(self) -> None:
        """Demo only: leave."""
        self.exit(0)

    def action_switch_network(self) -> None:
        """Demo only: take this handheld off the network, or back on."""
        link = self.device.link
        if link is None:
            return
        link.down = not link.down
        self.notify(
            "Offline now: keep working; what you confirm waits here."
            if link.down
            else "Back on the network: sending what waited.",
            title="Demo Wi-Fi",
            timeout=6,
        )
        self.device.sync.wake()
