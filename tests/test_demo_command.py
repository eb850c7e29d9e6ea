"""``pickwise demo`` as a newcomer runs it: a real terminal, the service behind it."""

from __future__ import annotations

import shutil
from pathlib import Path

from bench.demo import time_to_sign_in
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
