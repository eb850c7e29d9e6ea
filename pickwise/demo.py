"""``pickwise demo``: the stock service on loopback and a terminal against it.

A second ``pickwise demo`` while the first runs opens another handheld on the
same warehouse (``demo-2``, ``demo-3``, …), with its own files, so a supervisor
can watch and move the work a picker is doing.
"""

from __future__ import annotations

import contextlib
import fcntl
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx

from labels.printer import Printer
from offline_store.client import Link
from pickwise import paths
from pickwise.logs import log_to_file
from pickwise.terminal_command import run_app
from stock_service.demo.build import DEMO_DEVICE, demo_device_token, ensure_demo
from terminal.device import Device
from terminal.scanners import Scanners

START_TIMEOUT_S = 30.0
SERVICE_FILE = "service.url"
"""Where a running demo says where its service listens, for others to join."""
MAX_HANDHELDS = 4


def run_demo(
    *,
    data_dir: str | None,
    fresh: bool,
    scanners: Scanners,
    printer: Printer | None = None,
    scale: str | None = None,
) -> int:
    """Build the demo warehouse once, start the service, open the terminal;
    or join the demo already running as another handheld."""
    folder = _folder(data_dir)
    running = _running(folder)
    if running is not None:
        if fresh:
            print("pickwise demo: a demo is running; quit it before --fresh.")
            return 2
        return _join(folder, running, scanners, printer=printer, scale=scale)
    if fresh and folder.exists():
        shutil.rmtree(folder)
    db_path = folder / "service" / "stock.db"
    if not db_path.exists():
        print("Building the demo warehouse from real orders…", flush=True)
    token = ensure_demo(db_path)
    log_to_file(folder / "terminal.log")

    # The port of the last run, where handhelds that joined it look again.
    marker = folder / SERVICE_FILE
    last = marker.read_text().strip() if marker.exists() else ""
    port = last.rpartition(":")[2]
    with service_on_loopback(
        db_path, folder / "service.log", port=int(port) if port.isdecimal() else 0
    ) as server:
        if server is None:
            print(f"The stock service did not start; see {folder / 'service.log'}")
            return 1
        marker.write_text(server + "\n")
        with _hold(folder, 1) or contextlib.nullcontext():
            device = _handheld(
                folder / "device", DEMO_DEVICE, server, token, printer, scale
            )
            return run_app(device, demo=True, scanners=scanners)


def _running(folder: Path) -> str | None:
    """The URL of the demo service another ``pickwise demo`` runs, if any."""
    try:
        server = (folder / SERVICE_FILE).read_text().strip()
    except OSError:
        return None
    try:
        up = httpx.get(f"{server}/healthz", timeout=1.0).status_code == 200
    except httpx.HTTPError:
        up = False
    return server if up else None


def _join(
    folder: Path,
    server: str,
    scanners: Scanners,
    *,
    printer: Printer | None,
    scale: str | None,
) -> int:
    """Another handheld on the running demo, in the first free slot."""
    for slot in range(2, MAX_HANDHELDS + 1):
        held = _hold(folder, slot)
        if held is None:
            continue
        with held:
            device_id, token = demo_device_token(folder / "service" / "stock.db", slot)
            log_to_file(folder / f"terminal-{slot}.log")
            device = _handheld(
                folder / f"device-{slot}", device_id, server, token, printer, scale
            )
            return run_app(device, demo=True, scanners=scanners)
    print(f"pickwise demo: {MAX_HANDHELDS} handhelds are open already.")
    return 2


def _handheld(
    data_dir: Path,
    device_id: str,
    server: str,
    token: str,
    printer: Printer | None,
    scale: str | None,
) -> Device:
    """A demo handheld: its own files, and a Wi-Fi switch (F11)."""
    return Device(
        data_dir=data_dir,
        device_id=device_id,
        server=server,
        device_token=token,
        transport=Link(),
        printer=printer,
        scale=scale,
    )


def _hold(folder: Path, slot: int) -> IO[bytes] | None:
    """Hold handheld ``slot`` for this process (closing the file lets it go);
    None when another process holds it."""
    folder.mkdir(parents=True, exist_ok=True)
    lock = (folder / f"handheld-{slot}.lock").open("ab")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        return None
    return lock


@contextmanager
def service_on_loopback(
    db_path: Path, log_path: Path, *, port: int = 0
) -> Iterator[str | None]:
    """Run ``pickwise serve`` on loopback for the ``with`` block: on ``port`` if
    it is free, else on any free port.

    Yields the service's URL once it answers, or None if it did not start.
    """
    port = _free_port(port)
    with log_path.open("ab") as log:
        service = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pickwise.cli",
                "serve",
                "--db",
                f"sqlite:///{db_path}",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        try:
            server = f"http://127.0.0.1:{port}"
            yield server if _wait_until_up(server, service) else None
        finally:
            service.terminate()
            try:
                service.wait(timeout=5)
            except subprocess.TimeoutExpired:
                service.kill()


def _folder(override: str | None) -> Path:
    return paths.data_dir(override, "demo")


def _free_port(wanted: int = 0) -> int:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", wanted))
        except OSError:
            sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(server: str, service: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if service.poll() is not None:
            return False
        try:
            if httpx.get(f"{server}/healthz", timeout=1.0).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    return False
