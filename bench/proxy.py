"""A TCP fault proxy on loopback: the network between a device and the service.

Each HTTP request that passes (a client chunk that starts with a method) draws
a fault with probability ``toxicity``:

- ``latency``: the answer waits 5-50 ms (jitter included);
- ``reset``: the connection is reset before the request reaches the service,
  or (half the time) after it did, so the service committed and the answer is lost;
- ``hang``: nothing more passes either way until the client gives up;
- ``slicer``: the answer arrives in slices of 1-64 bytes with short pauses;
- ``truncate``: only part of the answer arrives, then the connection closes.

``down`` refuses and cuts every connection, like a lost Wi-Fi link.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
import threading
from collections import Counter
from typing import Any

FAULTS = ("latency", "reset", "hang", "slicer", "truncate")
_METHODS = (b"GET ", b"POST ", b"PUT ", b"DELETE ", b"HEAD ")


class FaultProxy:
    """Forwards 127.0.0.1:``port`` to ``upstream_port``, injecting faults."""

    def __init__(self, upstream_port: int, *, toxicity: float, seed: int) -> None:
        self.upstream_port = upstream_port
        self.toxicity = toxicity
        self.down = False
        self.injected: Counter[str] = Counter()
        self._rng = random.Random(seed)
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._writers: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None
        self.port = 0
        self._thread = threading.Thread(
            target=self._run, name="fault-proxy", daemon=True
        )

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *_exc: Any) -> None:
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        self._cut_all()
        current = asyncio.current_task()
        tasks = [t for t in asyncio.all_tasks() if t is not current]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    @property
    def url(self) -> str:
        """The service as the device sees it."""
        return f"http://127.0.0.1:{self.port}"

    def set_down(self, down: bool) -> None:
        """Cut the link (and every open connection), or restore it."""
        self.down = down
        if down:
            self._loop.call_soon_threadsafe(self._cut_all)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", 0)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    def _cut_all(self) -> None:
        for writer in list(self._writers):
            _reset(writer)

    async def _handle(
        self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter
    ) -> None:
        if self.down:
            _reset(client_w)
            return
        try:
            up_r, up_w = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            _reset(client_w)
            return
        self._writers.update((client_w, up_w))
        fault: list[str | None] = [None]
        try:
            await asyncio.gather(
                self._upstream(client_r, up_w, client_w, fault),
                self._downstream(up_r, client_w, up_w, fault),
            )
        except (OSError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            return  # the proxy is shutting down; its streams close below
        finally:
            for writer in (client_w, up_w):
                self._writers.discard(writer)
                if not writer.is_closing():
                    writer.close()

    async def _upstream(
        self,
        source: asyncio.StreamReader,
        sink: asyncio.StreamWriter,
        client: asyncio.StreamWriter,
        fault: list[str | None],
    ) -> None:
        while chunk := await source.read(65536):
            if chunk.startswith(_METHODS):
                fault[0] = self._draw()
                if fault[0] == "reset" and self._rng.random() < 0.5:
                    _reset(client)
                    _reset(sink)
                    return
            if fault[0] == "hang":
                await asyncio.sleep(3600)
            sink.write(chunk)
            await sink.drain()
        sink.close()

    async def _downstream(
        self,
        source: asyncio.StreamReader,
        sink: asyncio.StreamWriter,
        upstream: asyncio.StreamWriter,
        fault: list[str | None],
    ) -> None:
        while chunk := await source.read(65536):
            kind = fault[0]
            if kind == "hang":
                await asyncio.sleep(3600)
            elif kind == "reset":
                _reset(sink)
                _reset(upstream)
                return
            elif kind == "latency":
                await asyncio.sleep(self._rng.uniform(0.005, 0.05))
            elif kind == "truncate":
                sink.write(chunk[: self._rng.randrange(len(chunk))])
                await sink.drain()
                _reset(sink)
                _reset(upstream)
                return
            elif kind == "slicer":
                await self._sliced(sink, chunk)
                continue
            sink.write(chunk)
            await sink.drain()
        sink.close()

    async def _sliced(self, sink: asyncio.StreamWriter, chunk: bytes) -> None:
        at = 0
        while at < len(chunk):
            size = self._rng.randint(1, 64)
            sink.write(chunk[at : at + size])
            await sink.drain()
            at += size
            await asyncio.sleep(self._rng.uniform(0, 0.002))

    def _draw(self) -> str | None:
        self.injected["requests"] += 1
        if self.toxicity <= 0 or self._rng.random() >= self.toxicity:
            return None
        kind = self._rng.choice(FAULTS)
        self.injected[kind] += 1
        return kind


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST rather than FIN, as a dropped link looks to the peer."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
    writer.transport.abort()
