"""`approve policy explain`: the rung, gates, reading floor and every reason, for a given moment.

For users who want to know why approve asks what it asks. The fatigue signals come from the
journal (the current reviewer's own decisions) unless given on the command line.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from approve.config import Config, ConfigError, current_time, load_config
from approve.history import History, Reviewer, load_history
from approve.journal import JournalError
from approve.model import Assessment, Finding, Tier
from approve.policy import GATES, policy

_GATE_WORDS = {
    "read": "approve waits for the reading floor",
    "visit": "step to each destructive finding",
    "prove": "retype a name or answer a question from the plan",
    "explain": "type a reason (journaled)",
    "second": "a second, distinct reviewer must approve too",
    "defer": "not now (an emergency override needs R5 + R4)",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="policy_action", metavar="ACTION", required=True)
    explain = actions.add_parser(
        "explain", help="print the rung, gates, floor and every reason for a moment"
    )
    explain.add_argument("--now", metavar="T", help="ISO-8601 time (default: $APPROVE_NOW or now)")
    explain.add_argument(
        "--tier", default="high", choices=[t.label for t in Tier], help="risk tier (default high)"
    )
    explain.add_argument("--streak", type=int, metavar="N", help="approvals in a row so far")
    explain.add_argument(
        "--session-minutes", type=float, metavar="M", help="minutes of continuous reviewing"
    )
    explain.add_argument(
        "--active-hours", type=float, metavar="H", help="hours since the last long rest"
    )
    explain.add_argument(
        "--nights", type=int, metavar="K", help="recent nights with a night approval"
    )
    explain.add_argument("--words", type=int, default=120, metavar="W", help="words in the plan")
    explain.add_argument(
        "--destructive-lines",
        type=int,
        metavar="D",
        help="destructive lines in the plan (default: 1 for high and critical, else 0)",
    )
    explain.add_argument(
        "--journal", type=Path, metavar="PATH", help="journal to read the history from"
    )


def _history(args: argparse.Namespace, now: datetime, config: Config) -> History:
    history = load_history(args.journal, now, Reviewer.current(), config)
    if args.streak is not None:
        history = replace(history, streak=max(0, args.streak))
    if args.session_minutes is not None:
        history = replace(history, stretch_minutes=max(0.0, args.session_minutes), idle_minutes=0.0)
    if args.active_hours is not None:
        history = replace(history, active_hours=max(0.0, args.active_hours))
    if args.nights is not None:
        history = replace(history, night_count=max(0, args.nights))
    return history


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.text import Text

    try:
        config = load_config()
        now = current_time(args.now, config)
        history = _history(args, now, config)
    except (ConfigError, JournalError, ValueError) as error:
        print(f"approve: {error}", file=sys.stderr)
        return 2
    tier = Tier.parse(args.tier)
    lines = args.destructive_lines
    if lines is None:
        lines = 1 if tier >= Tier.HIGH else 0
    findings = (
        (Finding(line=1, end_line=lines, severity=max(tier, Tier.HIGH), rule="explain", why=""),)
        if lines > 0
        else ()
    )
    assessment = Assessment(
        format="text", tier=tier, counts={}, findings=findings, word_count=max(0, args.words)
    )
    friction = policy(assessment, history, now, Reviewer.current(), config)

    console = Console(highlight=False)
    local = config.local(now)
    head = Text()
    head.append(f"R{friction.rung}", style="bold reverse")
    head.append(f"  {tier.label} request at {local:%Y-%m-%d %H:%M %Z}".rstrip())
    console.print(head)
    console.print(Text(friction.headline, style="bold"))
    console.print(Text("gates:", style="bold"))
    if not friction.gates:
        console.print("  none: answered automatically and journaled")
    for gate in friction.gates:
        console.print(f"  R{GATES.index(gate) + 1} {gate:<8} {_GATE_WORDS[gate]}")
    reading = max(config.minimum_seconds, assessment.word_count / config.words_per_minute * 60)
    console.print(
        Text("reading floor: ", style="bold").append(
            f"{friction.reading_floor_s:.1f} s = max({config.minimum_seconds:g} s, "
            f"{assessment.word_count} words at {config.words_per_minute:g} wpm = {reading:.1f} s) "
            f"+ {lines} destructive line(s) x {config.seconds_per_destructive_line:g} s; "
            f"an approval under {config.too_fast_ratio * friction.reading_floor_s:.1f} s is refused",
            style="",
        )
    )
    if friction.defer_until:
        console.print(Text(f"deferred until {friction.defer_until}", style="bold yellow"))
    console.print(Text("why, heaviest first:", style="bold"))
    for number, reason in enumerate(friction.reasons, 1):
        console.print(f"  {number}. {reason}")
    idle = "-" if history.idle_minutes is None else f"{history.idle_minutes:.0f} min"
    console.print(
        Text(
            f"signals: streak {history.streak}, reviewing {history.stretch_minutes:.0f} min, "
            f"idle {idle}, active {history.active_hours:.1f} h, "
            f"night approvals on {history.night_count} of {config.history_nights} nights "
            f"(config: {config.source})",
            style="dim",
        )
    )
    return 0
