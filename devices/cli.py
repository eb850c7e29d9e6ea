"""Command-line commands of the devices package: ``pickwise barcode`` and
``pickwise scanners``."""

from __future__ import annotations

import argparse
import json
import os
import queue
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from devices.barcode import GS, Reading, interpret
from devices.calibration import calibrate
from devices.errors import DevicesError
from devices.evdev_reader import list_candidates
from devices.keys import KeyDecoder
from devices.replay import parse_capture, replay
from devices.scan import Scan, Signal, raw_view
from devices.sources import (
    ScannerConfig,
    parse_scanner,
    start_scanner,
    terminator_keys,
)

SCANNERS_ENV = "PICKWISE_SCANNERS"
_SEPARATOR_NAMES = {"GS": GS, "FNC1": GS, "\\x1d": GS, "\\u001d": GS, "␝": GS}


def add_commands(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Register the devices commands on the ``pickwise`` parser."""
    barcode = subparsers.add_parser(
        "barcode",
        help="what a scan means",
        description="Interpret one scan. In TEXT, ␝ stands for the GS separator.",
    )
    barcode.add_argument(
        "--separator",
        action="append",
        default=[],
        metavar="C",
        help="a character the scanners send for the GS1 separator besides GS "
        "(repeatable; GS may be written as GS or ␝)",
    )
    barcode.add_argument("--json", action="store_true", help="print one JSON object")
    barcode.add_argument("text", metavar="TEXT", help="the scan, AIM identifier first")
    barcode.set_defaults(run=run_barcode)

    scanners = subparsers.add_parser(
        "scanners",
        help="attached scanners, a live view, and replays of captures",
        description="List the scanners attached, with their mode and whether they "
        "may be read.",
    )
    scanners.set_defaults(run=run_list)
    commands = scanners.add_subparsers(dest="scanners_command")

    watch = commands.add_parser("watch", help="show each scan raw and interpreted")
    watch.add_argument(
        "device",
        metavar="SCANNER",
        help="an input device path, a vendor:product pair, or a serial port or URL, "
        "optionally as [evdev:|serial:]DEVICE[,NAME=VALUE]...",
    )
    _add_decoder_options(watch)
    _add_baudrate(watch)
    watch.set_defaults(run=run_watch)

    replay = commands.add_parser(
        "replay",
        help="decode a recorded capture",
        description="Decode a capture (token notation or evtest text) and print one "
        'JSON object per line: {"frame": ...} or {"signal": ...}.',
    )
    replay.add_argument("file", metavar="FILE", help="the capture, or - for stdin")
    _add_decoder_options(replay)
    replay.set_defaults(run=run_replay)

    calibrate = commands.add_parser(
        "calibrate",
        help="check a scanner's layout with a capture of the calibration label",
        description="Judge a capture of the calibration label (see the devices "
        "README) against a layout, and name the layouts that fit.",
    )
    calibrate.add_argument("file", metavar="FILE", help="the capture, or - for stdin")
    calibrate.add_argument("--layout", default="us", help="the configured layout")
    calibrate.add_argument("--json", action="store_true", help="print one JSON object")
    calibrate.set_defaults(run=run_calibrate)


def _add_decoder_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--layout", default="us", help="the scanner's keyboard country")
    parser.add_argument(
        "--terminators",
        default="ENTER,KPENTER",
        metavar="LIST|none",
        help="keys that end a scan, joined by , or + (default ENTER,KPENTER)",
    )
    parser.add_argument(
        "--idle-ms", type=float, help="a pause that ends a scan (default 100 with none)"
    )


def _add_baudrate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--baudrate", type=int, default=9600, help="serial speed (default 9600)"
    )


def add_scanner_options(parser: argparse.ArgumentParser) -> None:
    """The scanner options of ``pickwise terminal`` and ``pickwise demo``."""
    parser.add_argument(
        "--scanner",
        action="append",
        default=[],
        metavar="SCANNER",
        help="a scanner to read, as [evdev:|serial:]DEVICE[,NAME=VALUE]... "
        "(repeatable; default: the space-separated list in $" + SCANNERS_ENV + ")",
    )
    _add_decoder_options(parser)
    _add_baudrate(parser)


def scanner_configs(
    args: argparse.Namespace, environ: Mapping[str, str] = os.environ
) -> list[ScannerConfig]:
    """The scanners named by ``--scanner``, else by the environment.

    Raises:
        DevicesError: A scanner, its layout or an option cannot be used.
    """
    specs = args.scanner or environ.get(SCANNERS_ENV, "").split()
    return [
        parse_scanner(
            spec,
            layout=args.layout,
            terminators=args.terminators,
            idle_ms=args.idle_ms,
            baudrate=args.baudrate,
        )
        for spec in specs
        if spec
    ]


def _decoder(args: argparse.Namespace, source: str) -> KeyDecoder:
    names, idle = terminator_keys(args.terminators, args.idle_ms)
    return KeyDecoder(args.layout, terminators=names, idle_ms=idle, source=source)


def run_replay(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Print the frames and signals of a recorded capture, one JSON object a line."""
    out = out or sys.stdout
    try:
        decoder = _decoder(args, f"replay:{args.file}")
        records = parse_capture(_read_capture(args.file))
    except (OSError, DevicesError) as error:
        sys.stderr.write(f"pickwise scanners replay: {error}\n")
        return 2
    for item in replay(records, decoder):
        out.write(json.dumps(_replay_line(item), ensure_ascii=False) + "\n")
    return 0


def run_calibrate(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Say whether a capture of the calibration label fits the layout; 1 if not."""
    out = out or sys.stdout
    try:
        result = calibrate(parse_capture(_read_capture(args.file)), args.layout)
    except (OSError, DevicesError) as error:
        sys.stderr.write(f"pickwise scanners calibrate: {error}\n")
        return 2
    if args.json:
        fields = {"layout": result.layout, "ok": result.ok, "fits": list(result.fits)}
        out.write(json.dumps({**fields, "message": result.message}) + "\n")
    else:
        out.write(result.message + "\n")
    return 0 if result.ok else 1


def _read_capture(name: str) -> str:
    if name == "-":
        return sys.stdin.read()
    return Path(name).read_text(encoding="utf-8", errors="replace")


def _replay_line(item: Scan | Signal) -> dict[str, str]:
    if isinstance(item, Scan):
        return {"frame": item.text}
    return {"signal": item.kind, "message": item.message}


def run_list(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Print the candidate scanners, their mode and whether they may be read."""
    out = out or sys.stdout
    found = list_candidates()
    if not found:
        out.write("No scanner found (no keyboard-like input device, no serial port).\n")
    for candidate in found:
        access = "readable" if candidate.readable else "NOT readable"
        out.write(f"{candidate.mode:<9} {access:<13} {candidate.path}\n")
        if candidate.problem:
            out.write(f"          {candidate.problem}\n")
    return 0


def run_watch(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Show each scan from one scanner, raw and interpreted, until interrupted."""
    out = out or sys.stdout
    items: queue.Queue[Scan | Signal] = queue.Queue()
    try:
        config = parse_scanner(
            args.device,
            layout=args.layout,
            terminators=args.terminators,
            idle_ms=args.idle_ms,
            baudrate=args.baudrate,
        )
        reader = start_scanner(config, items.put)
    except DevicesError as error:
        sys.stderr.write(f"pickwise scanners watch: {error}\n")
        return 2
    try:
        while True:
            item = items.get()
            if isinstance(item, Signal):
                out.write(f"-- {item.message}\n")
                continue
            reading = interpret(item.text)
            aim = item.aim or "no AIM"
            out.write(f"{raw_view(item.text)}  [{aim}]\n  → {_summary(reading)}\n")
            out.flush()
    except KeyboardInterrupt:
        return 0
    finally:
        reader.stop()


def _summary(reading: Reading) -> str:
    fields = reading.to_json()
    shown = {k: v for k, v in fields.items() if k not in ("raw", "aim") and v}
    return json.dumps(shown, ensure_ascii=False)


def run_barcode(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Print the interpretation of one scan; exit code 1 when it is an error."""
    out = out or sys.stdout
    separators = [_SEPARATOR_NAMES.get(name, name) for name in args.separator]
    if any(len(separator) != 1 for separator in separators):
        sys.stderr.write("pickwise barcode: a separator is one character\n")
        return 2

    reading = interpret(args.text.replace("␝", GS), separators=(GS, *separators))
    if args.json:
        out.write(json.dumps(reading.to_json(), ensure_ascii=False) + "\n")
    else:
        out.write(_human(reading))
    return 1 if reading.kind == "error" else 0


def _human(reading: Reading) -> str:
    lines = [
        f"{name:<21} {raw_view(str(value))}"
        for name, value in reading.to_json().items()
        if name not in ("elements", "warnings") and value is not None
    ]
    lines += [f"({ai}) {raw_view(data)}" for ai, data in reading.elements.items()]
    lines += [f"warning: {warning}" for warning in reading.warnings]
    return "\n".join(lines) + "\n"
