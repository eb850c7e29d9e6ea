"""Shared fixtures: the real stock service on a real SQLite file, and a device."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest
import stamina
from sqlalchemy import Engine, insert
from textual.pilot import Pilot

from bench.service import LoopbackService
from stock_service import schema
from stock_service.app import create_app
from stock_service.auth import token_hash
from stock_service.db import make_engine, migrate
from stock_service.demo.build import build_demo
from terminal.device import Device
from wire import DEVICE_HEADER

DEVICE_TOKEN = "test-device-token"


class Switchable(httpx.AsyncBaseTransport):
    """The network between device and service, which a test can cut."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.down = False
        self.requests = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("network is down", request=request)
        self.requests += 1
        return await self.inner.handle_async_request(request)


@pytest.fixture(autouse=True)
def retries_without_waits() -> Iterator[None]:
    """Sync retries happen at once in tests (stamina's test mode)."""
    with stamina.set_testing(True, attempts=6, cap=True):
        yield


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo warehouse, built once per test run."""
    path = tmp_path_factory.mktemp("template") / "stock.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    build_demo(engine, device_token=DEVICE_TOKEN)
    engine.dispose()  # the last connection to close folds the WAL into the file
    return path


@pytest.fixture
def engine(demo_template: Path, tmp_path: Path) -> Iterator[Engine]:
    """A fresh copy of the demo warehouse for one test."""
    path = tmp_path / "stock.db"
    shutil.copy(demo_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture
def network(engine: Engine) -> Switchable:
    """The in-process service behind a network that tests can cut."""
    return Switchable(httpx.ASGITransport(app=create_app(engine)))


@pytest.fixture
async def http(network: Switchable) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the enrolled demo device, on the in-process service."""
    async with httpx.AsyncClient(
        transport=network,
        base_url="http://service",
        headers={DEVICE_HEADER: DEVICE_TOKEN},
    ) as client:
        yield client


@pytest.fixture
def served(engine: Engine) -> Iterator[LoopbackService]:
    """The stock service on loopback, for what needs a real connection (streams)."""
    with LoopbackService(engine) as service:
        yield service


@pytest.fixture
async def device(tmp_path: Path, network: Switchable) -> AsyncIterator[Device]:
    """The demo device, enrolled with the service."""
    device = Device(
        data_dir=tmp_path / "device",
        device_id="demo-1",
        server="http://service",
        device_token=DEVICE_TOKEN,
        transport=network,
    )
    yield device
    await device.close()


async def until(pilot: Pilot[int], condition: Callable[[], bool]) -> None:
    """Give the app's own workers turns until ``condition`` holds (at most ~4 s).

    The caller asserts the condition afterwards, so a timeout fails there.
    """
    for _ in range(200):
        if condition():
            return
        await pilot.pause(0.02)


SECOND_DEVICE_TOKEN = "test-device-token-2"


@pytest.fixture
def second_network(network: Switchable) -> Switchable:
    """The second handheld's own link to the same service, cut separately."""
    return Switchable(network.inner)


@pytest.fixture
async def second_device(
    tmp_path: Path, second_network: Switchable, engine: Engine
) -> AsyncIterator[Device]:
    """A second handheld on the same floor, enrolled with the service."""
    with engine.begin() as conn:
        conn.execute(
            insert(schema.devices).values(
                device_id="demo-2",
                token_hash=token_hash(SECOND_DEVICE_TOKEN),
                last_seq=0,
            )
        )
    device = Device(
        data_dir=tmp_path / "device-2",
        device_id="demo-2",
        server="http://service",
        device_token=SECOND_DEVICE_TOKEN,
        transport=second_network,
    )
    yield device
    await device.close()
