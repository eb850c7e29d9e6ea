"""Scanner benchmark: decode and interpret a 200-character GS1 DataMatrix scan, and
keep up with a wedge scanner typing one key per millisecond.

    python -m bench.scan [--quick]

Two measures:

- ``decode_p99_ms``: the key events of one scan (US layout, Shift for capitals,
  Ctrl+] for each GS) fed to a fresh `KeyDecoder`, and the frame interpreted.
- ``dropped``: the same events written as kernel ``input_event`` records into a pipe
  at one key per millisecond and read by the real evdev reader thread. The pipe is
  as small as the kernel allows and the writer never blocks, like the kernel's own
  buffer: an event that finds the pipe full is dropped.

The last line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import platform
import queue
import statistics
import struct
import sys
import time
from collections.abc import Iterable
from typing import NamedTuple

from devices.barcode import interpret
from devices.evdev_reader import EvdevScanner
from devices.keys import KeyDecoder
from devices.replay import Event, keystrokes
from devices.scan import Scan, Signal

INPUT_EVENT = struct.Struct("llHHi")  # struct input_event on 64-bit Linux
F_SETPIPE_SZ = 1031
PIPE_SIZE = 4096  # the smallest pipe: about 170 events, as a kernel evdev buffer


def datamatrix_200() -> str:
    """A GS1 DataMatrix frame of 200 characters, AIM identifier included."""
    head = (
        "]d20109506000134352172712311012345678901234567890\x1d"
        "21SN0000000000000001\x1d240ADDITIONAL-PRODUCT-ID-0000001\x1d"
        "241CUSTOMER-PART-NUMBER-000001\x1d91"
    )
    return head + "INTERNAL-" + "X" * (200 - len(head) - 9)


class RawEvent(NamedTuple):
    """An event as read from the pipe, shaped like python-evdev's `InputEvent`."""

    sec: int
    usec: int
    type: int
    code: int
    value: int


class PipeDevice:
    """The read end of a pipe, read like an input device node."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._rest = b""

    def fileno(self) -> int:
        return self._fd

    def read(self) -> Iterable[RawEvent]:
        data = self._rest + os.read(self._fd, PIPE_SIZE)
        whole = len(data) - len(data) % INPUT_EVENT.size
        self._rest = data[whole:]
        return [RawEvent(*fields) for fields in INPUT_EVENT.iter_unpack(data[:whole])]

    def grab(self) -> None:
        pass

    def ungrab(self) -> None:
        pass

    def close(self) -> None:
        os.close(self._fd)


def measure_decode(text: str, runs: int) -> tuple[list[float], list[float]]:
    """Milliseconds to decode the key events of ``text`` and interpret the frame:
    wall-clock times, and the CPU times of this thread (which other processes on a
    busy machine do not inflate)."""
    events = keystrokes(text)
    decoder = KeyDecoder("us")  # one per scanner, for as long as it is attached
    times = []
    cpu_times = []
    for _ in range(runs):
        started = time.perf_counter()
        cpu_started = time.thread_time()
        batch = [(event.type, event.code, event.value, event.time) for event in events]
        (scan,) = decoder.feed_all(batch)
        assert isinstance(scan, Scan)
        reading = interpret(scan.text)
        times.append((time.perf_counter() - started) * 1000)
        cpu_times.append((time.thread_time() - cpu_started) * 1000)
        assert reading.kind == "product", reading
    return times, cpu_times


def measure_reader(text: str, scans: int) -> dict[str, object]:
    """Replay ``scans`` scans at one key per millisecond through a pipe."""
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, F_SETPIPE_SZ, PIPE_SIZE)
    os.set_blocking(write_end, False)
    items: queue.Queue[Scan | Signal] = queue.Queue()
    reader = EvdevScanner(
        "pipe", items.put, KeyDecoder("us"), opener=lambda path: PipeDevice(read_end)
    )
    reader.start()
    dropped = 0
    latencies = []
    received = []
    try:
        for _ in range(scans):
            start = time.time() + 0.01
            keys = _by_key(keystrokes(text, start=start))
            for moment, records in keys:
                _wait_until(moment)
                try:
                    os.write(write_end, records)
                except BlockingIOError:
                    dropped += len(records) // INPUT_EVENT.size
            sent = time.perf_counter()
            scan = _next_scan(items)
            latencies.append((time.perf_counter() - sent) * 1000)
            received.append(scan.text if scan else None)
    finally:
        reader.stop()
        os.close(write_end)
    keys_sent = len(_by_key(keystrokes(text))) * scans
    return {
        "dropped": dropped,
        "frames_ok": received == [text] * scans,
        "keys_sent": keys_sent,
        "frame_latency_p99_ms": round(_p99(latencies), 3),
    }


def _by_key(events: list[Event]) -> list[tuple[float, bytes]]:
    """The events grouped by the key (moment) they belong to, packed for the pipe."""
    groups: dict[float, bytearray] = {}
    for event in events:
        sec, usec = divmod(round(event.time * 1_000_000), 1_000_000)
        packed = INPUT_EVENT.pack(sec, usec, event.type, event.code, event.value)
        groups.setdefault(event.time, bytearray()).extend(packed)
    return [(moment, bytes(data)) for moment, data in groups.items()]


def _wait_until(moment: float) -> None:
    while (left := moment - time.time()) > 0:
        if left > 0.0005:
            time.sleep(left / 2)


def _next_scan(items: queue.Queue[Scan | Signal]) -> Scan | None:
    while True:
        try:
            item = items.get(timeout=2.0)
        except queue.Empty:
            return None
        if isinstance(item, Scan):
            return item


def _p99(values: list[float]) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[98]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures, the last line as JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.scan", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer runs (CI)")
    args = parser.parse_args(argv)
    runs, scans = (300, 3) if args.quick else (3000, 20)

    text = datamatrix_200()
    measure_decode(text, 20)  # warm up imports and caches
    decode, decode_cpu = measure_decode(text, runs)
    reader = measure_reader(text, scans)
    result = {
        "benchmark": "scan",
        "quick": args.quick,
        "scan_chars": len(text),
        "decode_runs": runs,
        "decode_p50_ms": round(statistics.median(decode), 3),
        "decode_p99_ms": round(_p99(decode), 3),
        "decode_cpu_p99_ms": round(_p99(decode_cpu), 3),
        "reader_scans": scans,
        **reader,
        "python": platform.python_version(),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
    print(
        f"decode+interpret of {len(text)} characters: p99 {result['decode_p99_ms']} ms"
    )
    print(f"reader at 1 key/ms: {reader['dropped']} events dropped")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
