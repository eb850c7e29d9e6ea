"""The packing benchmark runs end to end: every carton one label, all shipped."""

from __future__ import annotations

from pathlib import Path

from bench.pack import run


def test_the_pack_benchmark_gives_one_label_per_carton_and_ships_them(
    tmp_path: Path,
) -> None:
    result = run(tmp_path, cartons=3)

    assert result["cartons"] == 3
    assert result["labels_received"] == 3
    assert result["printer_connections"] == 4  # the first one was reset
    assert result["service_packages"] == result["service_shipped"] == 3
    assert result["queued_after_drain"] == 0
    assert result["close_to_label_p99_ms"] > 0
