"""`approve verify`: check the journal's hash chain and name the first broken record.

Exit 0 when every record is intact, 1 when one is broken (its line number and why), 2 when the
journal is missing or unreadable.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from approve.journal import JournalError, default_journal_path, verify


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--journal", type=Path, metavar="PATH", help="journal file (default: the user's journal)"
    )


def run(args: argparse.Namespace) -> int:
    path: Path = args.journal or default_journal_path()
    if not path.is_file():
        print(f"approve: no journal at {path}", file=sys.stderr)
        return 2
    try:
        result = verify(path)
    except JournalError as error:
        print(f"approve: {error}", file=sys.stderr)
        return 2
    if result.ok:
        fences = f", {result.fences} torn write(s) fenced" if result.fences else ""
        print(
            f"ok: {result.records} records, chain intact{fences} "
            f"(last hash {result.last_hash[:16]}) - {path}"
        )
        return 0
    print(f"broken: {path} line {result.line}: {result.why}")
    print(f"the {result.records} records before line {result.line} are intact")
    return 1
