"""Command-line options that several subcommands share, so they read and behave the same."""

from __future__ import annotations

import argparse

from approve.model import FORMATS


def add_input_arguments(parser: argparse.ArgumentParser) -> None:
    """FILE (or - for standard input) and --format."""
    parser.add_argument(
        "file", nargs="?", default="-", metavar="FILE", help="input file, or - for stdin"
    )
    parser.add_argument(
        "--format",
        default="auto",
        choices=("auto", *FORMATS),
        help="what the input is (default: detect it)",
    )
