"""The fault harness at its ``--quick`` size: nothing acknowledged is lost or
applied twice.

One run of ``bench.faults --quick`` serves every test here (R12, the model,
runs in ``test_faults_model``): the real service on
loopback behind the fault proxy, a device process killed with SIGKILL and
restarted, answers duplicated, dropped and reordered, 5 % refused as stock
changed, a full disk, and the acknowledged outbox replayed twice.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bench.faults import QUICK, check, on_hand, run
from bench.service import demo_database
from wire import Confirmation

SHORT = dataclasses.replace(QUICK, r12_examples=0)


@pytest.fixture(scope="module")
def result(
    demo_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    options = dataclasses.replace(SHORT, template=demo_template)
    return run(options, tmp_path_factory.mktemp("faults"))


def test_killed_devices_lose_no_acknowledged_confirmation(
    result: dict[str, Any],
) -> None:
    assert result["kills"] >= SHORT.kills
    assert result["confirmations"] >= SHORT.confirmations
    assert result["lost"] == 0


def test_network_chaos_applies_no_confirmation_twice(result: dict[str, Any]) -> None:
    faults = {k: n for k, n in result["proxy_faults"].items() if k != "requests"}
    assert sum(faults.values()) > 0
    assert result["dedupe_hits"] > 0
    assert result["duplicated"] == 0


def test_the_ledger_equals_what_the_device_made(result: dict[str, Any]) -> None:
    assert result["ledger_equals_device"]
    assert result["sequence_gapless"]
    assert result["orphan_ledger_rows"] == 0
    assert result["payload_changed"] == 0
    assert result["integrity_ok"]
    assert result["stock_equals_ledger"]


def test_stock_changed_refusals_never_block_the_queue(result: dict[str, Any]) -> None:
    assert result["rejected_stock_changed"] > 0
    assert result["head_blocked"] == 0


def test_a_full_disk_refuses_scans_clearly_and_keeps_the_queue(
    result: dict[str, Any],
) -> None:
    assert result["disk_full_refused"] == SHORT.disk_full_scans
    assert "storage is full" in result["disk_full_message"]
    assert result["disk_full_kept_queue"]
    assert result["disk_full_resumed"]


def test_replaying_the_whole_outbox_twice_adds_no_ledger_rows(
    result: dict[str, Any],
) -> None:
    assert result["r8_replayed"] == 2 * result["confirmations"]
    assert result["r8_new_ledger_rows"] == 0


def test_the_checker_counts_a_lost_and_a_doubled_confirmation(
    demo_template: Path, tmp_path: Path
) -> None:
    # The harness has teeth: a ledger that dropped one acknowledged
    # confirmation and applied another twice fails the check.
    engine = demo_database(tmp_path / "stock.db", template=demo_template)
    before = on_hand(engine)
    ghost = Confirmation(
        op_id="never-arrived",
        device_id="demo-1",
        device_seq=1,
        user_id=1,
        kind="pick",
        quantity=1,
        scanned_at="2026-01-01T00:00:00+00:00",
    )
    with engine.begin() as conn:
        for _ in range(2):
            conn.execute(
                text(
                    "INSERT INTO ledger (sku, location, lot, delta, reason, op_id,"
                    " device_id, at) VALUES ('X', 'Y', '', -1, 'pick', 'twice',"
                    " 'demo-1', 'now')"
                )
            )

    verdict = check(
        engine, acked={ghost.op_id: ghost}, device_seq=1, initial_stock=before
    )

    assert verdict["lost"] == 1
    assert verdict["duplicated"] == 1
    assert not verdict["ledger_equals_device"]
    assert not verdict["stock_equals_ledger"]
    engine.dispose()
