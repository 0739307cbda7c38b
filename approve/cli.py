"""The `approve` command: parse arguments, run one subcommand, turn errors into exit status 2.

Subcommands live in approve/commands/, one module each, imported only when chosen so that the
fast paths (check of a safe command, the agent hook) never pay for Textual or the parsers they
do not use.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs ~10 ms of start-up

if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence

# name -> (module under approve.commands, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "check": ("check", "print the findings for a plan, diff, SQL or command; exit by severity"),
    "log": ("log", "list the decisions in the journal"),
    "stats": ("stats", "a fatigue report from the journal: hours, pace, streaks, nights"),
    "verify": ("verify", "check the journal's hash chain; exit 1 at the first broken record"),
    "policy": ("policy", "explain the friction the policy would ask for, and why"),
    "review": ("review", "review a plan, diff or command full-screen; exit 0 approved, 1 not"),
    "run": ("run", "review a command, then run it only when approved: approve run -- CMD ..."),
    "hook": ("hook", "the agent hook: claude, codex, gemini or cursor JSON in, its answer out"),
    "pane": ("pane", "the review pane beside the agent: queue, fatigue meter, pair review"),
    "install": ("install", "put the hook in an agent's settings: claude, codex, gemini or cursor"),
    "uninstall": ("install", "remove approve's hook from an agent's settings, and nothing else"),
    "doctor": ("doctor", "check the hooks, tmux, pane, journal, config and packs; a fix for each"),
    "demo": ("demo", "the 2 AM scenarios on embedded samples, with a temporary journal"),
}

EPILOG = """exit status: 0 approved / nothing reaches --fail-on, 1 rejected / a finding does,
2 error. Docs: README.md. Set APPROVE_DEBUG=1 to see tracebacks."""


def build_parser(chosen: str | None = None) -> argparse.ArgumentParser:
    """The parser; only `chosen`'s module is imported, for its arguments (all of them if None).

    Importing every subcommand would cost a fast `approve check` the start-up time of Textual.
    """
    import argparse  # here, not at the top: the fast path never needs it
    import importlib

    from approve import __version__

    parser = argparse.ArgumentParser(
        prog="approve",
        description="A fatigue-aware approval gate for AI coding agents.",
        epilog=EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"approve {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        if chosen is None or name == chosen:
            module = importlib.import_module(f"approve.commands.{module_name}")
            module.add_arguments(sub)
            sub.set_defaults(run=module.run)
    return parser


def _chosen_subcommand(args: Sequence[str]) -> str | None:
    """The subcommand named on the command line, when there is one we know."""
    for word in args:
        if not word.startswith("-"):
            return word if word in SUBCOMMANDS else None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        if args_list[:1] == ["check"]:
            from approve.fastpath import try_check

            answered = try_check(args_list)
            if answered is not None:
                return answered
        elif args_list[:1] == ["hook"]:
            from approve.hookfast import try_hook

            answered = try_hook(args_list)
            if answered is not None:
                return answered
        parser = build_parser(_chosen_subcommand(args_list) or "")
        args = parser.parse_args(args_list)
        if not getattr(args, "run", None):
            parser.print_help(sys.stderr)
            return 2
        return int(args.run(args))
    except BrokenPipeError:
        # The reader went away (`approve check ... | head`): say nothing more, and keep Python
        # from complaining when it flushes stdout at exit. Output was lost, so not a success.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 2
    except KeyboardInterrupt:
        print("approve: interrupted", file=sys.stderr)
        return 2
    except SystemExit as exit_:  # argparse: usage errors exit 2, --help exits 0
        code = exit_.code
        return code if isinstance(code, int) else 2
    except Exception as error:  # the last line of fail-closed: one line, exit 2, no traceback
        if os.environ.get("APPROVE_DEBUG"):
            raise
        from approve.errors import describe

        print(f"approve: {describe(error)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
