"""The packing bench, timed: from the close scan to the label at the printer.

    python -m bench.pack [--quick]

The demo warehouse is built into a new folder and its first waves are marked
picked (setup, not timed); the stock service runs on loopback and a fake
Zebra-type printer listens on 127.0.0.1, resetting its first connection. One
bench device then packs tote after tote through the packing workflow, with
its sync worker delivering in the background as in the app: one scan per
product and the count typed, a carton, a weight, the close.

- ``close_to_label_p99_ms`` (and p50, max): from the close (Enter in the close
  step) to the label's last byte received by the fake printer: the journal
  transaction that takes the SSCC and queues carton, confirmation and label
  job, the ZPL, the printer's status check and the label itself.
- ``verify_scan_p99_ms``: one entry while verifying (a product scanned, or its
  count typed), from the entry to the feedback.
- ``labels_received`` equals ``cartons``; ``service_packages`` and
  ``service_shipped`` count what the stock service holds after the drain.

The last line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update

from labels.printer import TcpPrinter
from labels.testing import FakePrinter
from pickwise.demo import service_on_loopback
from stock_service import schema
from stock_service.db import make_engine
from stock_service.demo.build import DEMO_DEVICE, ensure_demo
from terminal.device import Device
from terminal.workflows.packing import PackingWorkflow, Step


def mark_picked(db_path: Path, waves: int) -> None:
    """Setup: the first ``waves`` waves picked in full."""
    engine = make_engine(f"sqlite:///{db_path}")
    t = schema.pick_tasks.c
    with engine.begin() as conn:
        conn.execute(
            update(schema.pick_tasks)
            .where(t.wave_id <= waves)
            .values(status="picked", picked_qty=t.quantity, picked_by=1)
        )
    engine.dispose()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def step(flow: PackingWorkflow, text: str) -> None:
    """One entry, which must be taken: the benchmark walks the happy path."""
    feedback = await asyncio.to_thread(flow.enter, text)
    if not feedback.ok:
        raise SystemExit(f"the bench refused {text!r}: {feedback.message}")


async def pack(server: str, token: str, folder: Path, cartons: int) -> dict[str, Any]:
    """Pack ``cartons`` totes; the timings and what reached the printer."""
    closes: list[float] = []
    scans: list[float] = []
    with FakePrinter(reset_connections=1) as printer:
        device = Device(
            data_dir=folder,
            device_id=DEMO_DEVICE,
            server=server,
            device_token=token,
            printer=TcpPrinter("127.0.0.1", printer.port),
        )
        sync = asyncio.create_task(device.sync.run())
        try:
            await device.sign_in(badge="B2001")
            await device.refresh_master()
            await device.prepare_packing()
            flow = PackingWorkflow(
                bench=device.bench,
                master=device.master,
                user_id=3,
                printer=device.printer,
            )
            for _ in range(cartons):
                totes = device.bench.ready_totes()
                if not totes:
                    break
                await device.fetch_pack_work(totes[0])
                await step(flow, totes[0])
                while flow.step is Step.VERIFY:
                    started = time.perf_counter()
                    await step(flow, flow.expected_scan())
                    scans.append(time.perf_counter() - started)
                while flow.step is not Step.CLOSE:
                    await step(flow, flow.expected_scan())
                received = len(printer.labels)
                started = time.perf_counter()
                closed = await asyncio.to_thread(flow.enter, "")  # the close
                if not closed.ok:
                    raise SystemExit(f"the carton did not close: {closed.message}")
                printed = await asyncio.to_thread(flow.print_label)  # as the screen
                if not printed.ok or not printer.wait_for(received + 1):
                    raise SystemExit(f"no label at the printer: {printed.message}")
                closes.append(printer.labels[-1].at - started)
                await step(flow, flow.expected_scan())  # the ship scan
                device.sync.wake()
                await device.top_up_ssccs()  # as the screen does after a close
            await device.sync.drain()
            queued = device.journal.queued()
        finally:
            sync.cancel()
            await device.close()
        labels = len(printer.labels)
        connections = printer.connections
    ms = [value * 1000 for value in closes]
    return {
        "cartons": len(closes),
        "labels_received": labels,
        "printer_connections": connections,
        "close_to_label_p50_ms": round(statistics.median(ms), 1),
        "close_to_label_p99_ms": round(percentile(ms, 0.99), 1),
        "close_to_label_max_ms": round(max(ms), 1),
        "verify_scan_p99_ms": round(percentile([s * 1000 for s in scans], 0.99), 1),
        "verify_entries": len(scans),
        "queued_after_drain": queued,
    }


def service_counts(db_path: Path) -> dict[str, int]:
    engine = make_engine(f"sqlite:///{db_path}")
    p = schema.packages.c
    with engine.connect() as conn:
        packages = conn.execute(select(func.count()).select_from(schema.packages))
        shipped = conn.execute(
            select(func.count())
            .where(p.status == "shipped")
            .select_from(schema.packages)
        )
        counts = {
            "service_packages": int(packages.scalar_one()),
            "service_shipped": int(shipped.scalar_one()),
        }
    engine.dispose()
    return counts


def run(folder: Path, cartons: int) -> dict[str, Any]:
    """The whole benchmark in ``folder``: build, serve, pack, count."""
    db_path = folder / "service" / "stock.db"
    token = ensure_demo(db_path)
    mark_picked(db_path, waves=cartons)
    with service_on_loopback(db_path, folder / "service.log") as server:
        if server is None:
            raise SystemExit("the service did not start")
        result = asyncio.run(pack(server, token, folder / "device", cartons))
    return result | service_counts(db_path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="30 cartons, not 200")
    args = parser.parse_args()
    # The retry after the printer's reset is expected; keep it off the output.
    logging.basicConfig(level=logging.ERROR)
    result: dict[str, object] = {"machine": platform.machine(), "quick": args.quick}
    with tempfile.TemporaryDirectory(prefix="pickwise-bench-") as tmp:
        result |= run(Path(tmp), 30 if args.quick else 200)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
