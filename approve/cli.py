"""The `approve` command: parse arguments, run one subcommand, turn errors into exit status 2.

Subcommands live in approve/commands/, one module each, imported only when chosen so that the
fast paths (check of a safe command, the agent hook) never pay for Textual or the parsers they
do not use.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

# name -> (module under approve.commands, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "check": ("check", "print the findings for a plan, diff, SQL or command; exit by severity"),
}

EPILOG = """exit status: 0 approved / nothing reaches --fail-on, 1 rejected / a finding does,
2 error. Docs: README.md. Set APPROVE_DEBUG=1 to see tracebacks."""


def build_parser() -> argparse.ArgumentParser:
    from approve import __version__

    parser = argparse.ArgumentParser(
        prog="approve",
        description="A fatigue-aware approval gate for AI coding agents.",
        epilog=EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"approve {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        module = importlib.import_module(f"approve.commands.{module_name}")
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        parser = build_parser()
        args = parser.parse_args(args_list)
        if not getattr(args, "run", None):
            parser.print_help(sys.stderr)
            return 2
        return int(args.run(args))
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
