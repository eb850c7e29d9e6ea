"""Labels: SSCCs, the ZPL template, preview images, printers on raw TCP."""

from __future__ import annotations

import io
import re
import socket
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from labels.errors import PrinterFault, PrinterUnavailable, PrintUncertain, SSCCError
from labels.preview import barcode_png, barcode_svg, label_png
from labels.printer import FilePrinter, LabelJob, TcpPrinter, deliver, parse_printer
from labels.sscc import make_sscc, verify_sscc
from labels.testing import FakePrinter
from labels.zpl import LabelData, escape, logistic_label, mark_reprint

GOLDEN = Path(__file__).parent / "golden" / "logistic_label.zpl"
SSCC = "095060000000000015"

LABEL = LabelData(
    sscc=SSCC,
    order_id="536365",
    ship_to=("Ann ^FS~JA Smith", "12 Caret_Lane \\ Flat 3", "Česko"),
    ship_from="pickwise demo DC, Leeds",
    carton="BOX-M",
    weight_kg="1.250",
    items=7,
    job_id="J7",
)


def job(sscc: str = SSCC) -> LabelJob:
    return LabelJob("J7", sscc, logistic_label(LABEL))


def test_the_label_is_the_golden_zpl() -> None:
    assert logistic_label(LABEL) == GOLDEN.read_text()


def test_the_sscc_barcode_starts_with_fnc1_then_ai_00() -> None:
    zpl = logistic_label(LABEL)

    barcode = re.search(r"\^BC[^\^]*\^FD(.*?)\^FS", zpl)

    assert barcode is not None
    assert barcode.group(1) == ">;>800" + SSCC  # start C, FNC1, AI 00, 18 digits


def test_caret_and_tilde_in_field_data_cannot_start_a_command() -> None:
    zpl = logistic_label(LABEL)
    fields = re.findall(r"\^FD(.*?)\^FS", zpl)

    assert "Ann _5EFS_7EJA Smith" in fields
    assert all("~" not in field for field in fields)
    assert all("^" not in field for field in fields)
    assert escape("50% _off_") == "50% _5Foff_5F"
    assert escape("a\nb") == "a_0Ab"


def test_a_wrong_check_digit_is_refused_with_the_expected_digit() -> None:
    with pytest.raises(SSCCError) as refused:
        verify_sscc("095060000000000016")

    assert refused.value.expected == 5
    assert "should be 5, not 6" in str(refused.value)
    assert verify_sscc(make_sscc("09506000", 1)) == SSCC
    # GS1's own example SSCC.
    assert make_sscc("10614141", 123456789) == "106141411234567897"


@pytest.mark.parametrize("text", ["09506000000000001", "0950600000000000155", "A" * 18])
def test_what_is_not_eighteen_digits_is_no_sscc(text: str) -> None:
    with pytest.raises(SSCCError):
        verify_sscc(text)


def test_the_png_label_decodes_back_to_the_same_sscc_as_gs1() -> None:
    image = Image.open(io.BytesIO(label_png(LABEL)))

    found = zxingcpp.read_barcodes(image)

    assert [(r.symbology_identifier, r.text) for r in found] == [("]C1", f"(00){SSCC}")]


def test_the_barcode_png_and_svg_hold_the_sscc() -> None:
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(barcode_png(SSCC))))
    assert [r.text for r in found] == [f"(00){SSCC}"]
    svg = barcode_svg(SSCC).decode()
    assert svg.startswith("<?xml") and f"(00) {SSCC}" in svg


def test_a_reset_first_connection_still_gives_exactly_one_label() -> None:
    with FakePrinter(reset_connections=1) as printer:
        where = deliver(TcpPrinter("127.0.0.1", printer.port), job(), waits=(0, 0))
        assert printer.wait_for(1)

    assert where == f"printer {printer.address}"
    assert [r.zpl for r in printer.labels] == [job().zpl.strip()]
    assert printer.connections == 2


def test_a_label_taken_but_not_confirmed_is_not_sent_again() -> None:
    with FakePrinter(reset_after_label=1) as printer:
        with pytest.raises(PrintUncertain):
            deliver(TcpPrinter("127.0.0.1", printer.port), job(), waits=(0, 0))
        printer.wait_for(1)

    assert len(printer.labels) == 1
    assert printer.connections == 1


def test_a_printer_out_of_paper_gets_no_label_and_says_why() -> None:
    with (
        FakePrinter(paper_out=True) as printer,
        pytest.raises(PrinterFault, match="paper out"),
    ):
        deliver(TcpPrinter("127.0.0.1", printer.port), job(), waits=())

    assert printer.labels == []


def test_a_printer_that_is_not_there_is_unavailable_after_the_retries() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
    attempts: list[float] = []

    with pytest.raises(PrinterUnavailable, match="connection refused"):
        deliver(
            TcpPrinter("127.0.0.1", port), job(), waits=(0, 0), sleep=attempts.append
        )

    assert attempts == [0, 0]


def test_a_label_file_is_written_whole_and_again_replaces_it(tmp_path: Path) -> None:
    printer = FilePrinter(tmp_path / "labels")
    png = label_png(LABEL)

    first = printer.send(LabelJob("J7", SSCC, logistic_label(LABEL), png))
    printer.send(LabelJob("J7", SSCC, logistic_label(LABEL), png))

    assert first == str(tmp_path / "labels" / f"{SSCC}.zpl")
    assert sorted(p.name for p in (tmp_path / "labels").iterdir()) == [
        f"{SSCC}.png",
        f"{SSCC}.zpl",
    ]


def test_printer_settings_name_a_host_a_port_or_a_folder(tmp_path: Path) -> None:
    tcp = parse_printer("tcp://10.0.0.7:6101")
    assert isinstance(tcp, TcpPrinter) and (tcp.host, tcp.port) == ("10.0.0.7", 6101)
    plain = parse_printer("zebra-3")
    assert isinstance(plain, TcpPrinter) and plain.port == 9100
    folder = parse_printer(f"file:{tmp_path}")
    assert isinstance(folder, FilePrinter) and folder.folder == tmp_path


def test_a_reprint_is_marked_once_and_keeps_its_barcode() -> None:
    zpl = logistic_label(LABEL)

    marked = mark_reprint(mark_reprint(zpl))

    assert marked.count("REPRINT") == 1
    assert marked.rstrip().endswith("^XZ")
    assert marked.replace("^FO560,1150^A0N,36,36^FH_^FDREPRINT^FS\n", "") == zpl
