"""`approve run -- CMD ARGS...`: review a command, run it only when approved, pass on its status.

A command the policy needs no review for (rung 0: read-only) runs at once, journaled. Anything else opens the review
screen; a rejection or deferral exits 1 without running it, no terminal exits 2.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys

from approve.analyze import analyze
from approve.commands.review import (
    NoTerminal,
    add_review_options,
    friction_for,
    parse_now,
    review_and_journal,
)
from approve.model import Decision, Origin, Request


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_review_options(parser)
    parser.add_argument("argv", nargs=argparse.REMAINDER, metavar="-- CMD ARGS", help="the command")


def run(args: argparse.Namespace) -> int:
    argv = list(args.argv)
    if argv and argv[0] == "--":
        argv.pop(0)
    if not argv:
        print(
            "approve run: give the command after --, e.g. approve run -- rm -rf build",
            file=sys.stderr,
        )
        return 2
    from approve.config import load_config
    from approve.journal import append, record_for

    config = load_config()
    now = parse_now(args.now, config)
    text = shlex.join(argv)
    request = Request(text=text, kind="shell", origin=Origin(source="run"), title=f"run: {text}")
    assessment = analyze(request)
    friction = friction_for(request, assessment, now, config)
    if friction.rung == 0:  # read-only: no review, but journaled like every decision
        automatic = Decision(verdict="approved", reason=f"no review needed: {friction.reasons[0]}")
        append(record_for(request, assessment, friction, automatic, now=now.timestamp()))
    else:
        try:
            decision = review_and_journal(
                request, assessment, now=now, theme=args.theme or config.theme, config=config
            )
        except NoTerminal as error:
            print(f"approve: {error}", file=sys.stderr)
            return 2
        if not decision.approved:
            print(f"approve: not run: {decision.reason}", file=sys.stderr)
            return 1
    return execute(argv)


def execute(argv: list[str]) -> int:
    """Run the command with this process's terminal; its exit status (128+N for signal N)."""
    try:
        completed = subprocess.run(argv, check=False)
    except FileNotFoundError:
        print(f"approve: {argv[0]}: command not found", file=sys.stderr)
        return 127
    except PermissionError:
        print(f"approve: {argv[0]}: permission denied", file=sys.stderr)
        return 126
    code = completed.returncode
    return 128 - code if code < 0 else code
