"""A fake label printer on 127.0.0.1, for tests and benchmarks.

It reads ZPL the way a Zebra-type printer does, in order: a complete
``^XA … ^XZ`` format is a label, ``~HS`` is answered with host status, and a
format cut off by the connection's end is thrown away. It can reset the
first connections it takes, report a fault, or reset after taking a label.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Received:
    """One label the fake printer took in, and when (``time.perf_counter``)."""

    zpl: str
    at: float


@dataclass
class FakePrinter:
    """Listens on 127.0.0.1 (a free port) until stopped."""

    reset_connections: int = 0
    """Reset this many connections as soon as they are accepted."""
    reset_after_label: int = 0
    """Reset this many connections after taking their label, before answering."""
    paper_out: bool = False
    listen_port: int = 0
    """The port to listen on; 0 takes a free one."""
    labels: list[Received] = field(default_factory=list)
    connections: int = 0

    def __post_init__(self) -> None:
        self._server = socket.create_server(("127.0.0.1", self.listen_port))
        self._server.settimeout(0.2)
        self.port = int(self._server.getsockname()[1])
        self._stop = threading.Event()
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._serve, name="fake-printer")

    def __enter__(self) -> FakePrinter:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(2)
        self._server.close()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def wait_for(self, count: int, timeout: float = 5.0) -> bool:
        """Wait until ``count`` labels came in; whether they did."""
        with self._changed:
            return self._changed.wait_for(lambda: len(self.labels) >= count, timeout)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            self.connections += 1
            with conn:
                if self.connections <= self.reset_connections:
                    _reset(conn)
                    continue
                self._talk(conn)

    def _talk(self, conn: socket.socket) -> None:
        conn.settimeout(0.2)
        buffer = b""
        while not self._stop.is_set():
            try:
                chunk = conn.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            if not chunk:
                return  # a partial format is dropped with the connection
            buffer += chunk
            buffer, reset = self._take(conn, buffer)
            if reset:
                return

    def _take(self, conn: socket.socket, buffer: bytes) -> tuple[bytes, bool]:
        while True:
            start, status = buffer.find(b"^XA"), buffer.find(b"~HS")
            if start >= 0 and (status < 0 or start < status):
                end = buffer.find(b"^XZ", start)
                if end < 0:
                    return buffer, False
                self._label(buffer[start : end + 3].decode("ascii"))
                buffer = buffer[end + 3 :]
                if self.reset_after_label > 0:
                    self.reset_after_label -= 1
                    _reset(conn)
                    return b"", True
            elif status >= 0:
                conn.sendall(self._status())
                buffer = buffer[status + 3 :]
            else:
                return buffer, False

    def _label(self, zpl: str) -> None:
        with self._changed:
            self.labels.append(Received(zpl, time.perf_counter()))
            self._changed.notify_all()

    def _status(self) -> bytes:
        paper = "1" if self.paper_out else "0"
        return (
            f"\x02030,{paper},0,1218,000,0,0,0,000,0,0,0\x03\r\n"
            "\x02001,0,0,0,1,2,6,0,00000000,1,000\x03\r\n"
            "\x021234,0\x03\r\n"
        ).encode("ascii")


def _reset(conn: socket.socket) -> None:
    """Close with RST instead of FIN, as a printer that drops a link does."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
