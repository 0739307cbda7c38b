"""`approve review [FILE|-]`: a full-screen review of a plan, diff or command; exit by verdict.

Reads the whole input first (a file or the pipe), then takes keys from /dev/tty, so
`terraform plan -no-color | approve review` works. stdout is for results only: `--print json`
writes the Decision there as one JSON object. Exit status: 0 approved, 1 rejected or deferred,
2 error (including: no terminal to review on).

Also holds what `approve run` and `approve demo` share: the clock, the terminal hand-over, and
the flow policy -> review screen -> journal (a too-fast approval is shown again, one rung up).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING

from approve.analyze.base import InputError
from approve.commands.options import add_input_arguments
from approve.model import Assessment, Decision, Friction, Origin, Request

if TYPE_CHECKING:
    from approve.config import Config

# The policy, journal and Textual are imported where they are used: `approve --help` and the
# `check` fast path build this module's parser and must not pay for them.

NO_TERMINAL = (
    "no terminal to review on: run this in a terminal or inside tmux, "
    "or send the request to a running `approve pane`"
)


class NoTerminal(InputError):
    """There is no terminal a human could review on: the caller answers exit 2 / deny (and
    errors.describe words it as any other input problem)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_input_arguments(parser)
    add_review_options(parser)
    parser.add_argument(
        "--print",
        dest="print_format",
        choices=("json",),
        help="write the Decision to stdout as one JSON object",
    )


def add_review_options(parser: argparse.ArgumentParser) -> None:
    """Options every command that opens the review screen takes."""
    parser.add_argument(
        "--now",
        metavar="ISO-8601",
        help="the time to review at (default: $APPROVE_NOW, else the clock); for demos and tests",
    )
    parser.add_argument(
        "--theme",
        metavar="NAME",
        help="dark, light, high-contrast, night or ansi (default: night 22:00-05:59, else dark)",
    )


def run(args: argparse.Namespace) -> int:
    from approve.analyze import analyze
    from approve.config import load_config
    from approve.inputs import read_input

    config = load_config()
    now = parse_now(args.now, config)
    text = read_input(args.file)
    title = None if args.file in (None, "-") else os.path.basename(args.file)
    request = Request(text=text, kind=args.format, origin=Origin(source="review"), title=title)
    assessment = analyze(request)
    try:
        decision = review_and_journal(
            request, assessment, now=now, theme=args.theme or config.theme, config=config
        )
    except NoTerminal as error:
        print(f"approve: {error}", file=sys.stderr)
        return 2
    if args.print_format == "json":
        print_decision_json(decision)
    return exit_status(decision)


def friction_for(
    request: Request, assessment: Assessment, now: datetime, config: Config
) -> Friction:
    """The policy's friction for this request, from the reviewer's own recent journal."""
    from approve.history import Reviewer, history_horizon, summarize
    from approve.journal import default_journal_path, recent_records
    from approve.policy import policy

    reviewer = Reviewer.current()
    path = default_journal_path()
    since = history_horizon(now, config).timestamp()
    records = recent_records(path, since) if path.exists() else []
    history = summarize(records, now, reviewer, config)
    return policy(assessment, history, now, reviewer, config, identity=request.identity)


def review_and_journal(
    request: Request,
    assessment: Assessment,
    *,
    now: datetime,
    theme: str | None,
    config: Config,
) -> Decision:
    """Policy -> review screen -> journal; an approval faster than the policy allows is
    journaled as too fast and shown again one rung higher (policy.judge_approval).

    Raises NoTerminal before anything is shown, JournalError if the decision cannot be
    journaled (the caller then fails closed).
    """
    from approve.journal import append, record_for

    friction = friction_for(request, assessment, now, config)
    while True:
        decision = review_on_terminal(request, assessment, friction, now=now, theme=theme)
        journaled, again = judged(friction, decision, config)
        append(record_for(request, assessment, friction, journaled))
        if again is None:
            return decision
        friction = again
        if decision.decided_at is not None:
            now = datetime.fromtimestamp(decision.decided_at, now.tzinfo)


def judged(
    friction: Friction, decision: Decision, config: Config
) -> tuple[Decision, Friction | None]:
    """The decision as the journal must record it, and the friction to review again at (or None).

    An approval the policy refuses as too fast is journaled as `too-fast`, never as `approved`:
    the journal is the audit record, and what the reviewer did was not an accepted approval.
    """
    from approve.policy import judge_approval

    again = judge_approval(friction, decision, config)
    if again is None:
        return decision, None
    reason = again.reasons[0] if again.reasons else "approved faster than the reading floor allows"
    return dataclasses.replace(decision, verdict="too-fast", reason=reason), again


def exit_status(decision: Decision) -> int:
    return 0 if decision.approved else 1


def print_decision_json(decision: Decision) -> None:
    json.dump(dataclasses.asdict(decision), sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    sys.stdout.flush()


def parse_now(text: str | None, config: Config | None = None) -> datetime:
    """--now, else $APPROVE_NOW, else the clock (timezone-aware). InputError if it won't parse."""
    from approve.config import current_time, load_config

    try:
        return current_time(text, config or load_config())
    except ValueError as error:
        raise InputError(f"--now: {error}") from None


@contextmanager
def terminal_attached() -> Iterator[None]:
    """Point fds 0, 1 and 2 at the controlling terminal for the review, then restore them.

    Textual's Linux driver reads keys from fd 0, draws on stderr and measures the terminal
    through stdout (FACTS.md 2). Piped input has already been read in full, so approval keys
    come only from the terminal, never from the pipe; results still go to the original stdout.
    """
    try:
        tty = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        raise NoTerminal(NO_TERMINAL) from None
    saved: dict[int, int] = {}
    # shutil.get_terminal_size (Textual's measure) trusts COLUMNS/LINES before the terminal;
    # exported values are stale the moment the window is resized, so the terminal answers.
    hints = {name: os.environ.pop(name) for name in ("COLUMNS", "LINES") if name in os.environ}
    try:
        sys.stdout.flush()
        for fd in (0, 1, 2):
            if not os.isatty(fd):
                saved[fd] = os.dup(fd)
                os.dup2(tty, fd)
        yield
    finally:
        sys.stdout.flush()
        for fd, copy in saved.items():
            os.dup2(copy, fd)
            os.close(copy)
        os.close(tty)
        os.environ.update(hints)


def review_on_terminal(
    request: Request,
    assessment: Assessment,
    friction: Friction,
    *,
    now: datetime,
    theme: str | None,
) -> Decision:
    """Open the review screen on the terminal and return the human's Decision."""
    from approve.tui.app import ReviewApp  # Textual only here: the fast paths never load it

    try:
        app = ReviewApp(request, assessment, friction, now=now, theme=theme)
    except ValueError as error:  # an unknown --theme
        raise InputError(str(error)) from None
    with terminal_attached():
        decision = app.run()
    if decision is None:  # closed (ctrl+q) or crashed: fail closed
        code = app.return_code or 0
        why = "the review closed without a decision" + (f" (status {code})" if code else "")
        return Decision(verdict="rejected", reason=why, reviewers=(app.reviewer,))
    return decision
