"""``pickwise demo``: the stock service on loopback and a terminal against it."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from labels.printer import Printer
from pickwise import paths
from pickwise.logs import log_to_file
from pickwise.terminal_command import run_app
from stock_service.demo.build import DEMO_DEVICE, ensure_demo
from terminal.device import Device
from terminal.scanners import Scanners

START_TIMEOUT_S = 30.0


def run_demo(
    *,
    data_dir: str | None,
    fresh: bool,
    scanners: Scanners,
    printer: Printer | None = None,
    scale: str | None = None,
) -> int:
    """Build the demo warehouse once, start the service, open the terminal."""
    folder = _folder(data_dir)
    if fresh and folder.exists():
        shutil.rmtree(folder)
    db_path = folder / "service" / "stock.db"
    if not db_path.exists():
        print("Building the demo warehouse from real orders…", flush=True)
    token = ensure_demo(db_path)
    log_to_file(folder / "terminal.log")

    with service_on_loopback(db_path, folder / "service.log") as server:
        if server is None:
            print(f"The stock service did not start; see {folder / 'service.log'}")
            return 1
        device = Device(
            data_dir=folder / "device",
            device_id=DEMO_DEVICE,
            server=server,
            device_token=token,
            printer=printer,
            scale=scale,
        )
        return run_app(device, demo=True, scanners=scanners)


@contextmanager
def service_on_loopback(db_path: Path, log_path: Path) -> Iterator[str | None]:
    """Run ``pickwise serve`` on a free loopback port for the ``with`` block.

    Yields the service's URL once it answers, or None if it did not start.
    """
    port = _free_port()
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


def _free_port() -> int:
    with socket.socket() as sock:
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
