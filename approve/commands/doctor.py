"""`approve doctor`: check the wiring between the agents and approve, with a fix for each problem.

Prints a plain table (it works piped). Exit 0 when everything needed is in place, 1 when a check
failed. Agents that are not installed are information, not failures; at least one must be wired.
"""

from __future__ import annotations

import argparse

from approve.doctor import failed, render, run_checks


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser  # no options


def run(args: argparse.Namespace) -> int:
    del args
    rows = run_checks()
    print(render(rows))
    return 1 if failed(rows) else 0
