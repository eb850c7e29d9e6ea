"""``pickwise label``: a label for a given SSCC, for reprints and printer tests."""

from __future__ import annotations

import argparse
import sys
import uuid
from pathlib import Path
from typing import Any

from labels.errors import LabelError
from labels.preview import barcode_svg, label_png
from labels.printer import LabelJob, deliver, parse_printer, write_whole
from labels.sscc import verify_sscc
from labels.zpl import LabelData, logistic_label


def add_commands(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Register ``label`` on the ``pickwise`` parser."""
    label = subparsers.add_parser(
        "label",
        help="print or write the logistic label of an SSCC",
        description="Make the GS1 logistic label of an SSCC: ZPL to a printer, "
        "to a file or to standard output; a PNG preview of the label or an SVG "
        "of its barcode to a file.",
    )
    label.add_argument("--sscc", required=True, help="the 18 digits")
    label.add_argument("--format", choices=("zpl", "png", "svg"), default="zpl")
    label.add_argument("--out", metavar="FILE", help="write here (default: SSCC.EXT)")
    label.add_argument(
        "--printer", metavar="HOST[:PORT]", help="send the ZPL to this printer"
    )
    label.add_argument("--order", default="", help="the order reference to print")
    label.add_argument(
        "--ship-to", action="append", default=[], metavar="LINE", help="repeatable"
    )
    label.add_argument("--ship-from", default="", metavar="TEXT")
    label.add_argument(
        "--reprint", action="store_true", help="mark the label as a reprint"
    )
    label.set_defaults(run=run_label)


def run_label(args: argparse.Namespace) -> int:
    """Make the label; 0 when it was written or sent, 2 when it could not be."""
    try:
        data = LabelData(
            sscc=verify_sscc(args.sscc),
            order_id=args.order,
            ship_to=tuple(args.ship_to),
            ship_from=args.ship_from,
            reprint=args.reprint,
        )
        return _make(args, data)
    except LabelError as error:
        print(f"pickwise label: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"pickwise label: cannot write {args.out}: {error}", file=sys.stderr)
        return 2


def _make(args: argparse.Namespace, data: LabelData) -> int:
    if args.printer and args.format != "zpl":
        print("pickwise label: printers take --format zpl.", file=sys.stderr)
        return 2
    if args.format == "zpl":
        zpl = logistic_label(data)
        if args.printer:
            job = LabelJob(uuid.uuid4().hex[:12], data.sscc, zpl)
            print(f"Sent to the {deliver(parse_printer(args.printer), job)}.")
        elif args.out:
            write_whole(Path(args.out), zpl.encode("ascii"))
            print(f"Wrote {args.out}.")
        else:
            sys.stdout.write(zpl)
        return 0
    out = Path(args.out or f"{data.sscc}.{args.format}")
    body = label_png(data) if args.format == "png" else barcode_svg(data.sscc)
    write_whole(out.resolve(), body)
    print(f"Wrote {out}.")
    return 0
