"""Sync benchmark: how fast a scan is durable, and how fast queues drain.

    python -m bench.sync [--quick]

- ``commit_p99_ms``: from a scan accepted to its confirmation durable in the
  device journal (`Journal.confirm`: the local effect and the outbox row in one
  transaction, WAL with synchronous=FULL, so fsync included). ``bare_commit_p99_ms``
  is one row committed the same way with plain sqlite3, for comparison.
- ``drain_10k_s``: 10,000 queued confirmations delivered by the sync worker to
  the real service on loopback (uvicorn, SQLite with synchronous=FULL).
- ``apply_per_s``: confirmations the service applies per second while 50
  devices push their queues at once, each in device order.

The last line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from bench.device import open_journal
from bench.service import (
    DEVICE_TOKEN,
    LoopbackService,
    confirmation,
    demo_database,
    enroll,
    pick_tasks,
)
from offline_store.client import ServiceClient
from offline_store.journal import Journal
from offline_store.sync import SyncWorker
from wire import API, DEVICE_HEADER, ConfirmationBatch, PickTask


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[int(0.99 * (len(ordered) - 1))]


def commit_times(journal: Journal, tasks: list[PickTask], count: int) -> list[float]:
    """Milliseconds per confirmation, from scan accepted to COMMIT returned."""
    times = []
    for i in range(count):
        task = tasks[i % len(tasks)]
        began = time.perf_counter()
        journal.confirm(task, kind="pick", user_id=1, quantity=task.quantity)
        times.append((time.perf_counter() - began) * 1000)
    return times


def bare_commit_times(path: Path, count: int) -> list[float]:
    """Milliseconds per one-row commit with plain sqlite3, WAL and FULL."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT)")
    times = []
    for i in range(count):
        began = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t VALUES (?, ?)", [i, "x" * 400])
        conn.execute("COMMIT")
        times.append((time.perf_counter() - began) * 1000)
    conn.close()
    return times


async def drain(journal: Journal, url: str) -> float:
    """Seconds for the sync worker to deliver the whole queue."""
    client = ServiceClient(url, device_token=DEVICE_TOKEN)
    worker = SyncWorker(journal, client)
    began = time.perf_counter()
    delivered = await worker.drain()
    elapsed = time.perf_counter() - began
    worker.close()
    await client.close()
    if not delivered or journal.queued():
        raise RuntimeError("the queue did not drain")
    return elapsed


def device_queues(
    tokens: dict[str, str], tasks: list[PickTask], per_device: int
) -> dict[str, list[bytes]]:
    """Each device's queue as request bodies of 50, in device order."""
    bodies: dict[str, list[bytes]] = {}
    for d, device_id in enumerate(tokens):
        mine = tasks[d * per_device : (d + 1) * per_device]
        confirmations = [
            confirmation(task, device_id=device_id, seq=seq)
            for seq, task in enumerate(mine, start=1)
        ]
        bodies[device_id] = [
            ConfirmationBatch(confirmations=confirmations[at : at + 50])
            .model_dump_json()
            .encode()
            for at in range(0, len(confirmations), 50)
        ]
    return bodies


async def push_all(url: str, tokens: dict[str, str], queues: dict[str, list[bytes]]):
    """Every device pushes its queue at once; the confirmations applied."""

    async def push(device_id: str) -> int:
        headers = {DEVICE_HEADER: tokens[device_id], "Content-Type": "application/json"}
        applied = 0
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as http:
            for body in queues[device_id]:
                response = await http.post(f"{API}/confirmations", content=body)
                response.raise_for_status()
                outcomes = response.json()["outcomes"]
                applied += sum(o["status"] == "applied" for o in outcomes)
        return applied

    counts = await asyncio.gather(*(push(d) for d in tokens))
    return sum(counts)


def run(*, quick: bool, work: Path) -> dict[str, object]:
    commits = 2_000 if quick else 10_000
    per_device = 100 if quick else 300
    devices = 50

    engine = demo_database(work / "stock.db")
    tasks = pick_tasks(engine, max(10_000, devices * per_device))
    journal = open_journal(work, tasks[:10_000])
    times = commit_times(journal, tasks, 10_000)
    bare = bare_commit_times(work / "bare.db", commits)

    tokens = enroll(engine, [f"bench-{i:02d}" for i in range(devices)])
    queues = device_queues(tokens, tasks, per_device)
    with LoopbackService(engine) as service:
        drain_s = asyncio.run(drain(journal, service.url))
        began = time.perf_counter()
        applied = asyncio.run(push_all(service.url, tokens, queues))
        apply_s = time.perf_counter() - began
    journal.close()
    engine.dispose()
    return {
        "commit_p50_ms": round(statistics.median(times), 3),
        "commit_p99_ms": round(p99(times), 3),
        "bare_commit_p99_ms": round(p99(bare), 3),
        "drain_10k_s": round(drain_s, 3),
        "devices": devices,
        "applied": applied,
        "apply_per_s": round(applied / apply_s),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pickwise-sync-") as tmp:
        result = run(quick=args.quick, work=Path(tmp))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
