"""Command-line commands of the devices package (``pickwise barcode``, ...)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from devices.barcode import GS, Reading, interpret
from devices.scan import raw_view

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
