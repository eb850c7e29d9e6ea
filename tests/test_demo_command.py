"""``pickwise demo`` as a newcomer runs it: a real terminal, the service behind it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.demo import time_to_sign_in
from pickwise import demo
from pickwise.demo import service_on_loopback
from terminal.device import Device
from terminal.scanners import Scanners
from tests.conftest import DEVICE_TOKEN


def test_pickwise_demo_reaches_sign_in_on_a_console_and_quits_with_f10(
    demo_template: Path, tmp_path: Path
) -> None:
    # The demo's own files, as a first run would have left them.
    service = tmp_path / "demo" / "service"
    service.mkdir(parents=True)
    shutil.copy(demo_template, service / "stock.db")
    (service / "demo-device.token").write_text(DEVICE_TOKEN + "\n")

    # Runs `pickwise demo` in a 40x16 pseudo terminal with TERM=linux; raises
    # unless the sign-in screen is drawn and F10 then ends the demo with 0.
    time_to_sign_in(tmp_path / "demo", fresh=False)

    assert (tmp_path / "demo" / "service.log").exists()
    assert (tmp_path / "demo" / "device" / "journal.db").exists()


@pytest.fixture
def running_demo(demo_template: Path, tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A demo folder whose first ``pickwise demo`` is running: its service up,
    its handheld slot held."""
    folder = tmp_path / "demo"
    service = folder / "service"
    service.mkdir(parents=True)
    shutil.copy(demo_template, service / "stock.db")
    (service / "demo-device.token").write_text(DEVICE_TOKEN + "\n")
    with service_on_loopback(service / "stock.db", folder / "service.log") as url:
        assert url is not None
        (folder / demo.SERVICE_FILE).write_text(url + "\n")
        first = demo._hold(folder, 1)
        assert first is not None
        yield folder, url
        first.close()


async def test_a_second_demo_joins_the_running_one_as_another_handheld(
    running_demo: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, url = running_demo
    opened: list[Device] = []

    def open_app(device: Device, **_: Any) -> int:
        opened.append(device)
        return 0

    monkeypatch.setattr(demo, "run_app", open_app)
    second = demo.run_demo(data_dir=str(folder), fresh=False, scanners=Scanners())
    held = demo._hold(folder, 2)  # the second handheld is still open
    third = demo.run_demo(data_dir=str(folder), fresh=False, scanners=Scanners())
    fresh = demo.run_demo(data_dir=str(folder), fresh=True, scanners=Scanners())

    assert (second, third, fresh) == (0, 0, 2)
    assert [(d.device_id, d.client._http.base_url) for d in opened] == [
        ("demo-2", httpx.URL(url)),
        ("demo-3", httpx.URL(url)),
    ]
    signed_in = await opened[1].sign_in(badge="B1002")
    assert signed_in.online
    for device in opened:
        await device.close()
    assert held is not None
    held.close()


def test_a_restarted_demo_serves_where_its_handhelds_look_for_it(
    running_demo: tuple[Path, str], demo_template: Path, tmp_path: Path
) -> None:
    _, url = running_demo
    port = int(url.rpartition(":")[2])
    copy = tmp_path / "other.db"
    shutil.copy(demo_template, copy)

    # The port is taken by the running service: another one goes elsewhere.
    with service_on_loopback(copy, tmp_path / "s.log", port=port) as elsewhere:
        assert elsewhere is not None and elsewhere != url
        free = int(elsewhere.rpartition(":")[2])
    with service_on_loopback(copy, tmp_path / "s.log", port=free) as again:
        assert again == elsewhere
