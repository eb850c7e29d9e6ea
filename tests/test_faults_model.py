"""R12, short: the Hypothesis model of scans, crashes, restarts, outages,
refusals and drains keeps every acknowledged confirmation, once."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.model import run_state_machine
from offline_store.journal import Journal
from wire import Confirmation


def test_the_outbox_model_holds_under_crashes_and_outages(
    demo_template: Path,
) -> None:
    run_state_machine(examples=15, steps=25, template=demo_template)


def test_the_model_catches_an_outbox_that_skips_its_oldest_row(
    demo_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The harness has teeth: an outbox query that loses its head must fail it.
    pending = Journal.pending

    def skips_head(self: Journal, limit: int = 50) -> list[Confirmation]:
        return pending(self, limit)[1:]

    monkeypatch.setattr(Journal, "pending", skips_head)
    with pytest.raises(AssertionError):
        run_state_machine(examples=30, steps=25, template=demo_template)
