"""The demo as a newcomer meets it, timed.

    python -m bench.demo [--quick]

- ``build_s``: the demo warehouse built from the shipped orders into a new file,
  with its size (products, locations, orders, lines, waves).
- ``service_start_s``: ``pickwise serve`` started until ``/healthz`` answers.
- ``to_sign_in_fresh_s`` and ``to_sign_in_s``: ``pickwise demo --fresh`` (the build
  included) and then ``pickwise demo`` in a pseudo terminal of 40×16 with
  TERM=linux, from launch until the sign-in screen is drawn; F10 then quits.
- ``wave_pick_s``: a wave walked with the demo key (F9) under Textual's Pilot,
  headless, against the service on loopback, from the pick screen opening to the
  last line confirmed; the median over the waves walked (1 with ``--quick``, 5
  otherwise).

The last line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import json
import os
import platform
import pty
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

from pickwise.demo import service_on_loopback
from stock_service.db import make_engine, migrate
from stock_service.demo.build import DEMO_DEVICE, build_demo, ensure_demo
from terminal.app import PickwiseApp
from terminal.device import Device
from terminal.screens.menu import MenuScreen
from terminal.screens.pick import PickScreen
from terminal.workflows.picking import Step

SIGN_IN_TEXT = b"Scan your badge"
F10 = b"\x1b[21~"
LAUNCH_TIMEOUT_S = 120.0


def time_build(folder: Path) -> dict[str, float | int]:
    """Build the demo warehouse into a new database; its size and the time."""
    engine = make_engine(f"sqlite:///{folder / 'build.db'}")
    try:
        started = time.perf_counter()
        migrate(engine)
        summary = build_demo(engine, device_token="bench")
        elapsed = time.perf_counter() - started
    finally:
        engine.dispose()
    return {
        "build_s": round(elapsed, 2),
        "products": summary.products,
        "locations": summary.locations,
        "orders": summary.orders,
        "order_lines": summary.order_lines,
        "waves": summary.waves,
    }


def time_service_start(db_path: Path, log_path: Path) -> float:
    """From starting ``pickwise serve`` until it answers."""
    started = time.perf_counter()
    with service_on_loopback(db_path, log_path) as server:
        if server is None:
            raise SystemExit(f"the service did not start; see {log_path}")
        return time.perf_counter() - started


def time_to_sign_in(data_dir: Path, *, fresh: bool) -> float:
    """Run ``pickwise demo`` in a 40×16 pseudo terminal until sign-in shows.

    F10 then quits the demo; RuntimeError if the screen never showed or the
    demo did not exit cleanly.
    """
    command = [
        sys.executable,
        "-m",
        "pickwise.cli",
        "demo",
        "--data-dir",
        str(data_dir),
    ]
    if fresh:
        command.append("--fresh")
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 16, 40, 0, 0))
    env = {**os.environ, "TERM": "linux", "COLUMNS": "40", "LINES": "16"}
    started = time.perf_counter()
    child = subprocess.Popen(
        command,
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
        start_new_session=True,
    )
    os.close(follower)
    seen = b""
    shown: float | None = None
    try:
        deadline = started + LAUNCH_TIMEOUT_S
        while child.poll() is None and time.perf_counter() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.05)
            if ready:
                try:
                    seen = (seen + os.read(leader, 65536))[-4096:]
                except OSError:  # the child closed the terminal
                    break
            if shown is None and SIGN_IN_TEXT in seen:
                shown = time.perf_counter() - started
                os.write(leader, F10)
                deadline = time.perf_counter() + 20
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
        os.close(leader)
    if shown is None:
        raise RuntimeError(f"the sign-in screen never showed; last output: {seen!r}")
    if child.returncode != 0:
        raise RuntimeError(f"the demo exited with {child.returncode}: {seen!r}")
    return shown


async def walk_waves(server: str, token: str, device_dir: Path, waves: int) -> dict:
    """Sign in as picker1 and walk ``waves`` waves with the demo key."""
    device = Device(
        data_dir=device_dir, device_id=DEMO_DEVICE, server=server, device_token=token
    )
    app = PickwiseApp(device, demo=True)
    seconds: list[float] = []
    lines = keys = 0
    async with app.run_test(size=(40, 16)) as pilot:
        await pilot.press(*"B1001", "enter")
        await pilot.pause()
        for _ in range(waves):
            assert isinstance(app.screen, MenuScreen), app.screen
            await pilot.press("1")
            while not isinstance(app.screen, PickScreen):
                await pilot.pause(0.01)
            screen = app.screen
            started = time.perf_counter()
            while screen.flow.step is not Step.DONE:
                await pilot.press("f9")
                await pilot.pause()
                keys += 1
            seconds.append(time.perf_counter() - started)
            lines += screen.flow.total
            await pilot.press("enter")
            await pilot.pause()
        await device.sync.drain()
        queued = device.journal.queued()
    return {
        "wave_pick_s": round(statistics.median(seconds), 2),
        "waves_walked": waves,
        "lines_walked": lines,
        "demo_keys_per_line": round(keys / lines, 2),
        "queued_after_drain": queued,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="one wave, one warm run")
    args = parser.parse_args()
    waves = 1 if args.quick else 5
    result: dict[str, object] = {"machine": platform.machine(), "quick": args.quick}
    with tempfile.TemporaryDirectory(prefix="pickwise-bench-") as tmp:
        folder = Path(tmp)
        result |= time_build(folder)
        print(f"build: {result}", flush=True)

        demo_dir = folder / "demo"
        result["to_sign_in_fresh_s"] = round(time_to_sign_in(demo_dir, fresh=True), 2)
        warm = [
            time_to_sign_in(demo_dir, fresh=False)
            for _ in range(1 if args.quick else 3)
        ]
        result["to_sign_in_s"] = round(statistics.median(warm), 2)
        print(f"to sign-in: {result['to_sign_in_fresh_s']} s fresh, {warm} warm")

        db_path = demo_dir / "service" / "stock.db"
        token = ensure_demo(db_path)
        start_s = time_service_start(db_path, folder / "service.log")
        result["service_start_s"] = round(start_s, 2)
        with service_on_loopback(db_path, folder / "service.log") as server:
            if server is None:
                raise SystemExit("the service did not start")
            result |= asyncio.run(walk_waves(server, token, folder / "device", waves))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
