"""Command-line commands of the devices package (``pickwise barcode``, ...)."""

from __future__ import annotations

import argparse


def add_commands(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register the devices commands on the ``pickwise`` parser."""
