"""Fault harness: confirmations under crashes, network chaos and a full disk.

    python -m bench.faults --quick | --full [--seed N]

The real stock service runs on loopback (uvicorn, SQLite with
synchronous=FULL) behind a TCP fault proxy; a lean device process (the real
journal and sync worker, no UI, see ``bench.device``) sends to it through an
httpx transport that duplicates, drops and reorders. The driver counts a
confirmation as acknowledged only when the device reported it committed.

- R1: the device is killed with SIGKILL at random moments and restarted at once.
- R3: the proxy faults 30 % of requests (latency, reset, hang, slices,
  truncation); the transport duplicates, drops answers after commit and reorders.
- R5: the journal is capped at its size (``max_page_count``): scans are refused
  with a clear message, nothing queued is lost, scanning resumes when lifted.
- R6: the service refuses 5 % as "stock changed"; the queue head never blocks.
- R8: after the drain, every acknowledged confirmation is sent twice more.
- R12: a Hypothesis state machine (``bench.model``).

Then the checker: every acknowledged confirmation is in the ledger exactly
once, no ledger row lacks a device confirmation, the device sequence has no
gaps, ``integrity_check`` is ok, and on-hand stock equals a replay of the ledger.
The last line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import logging
import os
import queue
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, text

from bench.device import DEVICE_ID
from bench.proxy import FaultProxy
from bench.service import DEVICE_TOKEN, LoopbackService, demo_database, pick_tasks
from stock_service.confirm import payload_hash
from wire import API, DEVICE_HEADER, BatchResult, Confirmation, ConfirmationBatch

REJECT_SHARE = 0.05


@dataclass(frozen=True)
class Options:
    """One run of the harness."""

    confirmations: int
    kills: int
    seed: int = 1
    toxicity: float = 0.3
    disk_full_scans: int = 20
    r6_rounds: int = 5
    r12_examples: int = 20
    r12_steps: int = 25
    template: Path | None = None  # a demo database to copy instead of building


QUICK = Options(confirmations=1_000, kills=20)
"""``--quick``, which CI runs: R1 and R3 at 1,000 confirmations and 20 kills."""
FULL = Options(confirmations=10_000, kills=100, r12_examples=200, r12_steps=50)
"""``--full``."""


@dataclass
class History:
    """What the driver saw: the oracle the checker holds the service to."""

    acked: dict[str, Confirmation] = field(default_factory=dict)
    kills: int = 0
    restart_ms: list[float] = field(default_factory=list)
    max_queue_depth: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    disk_full_refused: int = 0
    disk_full_message: str = ""
    disk_full_kept_queue: bool = False
    disk_full_resumed: bool = False
    head_blocked: int = 0
    device_seq: int = 0
    next_task: int = 0


class DeviceProcess:
    """The lean device as a child process; its answers arrive on a queue."""

    def __init__(self, data: Path, url: str, tasks: Path, *, chaos: int | None) -> None:
        command = [
            sys.executable,
            "-m",
            "bench.device",
            "--data",
            str(data),
            "--url",
            url,
            "--token",
            DEVICE_TOKEN,
            "--tasks",
            str(tasks),
        ]
        if chaos is not None:
            command += ["--chaos", str(chaos)]
        self.started = time.monotonic()
        with (data / "device.log").open("ab") as log:
            self.proc = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                bufsize=1,
            )
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def send(self, command: str) -> bool:
        """Write one command; False when the process is gone."""
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(command + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            return False
        return True

    def answer(self, timeout: float = 60.0) -> str | None:
        """The next line, or None when the process ended."""
        return self.lines.get(timeout=timeout)

    def kill(self) -> None:
        """SIGKILL, as a crash or a pulled battery looks to the process."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)

    def stop(self) -> None:
        """Ask the device to quit, and wait for it."""
        self.send("quit")
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()
            self.proc.wait()


class Driver:
    """Feeds scans to the device and keeps the history of acknowledgements."""

    def __init__(self, work: Path, url: str, tasks: Path, rng: random.Random):
        self.work, self.url, self.tasks, self.rng = work, url, tasks, rng
        self.history = History()
        self.device: DeviceProcess | None = None

    def start(self, *, chaos: int | None) -> DeviceProcess:
        device = DeviceProcess(self.work, self.url, self.tasks, chaos=chaos)
        self.device = device
        while True:
            line = device.answer()
            if line is None:
                raise RuntimeError(f"the device did not start: see {self.work}")
            if line.startswith("ready"):
                break
            self._note(line)
        self.history.restart_ms.append((time.monotonic() - device.started) * 1000)
        self._depth(int(line.split()[1]))
        return device

    def until(self, prefix: str | tuple[str, ...]) -> str:
        """Read answers, noting acks on the way, up to one that starts with prefix."""
        assert self.device is not None
        while True:
            line = self.device.answer()
            if line is None:
                raise RuntimeError(f"the device ended while waiting for {prefix}")
            if line.startswith(prefix):
                return line
            self._note(line)

    def scan(self) -> str:
        """One scan, answered: ``ack ...`` or ``full ...``."""
        assert self.device is not None
        self.device.send(f"scan {self._task()}")
        line = self.until(("ack", "full"))
        self._note(line)
        return line

    def crash_life(self, *, target: int, window: int = 8) -> None:
        """Scan about ``target`` confirmations, then die by SIGKILL.

        The kill lands at a random moment: soon after start (while the device
        syncs what it had), in the middle of scanning (inside a commit), or
        after scanning stopped (inside a delivery under network faults).
        """
        device = self.start(chaos=self.rng.randrange(2**31))
        budget = self.rng.randint(1, max(1, 2 * target))
        acked = len(self.history.acked)
        timer: threading.Timer | None = None
        if self.rng.random() < 0.2:
            timer = threading.Timer(self.rng.uniform(0.02, 0.08), device.kill)
            timer.start()
        mid_commit = self.rng.random() < 0.5
        scanning, outstanding = True, 0
        while True:
            while scanning and outstanding < window:
                if not device.send(f"scan {self._task()}"):
                    break
                outstanding += 1
            line = device.answer()
            if line is None:
                break
            if line.startswith(("ack", "full")):
                outstanding -= 1
            self._note(line)
            if timer is None and len(self.history.acked) - acked >= budget:
                scanning = mid_commit
                delay = self.rng.uniform(0, 0.02 if mid_commit else 0.5)
                timer = threading.Timer(delay, device.kill)
                timer.start()
        device.proc.wait()
        if timer is not None:
            timer.cancel()
        self.history.kills += 1

    def _task(self) -> int:
        self.history.next_task += 1
        return self.history.next_task

    def _note(self, line: str) -> None:
        kind, _, rest = line.partition(" ")
        if kind == "ack":
            queued, _, payload = rest.partition(" ")
            c = Confirmation.model_validate_json(payload)
            self.history.acked[c.op_id] = c
            self._depth(int(queued))
        elif kind == "sent":
            self.history.outcomes.update(json.loads(rest))

    def _depth(self, queued: int) -> None:
        self.history.max_queue_depth = max(self.history.max_queue_depth, queued)


def stock_changed(seed: int) -> Any:
    """The R6 rule: a fixed 5 % of operation ids refused as stock changed."""

    def rule(c: Confirmation) -> tuple[str, str] | None:
        digest = hashlib.sha256(f"{seed}:{c.op_id}".encode()).digest()
        if int.from_bytes(digest[:4]) / 2**32 < REJECT_SHARE:
            return (
                "stock_changed",
                f"Stock of {c.product} at {c.location} changed; count it again.",
            )
        return None

    return rule


def on_hand(engine: Engine) -> dict[tuple[str, str, str], int]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT location, sku, lot, quantity FROM stock"))
        return {(r[0], r[1], r[2]): r[3] for r in rows}


def check(
    engine: Engine,
    *,
    acked: dict[str, Confirmation],
    device_seq: int,
    initial_stock: dict[tuple[str, str, str], int],
) -> dict[str, Any]:
    """Hold the service's ledger to what the device acknowledged."""
    with engine.connect() as conn:
        confirmed = {
            r[0]: (r[1], r[2], json.loads(r[3]))
            for r in conn.execute(
                text(
                    "SELECT op_id, device_seq, payload_hash, outcome"
                    " FROM confirmations WHERE device_id = :d"
                ),
                {"d": DEVICE_ID},
            )
        }
        ledger = Counter(
            r[0]
            for r in conn.execute(
                text("SELECT op_id FROM ledger WHERE device_id = :d"),
                {"d": DEVICE_ID},
            )
        )
        moved = Counter[tuple[str, str, str]]()
        for r in conn.execute(text("SELECT location, sku, lot, delta FROM ledger")):
            moved[(r[0], r[1], r[2])] += r[3]
        integrity = conn.execute(text("PRAGMA integrity_check")).scalar()
    seqs = sorted(seq for seq, _, _ in confirmed.values())
    lost = [op for op in acked if op not in confirmed]
    changed = [
        op
        for op, c in acked.items()
        if op in confirmed and confirmed[op][1] != payload_hash(c)
    ]
    orphans = [op for op in ledger if op not in confirmed]
    wrong_count = [
        op
        for op, (_, _, outcome) in confirmed.items()
        if ledger[op] != (0 if outcome["reason_type"] else 1)
    ]
    replay = Counter(initial_stock)
    replay.update(moved)
    now = on_hand(engine)
    stock_ok = all(now.get(key, 0) == replay[key] for key in set(now) | set(replay))
    gapless = seqs == list(range(1, len(seqs) + 1))
    return {
        "lost": len(lost),
        "duplicated": sum(n - 1 for n in ledger.values() if n > 1),
        "payload_changed": len(changed),
        "orphan_ledger_rows": len(orphans),
        "sequence_gapless": gapless,
        "ledger_equals_device": gapless
        and len(seqs) == device_seq
        and not lost
        and not changed
        and not orphans
        and not wrong_count,
        "rejected": sum(1 for _, _, o in confirmed.values() if o["reason_type"]),
        "integrity_ok": integrity == "ok",
        "stock_equals_ledger": stock_ok,
    }


def replay_twice(url: str, acked: dict[str, Confirmation]) -> Counter[str]:
    """R8: every acknowledged confirmation sent twice more, in device order."""
    ordered = sorted(acked.values(), key=lambda c: c.device_seq)
    statuses = Counter[str]()
    with httpx.Client(base_url=url, headers={DEVICE_HEADER: DEVICE_TOKEN}) as http:
        for _ in range(2):
            for at in range(0, len(ordered), 50):
                body = ConfirmationBatch(confirmations=ordered[at : at + 50])
                response = http.post(
                    f"{API}/confirmations", json=body.model_dump(mode="json")
                )
                response.raise_for_status()
                result = BatchResult.model_validate(response.json())
                statuses.update(o.status for o in result.outcomes)
    return statuses


def ledger_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM ledger")).scalar_one())


def run(options: Options, work: Path) -> dict[str, Any]:
    """One whole run; the figures of the JSON line."""
    began = time.monotonic()
    rng = random.Random(options.seed)
    engine = demo_database(work / "stock.db", template=options.template)
    initial_stock = on_hand(engine)
    tasks_file = work / "tasks.json"
    tasks = pick_tasks(engine, 5000)
    tasks_file.write_text(json.dumps([t.model_dump() for t in tasks]))
    device_dir = work / "device"
    device_dir.mkdir()

    service = LoopbackService(engine, conflict=stock_changed(options.seed))
    with (
        service,
        FaultProxy(service.port, toxicity=options.toxicity, seed=options.seed) as proxy,
    ):
        driver = Driver(device_dir, proxy.url, tasks_file, rng)
        history = driver.history

        # R1 + R3 (+ R6 throughout): kills at random moments under chaos.
        per_life = max(1, options.confirmations // max(1, options.kills))
        while history.kills < options.kills:
            driver.crash_life(target=per_life)
        device = driver.start(chaos=rng.randrange(2**31))
        while len(history.acked) < options.confirmations:
            driver.scan()
        delivering = time.monotonic()
        while True:  # the chaos goes on while the queue drains
            device.send("drain")
            _, ok, queued, _ = driver.until("drained").split()
            if ok == "1" and queued == "0":
                break
        chaos_drain_s = time.monotonic() - delivering

        # R5: the device's storage fills while the network is down.
        proxy.set_down(True)
        device.send("drain")  # waits for a delivery in flight, which then fails
        driver.until("drained")
        before = driver.scan()
        device.send("fill")
        driver.until("ok")
        for _ in range(options.disk_full_scans * 50):
            line = driver.scan()
            if line.startswith("full"):
                history.disk_full_refused += 1
                history.disk_full_message = line.partition(" ")[2]
                if history.disk_full_refused >= options.disk_full_scans:
                    break
            else:
                before = line
        device.send("unfill")
        driver.until("ok")
        after = driver.scan()
        history.disk_full_resumed = after.startswith("ack")
        history.disk_full_kept_queue = (
            after.startswith("ack")
            and int(after.split()[1]) == int(before.split()[1]) + 1
        )
        device.stop()

        # Heal: no more faults, and the queue drains to empty.
        faults = dict(proxy.injected)
        proxy.toxicity = 0
        proxy.set_down(False)
        device = driver.start(chaos=None)
        healed = time.monotonic()
        while True:
            device.send("drain")
            _, ok, queued, seq = driver.until("drained").split()
            if ok == "1" and queued == "0":
                break
        drain_s = time.monotonic() - healed

        # R6: with 5 % refused, one delivery round always empties the queue.
        for _ in range(options.r6_rounds):
            for _ in range(40):
                driver.scan()
            device.send("drain")
            _, ok, queued, seq = driver.until("drained").split()
            history.head_blocked += ok == "1" and queued != "0"
        history.device_seq = int(seq)
        device.send("outcomes")
        driver.until("outcomes")
        device.stop()

        with sqlite3.connect(device_dir / "journal.db") as journal:
            device_ok = journal.execute("PRAGMA integrity_check").fetchone()[0]
        verdict = check(
            engine,
            acked=history.acked,
            device_seq=history.device_seq,
            initial_stock=initial_stock,
        )

        # R8: the whole acknowledged outbox, twice more.
        rows = ledger_rows(engine)
        replayed = replay_twice(service.url, history.acked)
        r8_new_rows = ledger_rows(engine) - rows

    r12 = run_model(options)
    engine.dispose()
    restarts = sorted(history.restart_ms)
    return {
        "confirmations": len(history.acked),
        "kills": history.kills,
        "lost": verdict["lost"],
        "duplicated": verdict["duplicated"],
        "ledger_equals_device": verdict["ledger_equals_device"],
        "head_blocked": history.head_blocked,
        "dedupe_hits": history.outcomes["duplicate"] + replayed["duplicate"],
        "max_queue_depth": history.max_queue_depth,
        "drain_s": round(drain_s, 3),
        "chaos_drain_s": round(chaos_drain_s, 3),
        "seed": options.seed,
        "rejected_stock_changed": verdict["rejected"],
        "sequence_gapless": verdict["sequence_gapless"],
        "orphan_ledger_rows": verdict["orphan_ledger_rows"],
        "payload_changed": verdict["payload_changed"],
        "integrity_ok": verdict["integrity_ok"] and device_ok == "ok",
        "stock_equals_ledger": verdict["stock_equals_ledger"],
        "disk_full_refused": history.disk_full_refused,
        "disk_full_message": history.disk_full_message,
        "disk_full_kept_queue": history.disk_full_kept_queue,
        "disk_full_resumed": history.disk_full_resumed,
        "r8_replayed": sum(replayed.values()),
        "r8_new_ledger_rows": r8_new_rows,
        "proxy_faults": faults,
        "restart_p50_ms": round(statistics.median(restarts), 1),
        "restart_p99_ms": round(restarts[int(0.99 * (len(restarts) - 1))], 1),
        "r12_examples": r12["examples"],
        "r12_ok": r12["ok"],
        "elapsed_s": round(time.monotonic() - began, 1),
    }


def run_model(options: Options) -> dict[str, Any]:
    """R12: the Hypothesis state machine, at this run's size."""
    from bench.model import run_state_machine

    if options.r12_examples == 0:
        return {"examples": 0, "ok": True}
    try:
        run_state_machine(
            examples=options.r12_examples,
            steps=options.r12_steps,
            template=options.template,
        )
    except AssertionError as exc:
        print(f"R12 failed: {exc}", file=sys.stderr)
        return {"examples": options.r12_examples, "ok": False}
    return {"examples": options.r12_examples, "ok": True}


def passed(result: dict[str, Any]) -> bool:
    """Whether a run kept every promise."""
    return (
        result["lost"] == 0
        and result["duplicated"] == 0
        and result["ledger_equals_device"]
        and result["head_blocked"] == 0
        and result["integrity_ok"]
        and result["stock_equals_ledger"]
        and result["disk_full_refused"] > 0
        and result["disk_full_kept_queue"]
        and result["r8_new_ledger_rows"] == 0
        and result["r12_ok"]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="1,000 confirmations")
    size.add_argument("--full", action="store_true", help="10,000 confirmations")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    options = dataclasses.replace(FULL if args.full else QUICK, seed=args.seed)
    # Retries are what the injected faults are for; one line each is noise.
    logging.getLogger("stamina").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="pickwise-faults-") as tmp:
        result = run(options, Path(tmp))
    result["passed"] = passed(result)
    print(json.dumps(result))
    sys.exit(0 if result["passed"] else 1)


if __name__ == "__main__":
    main()
