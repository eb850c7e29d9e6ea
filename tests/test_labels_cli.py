"""``pickwise label``: reprints and printer tests from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from labels.testing import FakePrinter
from pickwise.cli import main

SSCC = "095060000000000015"


def test_a_wrong_check_digit_is_refused_naming_the_expected_digit(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["label", "--sscc", "095060000000000019"])

    assert code == 2
    err = capsys.readouterr().err
    assert "the last digit should be 5, not 9" in err


def test_zpl_goes_to_standard_output_by_default(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["label", "--sscc", SSCC, "--order", "536365"]) == 0

    out = capsys.readouterr().out
    assert out.startswith("^XA") and out.rstrip().endswith("^XZ")
    assert f"^FD>;>800{SSCC}^FS" in out
    assert "^FH_^FD536365^FS" in out


def test_a_png_label_is_written_and_scans_as_the_sscc(tmp_path: Path) -> None:
    out = tmp_path / "label.png"

    assert main(["label", "--sscc", SSCC, "--format", "png", "--out", str(out)]) == 0

    found = zxingcpp.read_barcodes(Image.open(out))
    assert [r.text for r in found] == [f"(00){SSCC}"]


def test_a_label_goes_to_a_printer_once(capsys: pytest.CaptureFixture[str]) -> None:
    with FakePrinter() as printer:
        code = main(["label", "--sscc", SSCC, "--printer", printer.address])
        printer.wait_for(1)

    assert code == 0
    assert len(printer.labels) == 1
    assert f"printer {printer.address}" in capsys.readouterr().out


def test_a_printer_takes_zpl_only(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["label", "--sscc", SSCC, "--format", "png", "--printer", "p:9100"])

    assert code == 2
    assert "zpl" in capsys.readouterr().err
