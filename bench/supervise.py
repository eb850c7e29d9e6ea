"""Live floor benchmark: from a confirmation applied to the supervisor's screen.

    python -m bench.supervise [--quick]

The real service runs on loopback; the supervisor's terminal (the Textual app,
headless, 120×40) shows the floor and follows the event stream. One pick at a
time is sent to the service for the wave in progress, and the clock runs from
the service's answer until the wave's row on the screen counts that line.

- ``delay_p50_ms``, ``delay_p99_ms``, ``delay_max_ms`` over ``confirmations``.

The last line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from textual.widgets import DataTable

from bench.service import DEVICE_TOKEN, LoopbackService, confirmation, demo_database
from stock_service import schema
from terminal.app import PickwiseApp
from terminal.device import Device
from terminal.screens.floor import FloorScreen
from terminal.screens.menu import MenuScreen
from wire import API, DEVICE_HEADER

LIMIT_S = 10.0  # a bound on waiting for the screen, never a measured figure


def wave_in_progress(engine: Any) -> list[Any]:
    """The lines of the wave the demo hands to the first picker."""
    with engine.connect() as conn:
        wave_id = conn.execute(
            select(schema.waves.c.wave_id).where(schema.waves.c.assigned_to == 1)
        ).scalar_one()
        return list(
            conn.execute(
                select(schema.pick_tasks)
                .where(schema.pick_tasks.c.wave_id == wave_id)
                .order_by(schema.pick_tasks.c.seq)
            )
        )


def body(task: Any, seq: int) -> dict[str, Any]:
    """One pick of ``task`` as a request body."""
    return {"confirmations": [confirmation(task, seq=seq).model_dump(mode="json")]}


async def measure(service: LoopbackService, work: Path, count: int) -> list[float]:
    """Milliseconds from each pick's answer to the screen showing it."""
    tasks = wave_in_progress(service.engine)[:count]
    device = Device(
        data_dir=work / "bench-terminal",
        device_id="demo-1",
        server=service.url,
        device_token=DEVICE_TOKEN,
    )
    app = PickwiseApp(device)
    delays: list[float] = []
    headers = {DEVICE_HEADER: DEVICE_TOKEN}
    async with (
        app.run_test(size=(120, 40)) as pilot,
        httpx.AsyncClient(base_url=service.url, headers=headers) as http,
    ):
        await pilot.press(*"B3001", "enter")
        await _until(pilot, lambda: isinstance(app.screen, MenuScreen))
        await pilot.press("3")
        await _until(pilot, lambda: isinstance(app.screen, FloorScreen))
        screen = app.screen
        assert isinstance(screen, FloorScreen)
        await _until(pilot, lambda: screen.live and _shown(screen) is not None)
        for seq, task in enumerate(tasks, start=1):
            answer = await http.post(f"{API}/confirmations", json=body(task, seq))
            answer.raise_for_status()
            sent = time.perf_counter()
            await _until(pilot, lambda seq=seq: _shown(screen) == seq)
            delays.append((time.perf_counter() - sent) * 1000)
    await device.close()
    return delays


def _shown(screen: FloorScreen) -> int | None:
    """Lines done in the first wave row of the table on the screen."""
    table = screen.query_one("#waves-table", DataTable)
    if not table.row_count:
        return None
    progress = str(table.get_row_at(0)[1])  # "█░░░ 3/21"
    return int(progress.rpartition(" ")[2].partition("/")[0])


async def _until(pilot: Any, condition: Any) -> None:
    deadline = time.perf_counter() + LIMIT_S
    while not condition():
        if time.perf_counter() > deadline:
            raise RuntimeError("the screen never showed it")
        await pilot.pause(0.005)


def run(*, quick: bool, work: Path) -> dict[str, Any]:
    engine = demo_database(work / "stock.db")
    with LoopbackService(engine) as service:
        delays = asyncio.run(measure(service, work, 10 if quick else 20))
    engine.dispose()
    ordered = sorted(delays)
    return {
        "confirmations": len(delays),
        "delay_p50_ms": round(statistics.median(delays), 1),
        "delay_p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))], 1),
        "delay_max_ms": round(ordered[-1], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 picks, else 20")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pickwise-supervise-") as tmp:
        result = run(quick=args.quick, work=Path(tmp))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
