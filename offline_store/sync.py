"""Deliver the outbox, in device order, whatever the network does."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO

import stamina

from offline_store.client import ServiceClient
from offline_store.errors import DiskFullError, Refused, SyncBusyError, Unreachable
from offline_store.journal import Journal
from offline_store.master import KINDS, MasterData, Row
from wire import BatchResult, Confirmation

log = logging.getLogger("offline_store")


@dataclass(frozen=True)
class SyncState:
    """What the status line shows."""

    online: bool
    queued: int
    last_sync_at: str | None
    withdrawn: int = 0
    """Lines taken off this device by the service in this round."""


@dataclass(frozen=True)
class RetryPolicy:
    """How long one batch is retried before the worker backs off offline."""

    attempts: int = 6
    timeout: float = 30.0
    wait_initial: float = 0.2
    wait_max: float = 5.0
    wait_jitter: float = 0.5
    retry_after_max: float = 120.0


class SyncWorker:
    """Sends queued confirmations; wakes on enqueue, on reconnect and on a timer.

    A rejected confirmation is a final answer: it is dropped from the queue
    (and kept for the picker to read), so it never blocks those behind it.
    A batch that gets no answer is retried with the same operation ids; after
    that the worker backs off and re-arms its timer. Only one worker delivers
    a device's outbox: it holds a lock file beside the journal.
    """

    def __init__(
        self,
        journal: Journal,
        client: ServiceClient,
        *,
        batch_size: int = 200,
        interval: float = 10.0,
        max_backoff: float = 30.0,
        retry: RetryPolicy | None = None,
        on_change: Callable[[SyncState], None] | None = None,
    ) -> None:
        self.journal = journal
        self.client = client
        self.batch_size = batch_size
        self.interval = interval
        self.max_backoff = max_backoff
        self.retry = retry or RetryPolicy()
        self.on_change = on_change
        self.online = False
        self._wake = asyncio.Event()
        self._failures = 0
        self._draining = False
        self._one_drain = asyncio.Lock()
        self._lock_file: IO[bytes] | None = None
        client.on_answer = self._answered

    def wake(self) -> None:
        """Something was queued or the network came back: try now."""
        self._wake.set()

    async def queued_now(self) -> None:
        """Something was queued: tell the screen at once, not after the next
        delivery, which may wait on a network that does not answer."""
        await self._changed(online=self.online)

    async def run(self) -> None:
        """Drain forever: after success wait for a wake or the interval."""
        try:
            while True:
                self._wake.clear()
                delivered = await self.drain()
                delay = self.interval if delivered else self._backoff()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=delay)
        finally:
            self.close()

    async def drain(self) -> bool:
        """Send everything queued; False when the service could not be reached."""
        async with self._one_drain:
            return await self._drain()

    async def _drain(self) -> bool:
        self._hold_lock()
        self._draining = True
        try:
            sent = False
            while batch := await asyncio.to_thread(
                self.journal.pending, self.batch_size
            ):
                sent = True
                result = await self._send(batch)
                await asyncio.to_thread(self.journal.record, batch, result.outcomes)
                if any(o.status == "gap" for o in result.outcomes):
                    log.warning(
                        "sync.sequence_gap", extra={"first": batch[0].device_seq}
                    )
                    break
            if not sent:
                await self.client.ping()
            withdrawn = await self._reconcile()
        except Unreachable as exc:
            self._failures += 1
            log.info("sync.unreachable", extra={"error": str(exc)})
            await self._changed(online=False)
            return False
        except DiskFullError:
            # Answers could not be written down; they come again as duplicates.
            self._failures += 1
            log.warning("sync.disk_full")
            return False
        finally:
            self._draining = False
        self._failures = 0
        with contextlib.suppress(DiskFullError):
            await asyncio.to_thread(self.journal.mark_synced)
        await self._changed(online=True, withdrawn=withdrawn)
        return True

    async def _reconcile(self) -> int:
        """Compare the waves in hand with the service's; lines taken off."""
        withdrawn = 0
        for wave_id, user_id in await asyncio.to_thread(self.journal.waves_in_hand):
            try:
                state = await self.client.wave_state(wave_id)
            except Refused:
                continue  # a wave the service does not know: keep it
            withdrawn += await asyncio.to_thread(
                self.journal.reconcile, state, user_id=user_id
            )
        return withdrawn

    def close(self) -> None:
        """Let another worker deliver this outbox."""
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    async def _send(self, batch: list[Confirmation]) -> BatchResult:
        policy = self.retry

        def retryable(exc: Exception) -> bool | float:
            if not isinstance(exc, Unreachable):
                return False
            if exc.retry_after is None:
                return True
            return min(exc.retry_after, policy.retry_after_max)

        async for attempt in stamina.retry_context(
            on=retryable,
            attempts=policy.attempts,
            timeout=policy.timeout,
            wait_initial=policy.wait_initial,
            wait_max=policy.wait_max,
            wait_jitter=policy.wait_jitter,
        ):
            with attempt:
                return await self.client.send(batch)
        raise AssertionError("stamina ends with an answer or an error")

    def _hold_lock(self) -> None:
        if self._lock_file is not None:
            return
        journal = self.journal.store.path
        lock = journal.with_name(journal.name + ".sync-lock")
        handle = lock.open("ab")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise SyncBusyError(
                "Another sync worker is already delivering this device's outbox."
            ) from None
        self._lock_file = handle

    def _answered(self) -> None:
        # The service answered a call of someone else (sign-in, work): if we
        # thought we were offline, the network is back.
        if not self.online and not self._draining:
            self._wake.set()

    def _backoff(self) -> float:
        # Capped exponential backoff with full jitter.
        ceiling = min(self.max_backoff, 0.5 * 2**self._failures)
        return random.uniform(0, ceiling)

    async def _changed(self, *, online: bool, withdrawn: int = 0) -> None:
        self.online = online
        if self.on_change is not None:
            queued = await asyncio.to_thread(self.journal.queued)
            last = await asyncio.to_thread(self.journal.last_sync_at)
            self.on_change(SyncState(online, queued, last, withdrawn))


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
