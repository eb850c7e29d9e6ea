"""kiosk.service: systemd accepts it, and it starts a command pickwise knows."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pickwise.cli import build_parser

UNIT = Path(__file__).resolve().parent.parent / "kiosk.service"
INSTALLED_AT = "/usr/local/bin/pickwise"


def unit_settings(name: str) -> list[str]:
    """Every value of ``name=`` in the [Service] section, in order."""
    return re.findall(rf"^{name}=(.*)$", UNIT.read_text(), flags=re.MULTILINE)


def test_the_unit_runs_the_terminal_with_options_pickwise_accepts() -> None:
    environment = dict(entry.split("=", 1) for entry in unit_settings("Environment"))
    (exec_start,) = unit_settings("ExecStart")
    argv = shlex.split(re.sub(r"\$\{(\w+)\}", lambda m: environment[m[1]], exec_start))

    assert argv[0] == INSTALLED_AT
    args = build_parser().parse_args(argv[1:])
    assert args.command == "terminal"
    assert args.server.startswith("http")
    assert environment["TERM"] == "linux"


def test_the_unit_keeps_the_console_and_restarts() -> None:
    assert unit_settings("TTYPath") == ["/dev/tty1"]
    assert unit_settings("Restart") == ["always"]
    assert "getty@tty1.service" in unit_settings("Conflicts")[0]


@pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed"
)
def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    # verify insists that ExecStart exists, so point it at this installation's
    # pickwise, which is where the unit's path would lead on a real device.
    pickwise = Path(sys.executable).with_name("pickwise")
    if not pickwise.exists():
        pytest.skip("pickwise is not installed as a command in this environment")
    unit = tmp_path / "pickwise-kiosk.service"
    unit.write_text(UNIT.read_text().replace(INSTALLED_AT, str(pickwise)))

    verified = subprocess.run(
        ["systemd-analyze", "verify", str(unit)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert verified.returncode == 0, verified.stderr
    assert str(unit) not in verified.stderr, verified.stderr
