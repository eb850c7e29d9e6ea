"""Deliver the outbox, in device order, whatever the network does."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from offline_store.client import ServiceClient
from offline_store.errors import Unreachable
from offline_store.journal import Journal
from offline_store.master import KINDS, MasterData, Row

log = logging.getLogger("offline_store")


@dataclass(frozen=True)
class SyncState:
    """What the status line shows."""

    online: bool
    queued: int
    last_sync_at: str | None


class SyncWorker:
    """Sends queued confirmations; wakes on enqueue, on a timer, and after errors.

    A rejected confirmation is a final answer: it is dropped from the queue
    (and kept for the picker to read), so it never blocks those behind it.
    """

    def __init__(
        self,
        journal: Journal,
        client: ServiceClient,
        *,
        batch_size: int = 50,
        interval: float = 10.0,
        max_backoff: float = 30.0,
        on_change: Callable[[SyncState], None] | None = None,
    ) -> None:
        self.journal = journal
        self.client = client
        self.batch_size = batch_size
        self.interval = interval
        self.max_backoff = max_backoff
        self.on_change = on_change
        self.online = False
        self._wake = asyncio.Event()
        self._failures = 0

    def wake(self) -> None:
        """Something was queued or the network came back: try now."""
        self._wake.set()

    async def run(self) -> None:
        """Drain forever: after success wait for a wake or the interval."""
        while True:
            self._wake.clear()
            delivered = await self.drain()
            delay = self.interval if delivered else self._backoff()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)

    async def drain(self) -> bool:
        """Send everything queued; False when the service could not be reached."""
        try:
            sent = False
            while batch := await asyncio.to_thread(
                self.journal.pending, self.batch_size
            ):
                sent = True
                result = await self.client.send(batch)
                await asyncio.to_thread(self.journal.record, batch, result.outcomes)
                if any(o.status == "gap" for o in result.outcomes):
                    log.warning(
                        "sync.sequence_gap", extra={"first": batch[0].device_seq}
                    )
                    break
            if not sent:
                await self.client.ping()
        except Unreachable as exc:
            self._failures += 1
            log.info("sync.unreachable", extra={"error": str(exc)})
            await self._changed(online=False)
            return False
        self._failures = 0
        await asyncio.to_thread(self.journal.mark_synced)
        await self._changed(online=True)
        return True

    def _backoff(self) -> float:
        # Capped exponential backoff with full jitter.
        ceiling = min(self.max_backoff, 0.5 * 2**self._failures)
        return random.uniform(0, ceiling)

    async def _changed(self, *, online: bool) -> None:
        self.online = online
        if self.on_change is not None:
            queued = await asyncio.to_thread(self.journal.queued)
            last = await asyncio.to_thread(self.journal.last_sync_at)
            self.on_change(SyncState(online=online, queued=queued, last_sync_at=last))


async def refresh_master(master: MasterData, client: ServiceClient) -> int:
    """Bring master data up to date: whole on first load, changes afterwards."""
    first = await asyncio.to_thread(master.is_empty)
    fetched: dict[str, Sequence[Row]] = {}
    for kind in KINDS:
        cursor = 0 if first else await asyncio.to_thread(master.cursor, kind)
        rows: list[Row] = []
        while True:
            page = await client.master_page(kind, cursor)
            rows.extend(page.items)
            cursor = page.next_cursor
            if not page.more:
                break
        fetched[kind] = rows
    if first:
        await asyncio.to_thread(master.replace, fetched)
    else:
        for kind, changed in fetched.items():
            if changed:
                await asyncio.to_thread(master.apply, kind, changed)
    return sum(len(changed) for changed in fetched.values())
