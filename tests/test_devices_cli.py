"""The ``pickwise barcode`` and ``pickwise scanners`` commands, and the scanner
options of ``pickwise terminal``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devices.calibration import CALIBRATION_TEXT
from devices.cli import SCANNERS_ENV, scanner_configs
from devices.replay import keystrokes
from pickwise.cli import build_parser, main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().out


def test_barcode_json_ends_with_one_object(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "barcode", "--json", "]C1241ABC1234\x1d100815")

    last = json.loads(out.splitlines()[-1])
    assert code == 0
    assert last["kind"] == "product"
    assert last["aim"] == "]C1"
    assert last["elements"] == {"241": "ABC1234", "10": "0815"}
    assert last["customer_part_number"] == "ABC1234"
    assert (last["warnings"], last["message"]) == ([], None)


def test_barcode_separator_is_repeatable(capsys: pytest.CaptureFixture[str]) -> None:
    scan = "10V10025|21JGF~22X"
    args = ("barcode", "--json", "--separator", "|", "--separator", "~", f"]C1{scan}")
    code, out = run(capsys, *args)

    assert code == 0
    last = json.loads(out.splitlines()[-1])
    assert (last["lot"], last["serial"], last["consumer_product_variant"]) == (
        "V10025",
        "JGF",
        "X",
    )


def test_barcode_reads_the_gs_picture_as_gs(capsys: pytest.CaptureFixture[str]) -> None:
    _, out = run(capsys, "barcode", "--json", "]C110A␝21B")

    assert json.loads(out)["serial"] == "B"


def test_barcode_error_exits_non_zero_with_the_message(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = run(capsys, "barcode", "]E02112345678901")

    assert code == 1
    assert "should be 0, not 1" in out


def test_barcode_human_output_shows_gs_as_a_picture(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out = run(capsys, "barcode", "0109506000134352\x1d10A")

    assert "0109506000134352␝10A" in out
    assert "\x1d" not in out


def test_replay_prints_one_json_object_per_frame_or_signal(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    capture = tmp_path / "capture.txt"
    capture.write_text(
        "LEFTSHIFT+ Q+ Q- LEFTSHIFT- LEFTSHIFT+ 1+ 1- LEFTSHIFT- ENTER+ ENTER-\n"
        "1+ 1- !DROP 2+ 2- ENTER+ ENTER- 3+ 3- !ENODEV\n",
        encoding="utf-8",
    )

    code, out = run(capsys, "scanners", "replay", "--layout", "fr", str(capture))

    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [line.get("frame") or line["signal"] for line in lines] == [
        "A1",
        "corrupted",
        "disconnected",
    ]


def test_replay_without_terminators_splits_on_pauses(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    capture = tmp_path / "capture.txt"
    capture.write_text("4+ 4- 0+ 0- ~300ms 7+ 7-", encoding="utf-8")

    args = ("scanners", "replay", "--terminators", "none", "--idle-ms", "100")
    _, out = run(capsys, *args, str(capture))

    assert [json.loads(line) for line in out.splitlines()] == [
        {"frame": "40"},
        {"frame": "7"},
    ]


def test_replay_of_an_unknown_layout_exits_with_a_message(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    capture = tmp_path / "capture.txt"
    capture.write_text("1+ 1-", encoding="utf-8")

    assert main(["scanners", "replay", "--layout", "xx", str(capture)]) == 2
    assert "Unknown keyboard layout 'xx'" in capsys.readouterr().err


def test_scanners_lists_or_says_there_are_none(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = run(capsys, "scanners")

    assert code == 0
    assert out.strip()


def test_calibrate_names_the_layout_that_fits(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    events = keystrokes(CALIBRATION_TEXT, "fr")
    capture = tmp_path / "label.evtest"
    capture.write_text(
        "\n".join(
            f"Event: time {1_700_000_000 + e.time:.6f}, type {e.type} (EV), "
            f"code {e.code} (KEY), value {e.value}"
            for e in events
        ),
        encoding="utf-8",
    )

    wrong = main(["scanners", "calibrate", "--layout", "us", "--json", str(capture)])
    verdict = json.loads(capsys.readouterr().out)
    right = main(["scanners", "calibrate", "--layout", "fr", str(capture)])

    assert (wrong, verdict["ok"], verdict["fits"]) == (1, False, ["fr"])
    assert right == 0
    assert "types correctly" in capsys.readouterr().out


def test_terminal_scanners_come_from_options_else_the_environment() -> None:
    parser = build_parser()
    named = parser.parse_args(
        ["terminal", "--server", "http://s", "--layout", "de", "--scanner", "0c2e:0b61"]
    )
    from_env = parser.parse_args(["terminal", "--server", "http://s"])
    environ = {SCANNERS_ENV: "serial:/dev/ttyACM0  /dev/input/by-id/x-event-kbd"}

    assert [(c.device, c.layout) for c in scanner_configs(named, environ)] == [
        ("0c2e:0b61", "de")
    ]
    assert [c.keyboard_mode for c in scanner_configs(from_env, environ)] == [
        False,
        True,
    ]
    assert scanner_configs(from_env, {}) == []


def test_terminal_refuses_a_broken_scanner_setting(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["terminal", "--server", "http://s", "--scanner", "x,layout=zz"])

    assert code == 2
    assert "Unknown keyboard layout 'zz'" in capsys.readouterr().err
