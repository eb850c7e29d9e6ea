"""This device: its journal, master data and link to the stock service.

Sign-in and fetching work try the service first and fall back to what the
device already holds, so a picker keeps working when the network does not.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

import httpx

from labels.printer import FilePrinter, Printer
from offline_store.client import Link, ServiceClient
from offline_store.errors import Refused, Unreachable
from offline_store.journal import Journal, LocalWave, Operator
from offline_store.master import MasterData
from offline_store.packing import PackingJournal
from offline_store.sync import SyncWorker, refresh_master
from wire import SessionRequest

log = logging.getLogger("terminal")

SSCC_LOW = 20
"""Reserve more SSCCs while online when fewer than this are left."""
SSCC_BLOCK = 100


class SignInRefused(Exception):
    """The credentials were refused; the message says why."""


@dataclass(frozen=True)
class SignedIn:
    """Who is working, and whether the service vouched for them just now."""

    operator: Operator
    online: bool
    token: str | None


class Device:
    """Everything the screens need from this device, without a screen."""

    def __init__(
        self,
        *,
        data_dir: Path,
        device_id: str,
        server: str,
        device_token: str,
        transport: httpx.AsyncBaseTransport | None = None,
        printer: Printer | None = None,
        scale: str | None = None,
    ) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.link = transport if isinstance(transport, Link) else None
        """The network switch, where the device has one (the demo's)."""
        self.device_id = device_id
        self.journal = Journal(data_dir / "journal.db", device_id=device_id)
        self.master = MasterData(data_dir / "master.db")
        self.client = ServiceClient(
            server, device_token=device_token, transport=transport
        )
        self.sync = SyncWorker(self.journal, self.client)
        self.bench = PackingJournal(self.journal)
        self.labels_dir = data_dir / "labels"
        self.printer: Printer = printer or FilePrinter(self.labels_dir)
        self.scale = scale

    async def sign_in(
        self,
        *,
        badge: str | None = None,
        user: str | None = None,
        pin: str | None = None,
    ) -> SignedIn:
        """Sign in online, or offline against what this device remembers."""
        request = SessionRequest(badge=badge, user=user, pin=pin)
        try:
            session = await self.client.sign_in(request)
        except Refused as exc:
            raise SignInRefused(exc.detail) from exc
        except Unreachable:
            operator = await asyncio.to_thread(
                self.journal.sign_in_offline, badge=badge, user=user, pin=pin
            )
            if operator is None:
                raise SignInRefused(
                    "The service cannot be reached, and these details have not"
                    " signed in on this device before."
                ) from None
            return SignedIn(operator, online=False, token=None)
        await asyncio.to_thread(self.journal.remember, session, pin=pin, badge=badge)
        operator = Operator(
            session.user_id, session.user_name, session.display_name, session.role
        )
        return SignedIn(operator, online=True, token=session.token)

    async def refresh_master(self) -> bool:
        """Update master data; False when the service could not be reached."""
        try:
            count = await refresh_master(self.master, self.client)
        except Unreachable:
            return False
        log.info("master.refreshed", extra={"rows": count})
        return True

    async def next_wave(self, signed_in: SignedIn) -> LocalWave | None:
        """The wave to pick: the one on this device first, else ask the service."""
        user_id = signed_in.operator.user_id
        wave = await asyncio.to_thread(self.journal.current_wave, user_id)
        if wave is not None or signed_in.token is None:
            return wave
        # What this device finished must reach the service first, or it would
        # hand back the same wave, still open on its side.
        await self.sync.drain()
        try:
            fetched = await self.client.next_work(signed_in.token)
        except Unreachable:
            return None
        if fetched is None:
            return None
        if await asyncio.to_thread(self.master.is_empty):
            await self.refresh_master()
        await asyncio.to_thread(self.journal.load_wave, fetched, user_id=user_id)
        return await asyncio.to_thread(self.journal.current_wave, user_id)

    async def prepare_packing(self) -> bool:
        """While online: reserve SSCCs ahead and keep the orders ready for
        packing, so the bench can work on when the network does not."""
        try:
            await self._reserve_ssccs()
            work = await self.client.pack_work()
        except (Unreachable, Refused) as exc:
            log.info("packing.not_prepared", extra={"error": str(exc)})
            return False
        await asyncio.to_thread(self.bench.keep_work, work)
        return True

    async def top_up_ssccs(self) -> None:
        """Reserve more SSCCs if few are left and the service answers."""
        try:
            await self._reserve_ssccs()
        except (Unreachable, Refused) as exc:
            log.info("packing.sscc_not_reserved", extra={"error": str(exc)})

    async def _reserve_ssccs(self) -> None:
        if await asyncio.to_thread(self.bench.ssccs_left) < SSCC_LOW:
            block = await self.client.reserve_ssccs(SSCC_BLOCK)
            await asyncio.to_thread(self.bench.add_block, block)

    async def fetch_pack_work(self, code: str) -> None:
        """Bring what a tote or order holds up to date, when the service answers."""
        queued = await asyncio.to_thread(self.journal.queued)
        if self.sync.online and queued:
            # Picks made here must reach the service before it is asked.
            await self.sync.drain()
        try:
            work = await self.client.pack_work(code)
        except (Unreachable, Refused) as exc:
            log.info("packing.lookup_local", extra={"error": str(exc)})
            return
        await asyncio.to_thread(self.bench.keep_work, work)

    async def shipped_at_service(self, order_id: str) -> str | None:
        """Send what is queued, then ask the service where the order stands;
        None when it cannot be reached."""
        await self.sync.drain()
        try:
            state = await self.client.order_state(order_id)
        except (Unreachable, Refused):
            return None
        return state.status

    async def close(self) -> None:
        """Close files and connections."""
        self.sync.close()
        await self.client.close()
        self.journal.close()
        self.master.close()
