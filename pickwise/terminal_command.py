"""``pickwise terminal``: the terminal of a real deployment."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

from labels.printer import Printer
from pickwise import paths
from pickwise.logs import log_to_file
from terminal.app import PickwiseApp
from terminal.device import Device
from terminal.scanners import Scanners

TOKEN_ENV = "PICKWISE_DEVICE_TOKEN"


def run_terminal(
    *,
    server: str,
    device_id: str | None,
    token_file: str | None,
    data_dir: str | None,
    scanners: Scanners,
    printer: Printer | None = None,
    scale: str | None = None,
) -> int:
    """Run the terminal against ``server`` until the app exits."""
    token = _device_token(token_file)
    if token is None:
        print(
            "pickwise terminal: no device token."
            f" Pass --token-file or set {TOKEN_ENV}.",
            file=sys.stderr,
        )
        return 2
    folder = paths.data_dir(data_dir, "device")
    log_to_file(folder / "terminal.log")
    device = Device(
        data_dir=folder,
        device_id=device_id or socket.gethostname(),
        server=server,
        device_token=token,
        printer=printer,
        scale=scale,
    )
    return run_app(device, demo=False, scanners=scanners)


def run_app(device: Device, *, demo: bool, scanners: Scanners) -> int:
    """Run the app full screen, without a mouse; the exit code for systemd."""
    app = PickwiseApp(device, demo=demo, scanners=scanners)
    code = app.run(mouse=False)
    return code if isinstance(code, int) else app.return_code or 0


def _device_token(token_file: str | None) -> str | None:
    if token_file:
        return Path(token_file).read_text().strip() or None
    return os.environ.get(TOKEN_ENV) or None
