"""`approve log`: the decisions in the journal, as a table or as JSON lines.

Everything shown passes through `sanitize` (the excerpts are untrusted text) and was redacted
before it was written.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from approve.config import Config, current_time, load_config, parse_since
from approve.journal import (
    VERDICTS,
    JournalError,
    default_journal_path,
    iter_records,
)
from approve.sanitize import sanitize


def add_journal_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--since",
        metavar="T",
        help="only decisions from T on: ISO-8601 time, `today`, or a duration (12h, 7d)",
    )
    parser.add_argument(
        "--journal", type=Path, metavar="PATH", help="journal file (default: the user's journal)"
    )
    parser.add_argument(
        "--now", metavar="T", help="the clock, ISO-8601 (default: $APPROVE_NOW or now)"
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_journal_arguments(parser)
    parser.add_argument("--verdict", choices=VERDICTS, help="only decisions with this verdict")
    parser.add_argument("--json", action="store_true", help="one JSON record a line")
    parser.add_argument("--limit", type=int, default=0, metavar="N", help="only the last N")


def journal_and_since(args: argparse.Namespace, config: Config) -> tuple[Path, float | None]:
    """--journal (or the default) and --since as epoch seconds; JournalError when missing."""
    path: Path = args.journal or default_journal_path()
    if not path.exists():
        raise JournalError(f"no journal at {path}")
    if not args.since:
        return path, None
    now = current_time(args.now, config)
    return path, parse_since(args.since, now, config).timestamp()


def selected_records(args: argparse.Namespace, config: Config) -> Iterator[dict[str, Any]]:
    """The records of --journal from --since on (JournalError when the journal is unreadable)."""
    path, since_epoch = journal_and_since(args, config)
    for record in iter_records(path):
        decided = record.get("decided_at")
        if since_epoch is not None and (
            not isinstance(decided, int | float) or decided < since_epoch
        ):
            continue
        yield record


def run(args: argparse.Namespace) -> int:
    config = load_config()
    try:
        records: Iterable[dict[str, Any]] = selected_records(args, config)
        if args.verdict:
            records = (r for r in records if r.get("verdict") == args.verdict)
        chosen = list(records)
    except (JournalError, ValueError) as error:
        print(f"approve: {error}", file=sys.stderr)
        return 2
    if args.limit > 0:
        chosen = chosen[-args.limit :]
    if args.json:
        out = sys.stdout
        for record in chosen:
            out.write(json.dumps(record, ensure_ascii=False))
            out.write("\n")
        return 0
    from rich.console import Console

    Console(highlight=False).print(log_table(chosen, config))
    return 0


_VERDICT_STYLE = {
    "approved": "green",
    "rejected": "red",
    "deferred": "yellow",
    "too-fast": "bold magenta",
    "timeout": "dim",
    "error": "bold red",
}
_TIER_STYLE = {"safe": "green", "low": "cyan", "high": "yellow", "critical": "bold red"}


def _when(record: dict[str, Any], config: Config) -> str:
    decided = record.get("decided_at")
    if not isinstance(decided, int | float):
        return "?"
    # Short, so the "what" column keeps its room at 80 columns; --json has the exact moment.
    return f"{config.local(datetime.fromtimestamp(decided).astimezone()):%m-%d %H:%M}"


def log_table(records: list[dict[str, Any]], config: Config) -> Any:
    """A rich Table of decisions, newest last."""
    from rich.box import SIMPLE_HEAD
    from rich.table import Table
    from rich.text import Text

    count = len(records)
    title = f"{count} decision{'' if count == 1 else 's'}"
    # No vertical rules, and the source folded into "what": at 80 columns the command still shows.
    table = Table(title=title, expand=True, box=SIMPLE_HEAD, padding=(0, 1))
    table.add_column("when", no_wrap=True)
    table.add_column("verdict", no_wrap=True)
    table.add_column("tier", no_wrap=True)
    table.add_column("R", justify="right", no_wrap=True)
    table.add_column("s/floor", justify="right", no_wrap=True)
    table.add_column("who", no_wrap=True, max_width=16, overflow="ellipsis")
    table.add_column("what", ratio=1, min_width=18, overflow="ellipsis", no_wrap=True)
    for record in records:
        verdict = str(record.get("verdict", "?"))
        tier = str(record.get("tier", "?"))
        elapsed = record.get("elapsed_s")
        floor = record.get("floor_s") or 0
        timing = f"{elapsed:.0f}/{floor:.0f} s" if isinstance(elapsed, int | float) else "-"
        origin = record.get("origin") or {}
        source = origin.get("agent") or origin.get("source") or "?"
        what = record.get("title") or record.get("excerpt") or ""
        first_line = sanitize(str(what).splitlines()[0] if str(what) else "")
        reviewers = record.get("reviewers") or []
        approvals = record.get("approvals")
        if isinstance(approvals, list) and approvals:  # pair review: the names, not the user
            counted = [a for a in approvals if isinstance(a, dict) and a.get("counted")]
            reviewers = [a.get("reviewer") for a in counted] or reviewers
        table.add_row(
            _when(record, config),
            Text(verdict, style=_VERDICT_STYLE.get(verdict, "")),
            Text(tier, style=_TIER_STYLE.get(tier, "")),
            str(record.get("rung", "?")),
            Text(timing, style="bold magenta" if record.get("too_fast") else ""),
            sanitize(", ".join(str(r) for r in reviewers)) or "-",
            f"{sanitize(str(source))}: {first_line}",
        )
    return table
