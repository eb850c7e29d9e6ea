"""What a scan means: the barcode cases and the rules behind them."""

from __future__ import annotations

import dataclasses
import datetime
import json
import random
from pathlib import Path
from typing import Any

import pytest

from devices.barcode import Reading, SiteFormats, interpret
from devices.scan import Scan, raw_view

CASES_DIR = Path(__file__).parent / "cases"
KINDS = {"product", "sscc", "location", "tote", "badge", "command", "text", "error"}


def load_cases(name: str) -> list[dict[str, Any]]:
    # Split on newlines only: other line breaks are data here.
    lines = (CASES_DIR / name).read_text(encoding="utf-8").split("\n")
    return [json.loads(line) for line in lines if line.strip(" ")]


BARCODE_CASES = load_cases("barcodes.jsonl")


@pytest.mark.parametrize("case", BARCODE_CASES, ids=[c["id"] for c in BARCODE_CASES])
def test_barcode_case(case: dict[str, Any]) -> None:
    expect = dict(case["expect"])
    reading = interpret(case["input"], separators=case.get("separators", ("\x1d",)))
    as_json = reading.to_json()

    kinds = expect.pop("kind_any", None) or [expect.pop("kind")]
    assert reading.kind in kinds, reading
    if "code_or_text" in expect:
        assert expect.pop("code_or_text") in (reading.code, reading.text)
    if "message_contains" in expect:
        assert expect.pop("message_contains") in (reading.message or "")
    if expect.pop("warning", False):
        assert reading.warnings
    if "gtin" in expect:
        # The GTIN as printed; lookups use its 14-digit form, reading.gtin_14.
        assert reading.gtin == expect.pop("gtin")
    for key, value in expect.items():
        assert as_json.get(key) == value, key


def test_wrong_ean_check_digit_names_the_expected_digit() -> None:
    reading = interpret("]E02112345678901")

    assert reading.kind == "error"
    assert "should be 0, not 1" in (reading.message or "")


def test_wrong_sscc_check_digit_is_never_read_as_text_or_product() -> None:
    reading = interpret("]C100376130321109103421")

    assert (reading.kind, reading.sscc, reading.gtin) == ("error", None, None)
    assert "SSCC" in (reading.message or "")


def test_wrong_gtin_check_digit_inside_element_strings_is_an_error() -> None:
    reading = interpret("]C101095060001343531012")

    assert reading.kind == "error"
    assert "should be 2" in (reading.message or "")


@pytest.mark.parametrize("code", ["47566", "85123A", "C22350", "POST"])
def test_stock_codes_are_text(code: str) -> None:
    reading = interpret(code)

    assert (reading.kind, reading.text) == ("text", code)


@pytest.mark.parametrize(
    ("scan", "kind", "code"),
    [
        ("03-14-2", "location", "03-14-2"),
        ("]C003-14-2", "location", "03-14-2"),
        ("T007", "tote", "T007"),
        ("B1001", "badge", "B1001"),
        ("]C0CMD:DONE", "command", "CMD:DONE"),
    ],
)
def test_site_labels_match_the_site_formats(scan: str, kind: str, code: str) -> None:
    reading = interpret(scan)

    assert (reading.kind, reading.code) == (kind, code)


def test_site_formats_are_configurable() -> None:
    formats = SiteFormats(location=r"[A-Z]-\d{2}-\d{2}-\d")

    assert interpret("]C0A-01-02-3", formats=formats).kind == "location"
    assert interpret("03-14-2", formats=formats).kind == "text"


def test_plain_code_128_digits_with_a_bad_check_digit_are_still_text() -> None:
    reading = interpret("]C04006381333932")

    assert (reading.kind, reading.text) == ("text", "4006381333932")


def test_gs1_symbology_tolerates_a_gs_right_after_the_identifier() -> None:
    reading = interpret("]d2\x1d0109506000134352\x1d10ABC")

    assert (reading.gtin, reading.lot) == ("09506000134352", "ABC")


def test_day_00_is_the_last_day_of_the_month() -> None:
    reading = interpret("]C10109506000134352172602001012")

    assert reading.expiry == "2026-02-28"


def test_an_impossible_date_is_an_error() -> None:
    assert interpret("]C10109506000134352171313321012").kind == "error"


@pytest.mark.parametrize(
    ("scan", "gtin"),
    [
        ("]E004252614", "042100005264"),  # UPC-E, expanded to UPC-A
        ("]E0042100005264", "042100005264"),  # UPC-A
        ("042100005264", "042100005264"),  # bare UPC-A
        ("]I110884521761599", "10884521761599"),  # ITF-14
        ("]E402345673", "02345673"),  # EAN-8
    ],
)
def test_a_gtin_keeps_its_printed_length_and_looks_up_as_14_digits(
    scan: str, gtin: str
) -> None:
    reading = interpret(scan)

    assert (reading.kind, reading.gtin) == ("product", gtin)
    assert reading.gtin_14 == gtin.rjust(14, "0")


def test_an_ean_add_on_is_kept_apart_from_the_gtin() -> None:
    reading = interpret("]E3400638133393112")

    assert reading.gtin == "4006381333931"
    assert reading.to_json()["add_on"] == "12"
    assert reading.warnings


def test_a_substitute_separator_splits_fields_under_a_gs1_identifier() -> None:
    reading = interpret("]C110ABC|21XYZ", separators=("|",))

    assert (reading.lot, reading.serial) == ("ABC", "XYZ")


def test_a_substitute_separator_stays_literal_in_plain_text() -> None:
    reading = interpret("]C0A|B", separators=("|",))

    assert (reading.kind, reading.text) == ("text", "A|B")


@pytest.mark.parametrize("text", ["12\n34", "AB\rC", "\x0412345", "A\x9bB"])
def test_control_characters_other_than_separators_are_refused(text: str) -> None:
    reading = interpret(text)

    assert reading.kind == "error"
    assert "control character" in (reading.message or "")


def test_separators_are_not_refused_as_control_characters() -> None:
    assert interpret("0109506000134352\x1d10A").kind == "product"


def test_the_empty_scan_is_an_error() -> None:
    assert interpret("").kind == "error"
    assert interpret("]C1").kind == "error"


def test_a_digital_link_with_a_bad_check_digit_is_an_error() -> None:
    reading = interpret("]Q1https://id.gs1.org/01/09506000134353")

    assert reading.kind == "error"
    assert "should be 2" in (reading.message or "")


def test_an_ordinary_web_address_is_text() -> None:
    reading = interpret("]Q1https://example.com/help")

    assert (reading.kind, reading.text) == ("text", "https://example.com/help")


def test_a_separator_ended_lot_carries_no_warning() -> None:
    reading = interpret("]C10110884521761599\x1d10G0073\x1d21SER2023")

    assert (reading.lot, reading.serial, reading.warnings) == ("G0073", "SER2023", ())


def test_a_leading_fnc1_shows_the_scanner_sends_separators() -> None:
    assert interpret("\x1d01108845217615991012023").warnings == ()
    assert interpret("01108845217615991012023").warnings


def test_the_greedy_lot_warning_names_the_field_it_may_hide() -> None:
    reading = interpret("0110884521761599112107011021G0073JZ2023")

    assert "'21G0073JZ' followed by (20)23" in reading.warnings[0]


def test_other_ais_appear_under_their_snake_case_names() -> None:
    reading = interpret("]C1240ABC\x1d241XYZ\x1d37012")

    as_json = reading.to_json()
    assert as_json["additional_product_id"] == "ABC"
    assert as_json["customer_part_number"] == "XYZ"
    assert as_json["count"] == "012"
    assert as_json["elements"] == {"240": "ABC", "241": "XYZ", "37": "012"}


def test_an_sscc_label_is_of_kind_sscc() -> None:
    reading = interpret("]C100376130321109103420")

    assert (reading.kind, reading.sscc) == ("sscc", "376130321109103420")
    assert reading.hri == "(00)376130321109103420"


def test_a_reading_is_frozen_and_its_json_serialisable() -> None:
    reading = interpret("]C1\x1d0109506000134352\x1d10A")

    with pytest.raises(dataclasses.FrozenInstanceError):
        reading.kind = "text"  # type: ignore[misc]
    assert json.loads(json.dumps(reading.to_json()))["gtin"] == "09506000134352"
    assert isinstance(reading, Reading)


def test_a_scan_keeps_its_text_and_finds_its_aim() -> None:
    time = datetime.datetime(2026, 1, 2, tzinfo=datetime.UTC)
    scan = Scan.of("]d2\x1d01", source="serial:test", time=time)

    assert (scan.aim, scan.text, scan.time) == ("]d2", "]d2\x1d01", time)
    assert scan.raw_view == "]d2␝01"


def test_raw_view_shows_escape_and_keeps_markup_literal() -> None:
    assert raw_view("\x1b[2J[bold]x") == "␛[2J[bold]x"


def test_a_wrong_upc_e_check_digit_names_the_expected_digit() -> None:
    reading = interpret("]E004252615")

    assert reading.kind == "error"
    assert "should be 4, not 5" in (reading.message or "")


@pytest.mark.parametrize("scan", ["]C1\x1d", "\x1d", "]d2\x1d\x1d"])
def test_a_scan_of_separators_only_is_an_error(scan: str) -> None:
    assert interpret(scan).kind == "error"


@pytest.mark.parametrize(
    ("scan", "words"),
    [
        ("]C100123", "AI (00), Serial Shipping Container Code (SSCC)"),
        ("]C100123", "should be 18 digits"),
        ("]C10109506000134352171313321012", "a real date written YYMMDD"),
        ("]C110", "up to 20 characters"),
        ("]C10109506000134352\x1d\x1dXYZ", "at XYZ"),
    ],
)
def test_gs1_syntax_errors_read_as_sentences(scan: str, words: str) -> None:
    message = interpret(scan).message or ""

    assert words in message
    assert "pattern" not in message
    assert not any(char < " " for char in message)


def test_interpret_answers_every_input_with_a_reading() -> None:
    # Seeded noise around the shapes scanners send: any crash here would reach a
    # picker as a frozen screen instead of a message.
    rng = random.Random(7)
    alphabet = "0123456789" * 6 + "ABCxyz]|\x1d-/%?:.Q1Cde\x1b\n"
    starts = ["", "]C1", "]d2", "]E0", "]E4", "]Q1", "]C0", "]E3", "]I1", "\x1d", "01"]
    for _ in range(3000):
        length = rng.randint(0, 40)
        text = rng.choice(starts) + "".join(rng.choices(alphabet, k=length))

        reading = interpret(text, separators=("|",))

        assert reading.kind in KINDS, text
        assert reading.kind != "error" or reading.message, text
        assert reading.gtin is None or len(reading.gtin) in (8, 12, 13, 14), text
        json.dumps(reading.to_json())


@pytest.mark.parametrize(
    "scan", ["]E0²²²²²²²²²²²²²", "٤٠٠٦٣٨١٣٣٣٩٣١", "]I1١٢٣٤٥٦٧٨٩٠١٢٣٤"]
)
def test_only_ascii_digits_count_as_digits(scan: str) -> None:
    reading = interpret(scan)

    assert reading.kind in ("error", "text")
    assert reading.gtin is None


def test_a_separator_of_two_characters_is_a_setup_error() -> None:
    with pytest.raises(ValueError, match="single characters"):
        interpret("10A||21B", separators=("||",))


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("]C110ABC\x1d10DEF", "AI (10) appears twice, as ABC and as DEF"),
        ("]C101095060000000153103000125\x1d3102000012", "AIs (3103) and (3102)"),
    ],
)
def test_contradicting_element_strings_are_refused(text: str, says: str) -> None:
    reading = interpret(text)
    assert reading.kind == "error" and says in (reading.message or "")


def test_an_element_string_repeated_with_its_value_counts_once() -> None:
    reading = interpret("]C110ABC\x1d10ABC")
    assert reading.lot == "ABC" and dict(reading.elements) == {"10": "ABC"}
    assert "lot_10" not in reading.to_json()
