"""A lean device for the fault harness: the real journal and sync worker, no UI.

    python -m bench.device --data DIR --url URL --token T --tasks FILE [--chaos SEED]

It reads commands on standard input, one a line, and answers on standard
output. ``scan N`` confirms the N-th task of FILE and answers ``ack QUEUED
PAYLOAD`` only after the transaction committed (or ``full MESSAGE`` when the
storage is full), so the driver's record of what was acknowledged survives a
``kill -9``. Other commands: ``drain`` (one delivery round; answers
``drained OK QUEUED SEQ``), ``fill`` and ``unfill`` (cap the journal at its
current size, and lift the cap), ``outcomes`` (the statuses seen since start)
and ``quit``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections import Counter
from pathlib import Path

import httpx

from bench.chaos import ChaosTransport
from offline_store.client import ServiceClient
from offline_store.errors import DiskFullError
from offline_store.journal import Journal
from offline_store.sync import RetryPolicy, SyncWorker
from wire import BatchResult, Confirmation, PickTask, Wave

DEVICE_ID = "demo-1"
# Short timeouts and retries keep a faulty run moving; the rules are the same.
TIMEOUT = httpx.Timeout(1.0, connect=0.5)
RETRY = RetryPolicy(
    attempts=4, timeout=5.0, wait_initial=0.02, wait_max=0.2, wait_jitter=0.05
)


class CountingClient(ServiceClient):
    """The real client, telling the driver the service's answers by status."""

    outcomes: Counter[str] = Counter()

    async def send(self, batch: list[Confirmation]) -> BatchResult:
        result = await super().send(batch)
        statuses = Counter(o.status for o in result.outcomes)
        self.outcomes.update(statuses)
        say("sent " + json.dumps(statuses))
        return result


def open_journal(data: Path, tasks: list[PickTask]) -> Journal:
    """The device journal, given the harness's tasks on first start."""
    journal = Journal(data / "journal.db", device_id=DEVICE_ID)
    with journal.store.read() as db:
        loaded = db.table("tasks").count
    if not loaded:
        # Lines of many waves under a wave number the service does not know, so
        # the worker's comparison of waves in hand leaves them alone.
        wave = Wave(wave_id=999_999, name="W-bench", totes={}, tasks=tasks)
        journal.load_wave(wave, user_id=1)
    return journal


async def serve(args: argparse.Namespace) -> None:
    tasks = [
        PickTask.model_validate(t) for t in json.loads(Path(args.tasks).read_text())
    ]
    journal = open_journal(Path(args.data), tasks)
    inner: httpx.AsyncBaseTransport = httpx.AsyncHTTPTransport()
    if args.chaos is not None:
        inner = ChaosTransport(inner, seed=args.chaos)
    client = CountingClient(
        args.url, device_token=args.token, transport=inner, timeout=TIMEOUT
    )
    worker = SyncWorker(
        journal, client, interval=0.2, max_backoff=0.2, retry=RETRY, batch_size=10
    )
    syncing = asyncio.create_task(worker.run())
    say(f"ready {journal.queued()}")

    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), sys.stdin
    )
    while line := (await reader.readline()).decode().strip():
        command, _, arg = line.partition(" ")
        if command == "scan":
            task = tasks[int(arg) % len(tasks)]
            say(await asyncio.to_thread(scan, journal, task))
            worker.wake()
        elif command == "drain":
            delivered = await worker.drain()
            say(f"drained {int(delivered)} {journal.queued()} {device_seq(journal)}")
        elif command == "fill":
            cap(journal, full=True)
            say("ok")
        elif command == "unfill":
            cap(journal, full=False)
            say("ok")
        elif command == "outcomes":
            say("outcomes " + json.dumps(dict(CountingClient.outcomes)))
        elif command == "quit":
            break
    syncing.cancel()
    await client.close()
    journal.close()


def scan(journal: Journal, task: PickTask) -> str:
    """Confirm a task; the answer is written only after COMMIT returned."""
    try:
        confirmation = journal.confirm(
            task, kind="pick", user_id=1, quantity=task.quantity
        )
    except DiskFullError as exc:
        return f"full {exc}"
    return f"ack {journal.queued()} {confirmation.model_dump_json()}"


def cap(journal: Journal, *, full: bool) -> None:
    """Fill the journal to its current size (a full disk), or let it grow.

    Holding the file at its size is not enough: pages freed by delivered
    confirmations would take new ones. A filler table takes them first.
    """
    with journal.store.read() as db:
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {pages if full else 2**30}")
    if not full:
        with journal.store.write() as db:
            db.execute("DROP TABLE IF EXISTS filler")
        return
    with journal.store.write() as db:
        db.execute("CREATE TABLE IF NOT EXISTS filler (blob BLOB)")
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
        size = db.execute("PRAGMA freelist_count").fetchone()[0] * page_size
    while size >= 64:
        try:
            with journal.store.write() as db:
                db.execute("INSERT INTO filler VALUES (zeroblob(?))", [size])
        except DiskFullError:
            size //= 2


def device_seq(journal: Journal) -> int:
    with journal.store.read() as db:
        return int(db.table("meta").get("device_seq")["value"])


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--tasks", required=True)
    parser.add_argument("--chaos", type=int, default=None)
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
