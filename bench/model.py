"""R12: a Hypothesis state machine over the device's outbox and the service.

Steps: scan, crash (a write cut short, then reopen), restart, network down and
up, reject (the service will refuse a queued confirmation as stock changed)
and drain. After every step: each acknowledged confirmation is queued on the
device or known to the service, none is in the ledger twice, the device's
sequence at the service has no gaps, and a drain with the network up empties
the queue.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path
from typing import ClassVar

import httpx
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Engine, text

from bench.device import DEVICE_ID, open_journal
from bench.service import DEVICE_TOKEN, demo_database, pick_tasks
from offline_store.client import ServiceClient
from offline_store.journal import Journal
from offline_store.sync import RetryPolicy, SyncWorker
from stock_service.app import create_app
from wire import Confirmation

NO_WAIT = RetryPolicy(attempts=2, timeout=5, wait_initial=0, wait_max=0, wait_jitter=0)


class Network(httpx.AsyncBaseTransport):
    """The in-process service behind a link the model cuts."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.down = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("network is down", request=request)
        return await self.inner.handle_async_request(request)


class SyncModel(RuleBasedStateMachine):
    """One device and the real service; the model is what was acknowledged."""

    template: ClassVar[Path]

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="pickwise-model-"))
        self.engine: Engine = demo_database(
            self.dir / "stock.db", template=self.template
        )
        self.tasks = pick_tasks(self.engine, 30)
        self.refuse: set[str] = set()
        app = create_app(self.engine, conflict=self._conflict)
        self.network = Network(httpx.ASGITransport(app=app))
        self.loop = asyncio.new_event_loop()
        self.acked: dict[str, Confirmation] = {}
        self._open()

    def _conflict(self, c: Confirmation) -> tuple[str, str] | None:
        if c.op_id in self.refuse:
            return ("stock_changed", "Stock changed; count it again.")
        return None

    def _open(self) -> None:
        self.journal: Journal = open_journal(self.dir, self.tasks)
        self.client = ServiceClient(
            "http://service", device_token=DEVICE_TOKEN, transport=self.network
        )
        self.worker = SyncWorker(self.journal, self.client, retry=NO_WAIT)

    def _close(self) -> None:
        self.worker.close()
        self.loop.run_until_complete(self.client.close())
        self.journal.close()

    @rule(task=st.integers(0, 29))
    def scan(self, task: int) -> None:
        line = self.tasks[task]
        c = self.journal.confirm(line, kind="pick", user_id=1, quantity=line.quantity)
        self.acked[c.op_id] = c

    @rule()
    def crash(self) -> None:
        # The process dies inside a write: begun, never committed.
        conn = self.journal.store.db.conn
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT INTO outbox VALUES (?, ?, ?, ?)", [10**9, "torn", "{}", ""]
        )
        conn.close()
        self.worker.close()
        self.loop.run_until_complete(self.client.close())
        self._open()

    @rule()
    def restart(self) -> None:
        self._close()
        self._open()

    @rule()
    def network_down(self) -> None:
        self.network.down = True

    @rule()
    def network_up(self) -> None:
        self.network.down = False

    @precondition(lambda self: self.journal.queued() > 0)
    @rule(data=st.data())
    def reject(self, data: st.DataObject) -> None:
        queued = self.journal.pending(limit=1000)
        self.refuse.add(data.draw(st.sampled_from(queued)).op_id)

    @rule()
    def drain(self) -> None:
        delivered = self.loop.run_until_complete(self.worker.drain())
        assert delivered is not self.network.down
        if delivered:
            assert self.journal.queued() == 0, "a drain left answered work queued"

    @invariant()
    def nothing_lost_or_doubled(self) -> None:
        with self.engine.connect() as conn:
            known = dict(
                conn.execute(
                    text(
                        "SELECT op_id, device_seq FROM confirmations"
                        " WHERE device_id = :d"
                    ),
                    {"d": DEVICE_ID},
                ).all()
            )
            doubled = conn.execute(
                text(
                    "SELECT count(*) FROM (SELECT op_id FROM ledger"
                    " GROUP BY op_id HAVING count(*) > 1)"
                )
            ).scalar()
            refused_in_ledger = conn.execute(
                text(
                    "SELECT count(*) FROM ledger l JOIN confirmations c"
                    " ON c.op_id = l.op_id WHERE c.outcome LIKE '%stock_changed%'"
                )
            ).scalar()
        queued = {c.op_id for c in self.journal.pending(limit=100_000)}
        lost = [op for op in self.acked if op not in known and op not in queued]
        assert not lost, f"{len(lost)} acknowledged confirmations lost"
        assert not doubled, "a confirmation is in the ledger twice"
        assert not refused_in_ledger, "a refused confirmation moved stock"
        seqs = sorted(known.values())
        assert seqs == list(range(1, len(seqs) + 1)), "gap in the device sequence"

    def teardown(self) -> None:
        self._close()
        self.loop.close()
        self.engine.dispose()
        shutil.rmtree(self.dir, ignore_errors=True)


def run_state_machine(
    *, examples: int, steps: int, template: Path | None = None
) -> None:
    """Run the model; an AssertionError carries the shrunk counterexample."""
    with tempfile.TemporaryDirectory(prefix="pickwise-model-") as tmp:
        if template is None:
            template = Path(tmp) / "template.db"
            demo_database(template).dispose()
        SyncModel.template = template
        run_state_machine_as_test(
            SyncModel,
            settings=settings(
                max_examples=examples,
                stateful_step_count=steps,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )
