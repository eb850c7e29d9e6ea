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

from offline_store.client import Link, ServiceClient
from offline_store.errors import Refused, Unreachable
from offline_store.journal import Journal, LocalWave, Operator
from offline_store.master import MasterData
from offline_store.sync import SyncWorker, refresh_master
from wire import SessionRequest

log = logging.getLogger("terminal")


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

    async def close(self) -> None:
        """Close files and connections."""
        self.sync.close()
        await self.client.close()
        self.journal.close()
        self.master.close()
