"""Label printers: a Zebra-type printer on raw TCP (port 9100), or files.

What "printed once" means over raw TCP, where the printer acknowledges
nothing by itself: every job is one connection in two steps.

1. Ask the printer's host status (``~HS``) and read its answer. No answer
   (refused, reset, timed out) or an answer that says it cannot print (paper
   or ribbon out, head open, paused) means the label was never sent:
   `PrinterUnavailable` or `PrinterFault`, and a retry is safe.
2. Send the label, then ``~HS`` again. The printer reads its input in order,
   so an answer to this second request proves it took in the whole label.
   If the connection breaks before the last byte of the label left us, the
   printer never saw the label's ``^XZ`` and prints nothing: safe to retry.
   If it breaks after that, without the second answer, the label may or may
   not print: `PrintUncertain`, which is never retried by itself; a person
   looks at the printer and decides.

`deliver` retries only the safe cases, so a retry never prints a label twice.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from labels.errors import (
    PrinterError,
    PrinterFault,
    PrinterUnavailable,
    PrintUncertain,
)

log = logging.getLogger("labels")

PORT = 9100
HOST_STATUS = b"~HS\r\n"
RETRY_WAITS = (0.1, 0.4)
"""Seconds between the attempts `deliver` makes; one attempt more than waits."""


@dataclass(frozen=True)
class LabelJob:
    """One label to print: its ZPL and an id that names it in logs and files."""

    job_id: str
    sscc: str
    zpl: str
    png: bytes | None = None


class Printer(Protocol):
    """Somewhere a label goes."""

    def describe(self) -> str:
        """Where labels go, for a person."""
        ...

    def send(self, job: LabelJob) -> str:
        """Print ``job``; where it went. Raises `PrinterError`."""
        ...


class TcpPrinter:
    """A printer that takes ZPL on a raw TCP port and answers ``~HS``."""

    def __init__(self, host: str, port: int = PORT, *, timeout: float = 3.0) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout

    def describe(self) -> str:
        return f"printer {self.host}:{self.port}"

    def send(self, job: LabelJob) -> str:
        where = self.describe()
        try:
            conn = socket.create_connection(
                (self.host, self.port), timeout=self.timeout
            )
        except OSError as exc:
            raise PrinterUnavailable(
                f"The {where} cannot be reached: {_why(exc)}."
            ) from exc
        with conn:
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                conn.sendall(HOST_STATUS)
                status = _read_status(conn)
            except OSError as exc:
                raise PrinterUnavailable(
                    f"The {where} did not answer: {_why(exc)}."
                ) from exc
            fault = printer_fault(status)
            if fault:
                raise PrinterFault(f"The {where} reports: {fault}.")
            try:
                conn.sendall(job.zpl.encode("ascii"))
            except OSError as exc:
                # Not every byte was taken, so the label's ^XZ never went out.
                raise PrinterUnavailable(
                    f"The {where} broke off before the label was sent: {_why(exc)}."
                ) from exc
            try:
                conn.sendall(HOST_STATUS)
                _read_status(conn)
            except OSError as exc:
                raise PrintUncertain(
                    f"The label went to the {where}, which then broke off"
                    f" ({_why(exc)}): see whether it printed."
                ) from exc
        log.info("label.printed", extra={"job": job.job_id, "printer": where})
        return where


class FilePrinter:
    """Labels written as files, ``SSCC.zpl`` (and ``SSCC.png``) in a folder.

    A file is written whole under a temporary name and renamed, so a label file
    is there complete or not at all, and writing it again replaces it.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def describe(self) -> str:
        return f"files in {self.folder}"

    def send(self, job: LabelJob) -> str:
        zpl = self.folder / f"{job.sscc}.zpl"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_whole(zpl, job.zpl.encode("ascii"))
            if job.png is not None:
                write_whole(zpl.with_suffix(".png"), job.png)
        except OSError as exc:
            raise PrinterUnavailable(
                f"The label file could not be written in {self.folder}: {_why(exc)}."
            ) from exc
        log.info("label.written", extra={"job": job.job_id, "file": str(zpl)})
        return str(zpl)


def deliver(
    printer: Printer,
    job: LabelJob,
    *,
    waits: Sequence[float] = RETRY_WAITS,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Send ``job``, retrying only when the label surely did not print."""
    for wait in (*waits, None):
        try:
            return printer.send(job)
        except PrinterUnavailable as exc:
            log.warning("label.retry", extra={"job": job.job_id, "error": str(exc)})
            if wait is None:
                raise
            sleep(wait)
    raise AssertionError("the last attempt returns or raises")


def write_whole(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` durably: a temporary file, fsync, rename."""
    partial = path.with_name(f".{path.name}.partial")
    with partial.open("wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, path)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def parse_printer(spec: str, *, default_folder: Path | None = None) -> Printer:
    """A printer from a setting: ``HOST[:PORT]``, ``tcp://HOST[:PORT]`` or
    ``file:FOLDER``."""
    if spec.startswith("file:"):
        return FilePrinter(Path(spec[5:]).expanduser())
    address = spec.removeprefix("tcp://").rstrip("/")
    host, _, port = address.rpartition(":") if ":" in address else (address, "", "")
    if not host:
        raise PrinterError(f"No printer host in {spec!r}.")
    if port and not port.isdigit():
        raise PrinterError(f"{port!r} is not a port number (in {spec!r}).")
    return TcpPrinter(host.strip("[]"), int(port) if port else PORT)


def printer_fault(status: bytes) -> str:
    """What keeps the printer from printing, from its ``~HS`` answer; "" if
    nothing does."""
    strings = [part.split(b"\x03")[0] for part in status.split(b"\x02")[1:]]
    fields = [s.decode("ascii", "replace").split(",") for s in strings]
    faults = []
    first = fields[0] if fields else []
    second = fields[1] if len(fields) > 1 else []
    for flags, index, name in (
        (first, 1, "paper out"),
        (first, 2, "paused"),
        (first, 5, "receive buffer full"),
        (second, 2, "head open"),
        (second, 3, "ribbon out"),
    ):
        if len(flags) > index and flags[index].strip() == "1":
            faults.append(name)
    return ", ".join(faults)


def _read_status(conn: socket.socket) -> bytes:
    """The three strings of a ``~HS`` answer (each STX … ETX CR LF)."""
    answer = b""
    while answer.count(b"\x03") < 3:
        chunk = conn.recv(1024)
        if not chunk:
            raise ConnectionResetError("the printer closed the connection")
        answer += chunk
    return answer


def _why(exc: OSError) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ConnectionResetError):
        return "connection reset"
    return os.strerror(exc.errno) if exc.errno else str(exc)
