"""The keyboard-wedge decoder: the wedge cases and the rules behind them."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from devices._layouts import LAYOUTS
from devices.barcode import interpret
from devices.calibration import CALIBRATION_TEXT
from devices.errors import LayoutError
from devices.keys import EV_KEY, EV_SYN, SYN_DROPPED, KeyDecoder, key_code
from devices.replay import Event, keystrokes, parse_evtest, parse_tokens, replay
from devices.scan import Scan, Signal

CASES = Path(__file__).parent / "cases" / "wedge.jsonl"
WEDGE_CASES = [
    json.loads(line)
    for line in CASES.read_text(encoding="utf-8").split("\n")
    if line.strip(" ")
]


def decode(events: str, layout: str = "us", **options: Any) -> list[Scan | Signal]:
    return list(replay(parse_tokens(events), KeyDecoder(layout, **options)))


def frames(events: str, layout: str = "us", **options: Any) -> list[str]:
    out = decode(events, layout, **options)
    return [item.text for item in out if isinstance(item, Scan)]


def type_keys(keys: str) -> str:
    """Token events that press and release each key in turn."""
    return " ".join(f"{key}+ {key}-" for key in keys.split(" "))


@pytest.mark.parametrize("case", WEDGE_CASES, ids=[c["id"] for c in WEDGE_CASES])
def test_wedge_case(case: dict[str, Any]) -> None:
    options: dict[str, Any] = {}
    if "terminators" in case:
        options["terminators"] = case["terminators"]
    if "idle_ms" in case:
        options["idle_ms"] = case["idle_ms"]

    out = decode(case["events"], case["layout"], **options)

    assert [item.text for item in out if isinstance(item, Scan)] == case[
        "expect_frames"
    ]
    signals = [item.kind for item in out if isinstance(item, Signal)]
    assert signals == case.get("expect_signals", [])


@pytest.mark.parametrize(
    "layout", ["us", "gb", "de", "fr", "es", "it", "se", "fi", "no", "dk"]
)
def test_required_layouts_are_generated_with_an_altgr_level(layout: str) -> None:
    keys = LAYOUTS[layout]

    assert keys[key_code("A")][:2] in (("a", "A"), ("q", "Q"))
    assert any(levels[2] not in (None, levels[0]) for levels in keys.values()) or (
        layout == "us"
    )


@pytest.mark.parametrize(
    ("layout", "events", "text"),
    [
        ("de", "RIGHTALT+ 8+ 8- RIGHTALT- RIGHTALT+ 9+ 9- RIGHTALT-", "[]"),
        ("fr", "RIGHTALT+ 5+ 5- RIGHTALT- RIGHTALT+ MINUS+ MINUS- RIGHTALT-", "[]"),
        ("es", "RIGHTALT+ LEFTBRACE+ LEFTBRACE- RIGHTALT-", "["),
        ("it", "RIGHTALT+ RIGHTBRACE+ RIGHTBRACE- RIGHTALT-", "]"),
        ("se", "RIGHTALT+ 9+ 9- RIGHTALT-", "]"),
        ("dk", "RIGHTALT+ 9+ 9- RIGHTALT-", "]"),
        ("no", "RIGHTALT+ 9+ 9- RIGHTALT-", "]"),
        ("fi", "RIGHTALT+ 9+ 9- RIGHTALT-", "]"),
        ("gb", "LEFTSHIFT+ 3+ 3- LEFTSHIFT-", "£"),
    ],
)
def test_altgr_and_shift_levels_follow_the_layout(
    layout: str, events: str, text: str
) -> None:
    assert frames(f"{events} ENTER+ ENTER-", layout) == [text]


def test_aim_prefix_survives_the_french_layout() -> None:
    events = (
        "RIGHTALT+ MINUS+ MINUS- RIGHTALT- D+ D- LEFTSHIFT+ 2+ 2- LEFTSHIFT- "
        "LEFTCTRL+ RIGHTBRACE+ RIGHTBRACE- LEFTCTRL- ENTER+ ENTER-"
    )

    assert frames(events, "fr") == ["]d2\x1d"]


def test_right_shift_counts_as_shift() -> None:
    assert frames("RIGHTSHIFT+ A+ A- RIGHTSHIFT- ENTER+ ENTER-") == ["A"]


def test_capslock_shifts_letters_only() -> None:
    events = "CAPSLOCK+ CAPSLOCK- " + type_keys("A 1 LEFTSHIFT") + " ENTER+ ENTER-"
    assert frames(events) == ["A1"]
    shifted = "CAPSLOCK+ CAPSLOCK- LEFTSHIFT+ A+ A- 1+ 1- LEFTSHIFT- ENTER+ ENTER-"
    assert frames(shifted) == ["a!"]


def test_ctrl_letters_are_control_characters() -> None:
    events = "LEFTCTRL+ A+ A- Z+ Z- LEFTCTRL- ENTER+ ENTER-"
    assert frames(events) == ["\x01\x1a"]


def test_ctrl_letters_follow_the_layout_of_letters() -> None:
    # On QWERTZ the key in the US Y position types Z, so Ctrl on it is 0x1A.
    assert frames("LEFTCTRL+ Y+ Y- LEFTCTRL- ENTER+ ENTER-", "de") == ["\x1a"]


def test_ctrl_chords_are_configurable() -> None:
    chords = {key_code("5"): "\x1d"}
    events = "1+ 1- RIGHTCTRL+ 5+ 5- RIGHTCTRL- 2+ 2- ENTER+ ENTER-"

    assert frames(events, chords=chords) == ["1\x1d2"]


def test_alt_codes_above_127_follow_the_windows_code_pages() -> None:
    ansi = "LEFTALT+ KP0+ KP0- KP2+ KP2- KP3+ KP3- KP3+ KP3- LEFTALT-"
    oem = "LEFTALT+ KP1+ KP1- KP3+ KP3- KP0+ KP0- LEFTALT-"

    assert frames(f"{ansi} {oem} ENTER+ ENTER-") == ["éé"]


def test_an_alt_code_beyond_a_byte_spoils_the_scan() -> None:
    out = decode("LEFTALT+ KP9+ KP9- KP9+ KP9- KP9+ KP9- LEFTALT- ENTER+ ENTER-")

    assert [type(item) for item in out] == [Signal]


def test_a_key_with_no_character_names_the_key_and_drops_the_scan() -> None:
    out = decode("1+ 1- F5+ F5- 2+ 2- ENTER+ ENTER- 3+ 3- ENTER+ ENTER-")

    assert isinstance(out[0], Signal)
    assert "KEY_F5" in out[0].message
    assert [item.text for item in out[1:] if isinstance(item, Scan)] == ["3"]


def test_dead_keys_compose_or_stand_alone() -> None:
    # German: the key left of 1 is a dead circumflex; then space types it alone.
    events = "GRAVE+ GRAVE- E+ E- GRAVE+ GRAVE- SPACE+ SPACE- ENTER+ ENTER-"

    assert frames(events, "de") == ["ê^"]


def test_empty_frames_are_dropped() -> None:
    assert decode("ENTER+ ENTER- KPENTER+ KPENTER-") == []


def test_the_terminator_is_never_data() -> None:
    assert frames("4+ 4- ENTER+ ENTER-", terminators=["ENTER", "TAB"]) == ["4"]
    assert frames("4+ 4- TAB+ TAB- ENTER+ ENTER-", terminators=["TAB"]) == ["4"]


def test_no_terminator_needs_an_idle_time() -> None:
    with pytest.raises(LayoutError):
        KeyDecoder("us", terminators=[])


def test_idle_time_also_closes_frames_between_keys() -> None:
    decoder = KeyDecoder("us", terminators=[], idle_ms=100)
    for time, value in ((0.0, 1), (0.01, 0), (0.5, 1), (0.51, 0)):
        out = decoder.feed(EV_KEY, key_code("7"), value, time)
        if time == 0.5:
            assert [scan.text for scan in out if isinstance(scan, Scan)] == ["7"]


def test_a_corrupted_scan_without_terminator_ends_after_a_pause() -> None:
    decoder = KeyDecoder("us")
    assert decoder.feed(EV_SYN, SYN_DROPPED, 0, 1.0)
    for time, value in ((3.0, 1), (3.001, 0)):
        decoder.feed(EV_KEY, key_code("8"), value, time)

    out = decoder.feed(EV_KEY, key_code("ENTER"), 1, 3.002)
    assert [scan.text for scan in out if isinstance(scan, Scan)] == ["8"]


def test_unknown_layout_is_an_error() -> None:
    with pytest.raises(LayoutError, match="xx"):
        KeyDecoder("xx")


def test_scan_carries_source_and_the_time_of_its_last_key() -> None:
    decoder = KeyDecoder("us", source="evdev:test")
    decoder.feed(EV_KEY, key_code("1"), 1, 1_700_000_000.0)

    (scan,) = decoder.feed(EV_KEY, key_code("ENTER"), 1, 1_700_000_000.5)
    assert isinstance(scan, Scan)
    assert (scan.source, scan.time.timestamp()) == ("evdev:test", 1_700_000_000.5)


EVTEST_CAPTURE = """\
Input driver version is 1.0.1
Event: time 1700000000.000100, type 4 (EV_MSC), code 4 (MSC_SCAN), value 7001e
Event: time 1700000000.000100, type 1 (EV_KEY), code 2 (KEY_1), value 1
Event: time 1700000000.000100, -------------- SYN_REPORT ------------
Event: time 1700000000.001100, type 1 (EV_KEY), code 2 (KEY_1), value 0
Event: time 1700000000.001100, -------------- SYN_REPORT ------------
Event: time 1700000000.002100, type 1 (EV_KEY), code 28 (KEY_ENTER), value 1
Event: time 1700000000.002100, -------------- SYN_REPORT ------------
Event: time 1700000000.003100, type 1 (EV_KEY), code 2 (KEY_1), value 1
Event: time 1700000000.003200, -------------- SYN_DROPPED ------------
Event: time 1700000000.004100, type 1 (EV_KEY), code 28 (KEY_ENTER), value 1
"""


def test_evtest_text_replays_like_tokens() -> None:
    out = list(replay(parse_evtest(EVTEST_CAPTURE), KeyDecoder("us")))

    seen = [item.text if isinstance(item, Scan) else item.kind for item in out]
    assert seen == ["1", "corrupted"]


def test_enter_that_is_no_terminator_stays_in_the_frame_to_be_refused() -> None:
    (text,) = frames("4+ 4- ENTER+ ENTER- TAB+ TAB-", terminators=["TAB"])

    assert text == "4\r"
    assert "CR" in (interpret(text).message or "")


def _as_tuples(records: list[Any]) -> list[tuple[int, int, int, float]]:
    return [(r.type, r.code, r.value, r.time) for r in records]


@pytest.mark.parametrize("case", WEDGE_CASES, ids=[c["id"] for c in WEDGE_CASES])
def test_batches_decode_exactly_as_single_events(case: dict[str, Any]) -> None:
    records = [r for r in parse_tokens(case["events"]) if isinstance(r, Event)]
    options = {"idle_ms": case.get("idle_ms"), "terminators": case.get("terminators")}
    options = {key: value for key, value in options.items() if value is not None}

    one = KeyDecoder(case["layout"], **options)
    singly = [
        item for r in records for item in one.feed(r.type, r.code, r.value, r.time)
    ]
    batched = KeyDecoder(case["layout"], **options).feed_all(_as_tuples(records))
    assert list(batched) == singly


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_every_layout_types_and_decodes_the_gs1_character_set(layout: str) -> None:
    text = "]d2\x1d" + CALIBRATION_TEXT + "\x1d10ABC"
    records = keystrokes(text, layout)

    (scan,) = KeyDecoder(layout).feed_all(_as_tuples(records))
    assert isinstance(scan, Scan)
    assert scan.text == text


def test_a_dead_key_pickwise_cannot_compose_is_named_not_typed() -> None:
    # German: AltGr+Shift on the key left of Z is dead_belowmacron.
    out = decode(
        "RIGHTALT+ LEFTSHIFT+ 102ND+ 102ND- LEFTSHIFT- RIGHTALT- A+ A- ENTER+ ENTER-",
        "de",
    )

    assert [type(item) for item in out] == [Signal]
    assert "dead_belowmacron" in out[0].message


def test_batches_match_single_events_on_seeded_noise() -> None:
    rng = random.Random(11)
    names = "A Q Z Y 1 2 9 0 MINUS GRAVE APOSTROPHE 102ND EQUAL SPACE KP1 KP5 KPDOT"
    names += " LEFTSHIFT RIGHTSHIFT RIGHTALT LEFTALT LEFTCTRL RIGHTBRACE CAPSLOCK"
    names += " NUMLOCK ENTER TAB F5"
    codes = [key_code(name) for name in names.split(" ")]
    for _ in range(200):
        layout = rng.choice(sorted(LAYOUTS))
        events, clock = [], 0.0
        for _ in range(60):
            clock += rng.choice((0.001, 0.001, 0.2, 0.7))
            if rng.random() < 0.03:
                events.append((EV_SYN, SYN_DROPPED, 0, clock))
            else:
                value = rng.choice((0, 1, 1, 2))
                events.append((EV_KEY, rng.choice(codes), value, clock))
            events.append((EV_SYN, 0, 0, clock))
        idle = rng.choice((None, 100.0))

        one = KeyDecoder(layout, idle_ms=idle)
        singly = [item for event in events for item in one.feed(*event)]
        batched = KeyDecoder(layout, idle_ms=idle).feed_all(events)
        assert list(batched) == singly, (layout, events)
