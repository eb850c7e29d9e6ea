"""The ``pickwise`` command: demo, serve, terminal and the device tools."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from terminal.scanners import Scanners


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every ``pickwise`` command."""
    from devices.cli import add_commands as add_device_commands
    from devices.cli import add_scanner_options
    from labels.cli import add_commands as add_label_commands

    parser = argparse.ArgumentParser(prog="pickwise", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="the stock service and a terminal on demo data")
    demo.add_argument("--data-dir", help="where the demo keeps its files")
    demo.add_argument("--fresh", action="store_true", help="rebuild the demo data")
    add_scanner_options(demo)
    _add_bench_options(demo)
    demo.set_defaults(run=_run_demo)

    serve = sub.add_parser("serve", help="the central stock service")
    serve.add_argument("--db", help="database URL (default: a SQLite file)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8710)
    serve.add_argument("--demo", action="store_true", help="load the demo warehouse")
    serve.set_defaults(run=_run_serve)

    term = sub.add_parser("terminal", help="the terminal for pickers and packers")
    term.add_argument("--server", required=True, help="the stock service URL")
    term.add_argument("--device", help="this device's id (default: the host name)")
    term.add_argument(
        "--token-file",
        help="file holding this device's token (or PICKWISE_DEVICE_TOKEN)",
    )
    term.add_argument("--data-dir", help="where the device keeps its files")
    add_scanner_options(term)
    _add_bench_options(term)
    term.set_defaults(run=_run_terminal)

    enroll = sub.add_parser(
        "enroll", help="enroll a device with the stock service; prints its token"
    )
    enroll.add_argument("device_id", metavar="DEVICE", help="the device's id")
    enroll.add_argument("--db", help="the service's database URL (default: its file)")
    enroll.add_argument("--token-file", help="write the token here (mode 0600)")
    enroll.set_defaults(run=_run_enroll)

    add_device_commands(sub)
    add_label_commands(sub)
    return parser


def _add_bench_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--printer",
        default=os.environ.get("PICKWISE_PRINTER"),
        metavar="HOST[:PORT]",
        help="the packing bench's label printer (raw TCP, port 9100 by default),"
        " or file:FOLDER; default $PICKWISE_PRINTER, else label files in the"
        " data folder",
    )
    parser.add_argument(
        "--scale",
        default=os.environ.get("PICKWISE_SCALE"),
        metavar="PORT",
        help="the bench scale's serial port or pyserial URL (default $PICKWISE_SCALE)",
    )


def _printer(args: argparse.Namespace, command: str) -> tuple[bool, Any]:
    """The configured printer (None for label files), or False after saying why."""
    from labels.errors import PrinterError
    from labels.printer import parse_printer

    if not args.printer:
        return True, None
    try:
        return True, parse_printer(args.printer)
    except PrinterError as error:
        print(f"pickwise {command}: {error}", file=sys.stderr)
        return False, None


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``pickwise`` command and return its exit code."""
    args = build_parser().parse_args(argv)
    code: int = args.run(args)
    return code


def _scanners(args: argparse.Namespace, command: str) -> Scanners | None:
    """The configured scanners, or None after saying what is wrong with them."""
    from devices.cli import scanner_configs
    from devices.errors import DevicesError
    from terminal.scanners import Scanners

    try:
        return Scanners(scanner_configs(args))
    except DevicesError as error:
        print(f"pickwise {command}: {error}", file=sys.stderr)
        return None


def _run_demo(args: argparse.Namespace) -> int:
    from pickwise.demo import run_demo

    scanners = _scanners(args, "demo")
    usable, printer = _printer(args, "demo")
    if scanners is None or not usable:
        return 2
    return run_demo(
        data_dir=args.data_dir,
        fresh=args.fresh,
        scanners=scanners,
        printer=printer,
        scale=args.scale,
    )


def _run_serve(args: argparse.Namespace) -> int:
    from pickwise.serve import run_serve

    return run_serve(db_url=args.db, host=args.host, port=args.port, demo=args.demo)


def _run_enroll(args: argparse.Namespace) -> int:
    from pickwise.enroll import run_enroll

    return run_enroll(
        device_id=args.device_id, db_url=args.db, token_file=args.token_file
    )


def _run_terminal(args: argparse.Namespace) -> int:
    from pickwise.terminal_command import run_terminal

    scanners = _scanners(args, "terminal")
    usable, printer = _printer(args, "terminal")
    if scanners is None or not usable:
        return 2
    return run_terminal(
        server=args.server,
        device_id=args.device,
        token_file=args.token_file,
        data_dir=args.data_dir,
        scanners=scanners,
        printer=printer,
        scale=args.scale,
    )


if __name__ == "__main__":
    sys.exit(main())
