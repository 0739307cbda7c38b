"""`approve install AGENT` and `approve uninstall AGENT`: wire the hook into an agent, or out.

Thin: the settings paths, the merge and the file work are in approve/install.py. Exit 0 when
done (or nothing needed doing), 2 on a refusal or an error, with one line saying why.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from approve.install import AGENTS, InstallError, hook_command, install, settings_path, uninstall


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("agent", choices=AGENTS, help="the agent whose settings to change")
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--user",
        dest="scope",
        action="store_const",
        const="user",
        help="the agent's settings in your home directory (the default)",
    )
    where.add_argument(
        "--project",
        dest="scope",
        action="store_const",
        const="project",
        help="the project's settings (the git top level, else the current directory)",
    )
    where.add_argument("--settings", type=Path, metavar="PATH", help="this settings file instead")
    parser.add_argument(
        "--dry-run", action="store_true", help="print the change as a diff and write nothing"
    )
    parser.set_defaults(scope="user")


def run(args: argparse.Namespace) -> int:
    from approve.errors import describe

    try:
        path: Path = args.settings or settings_path(args.agent, args.scope)
        if args.command == "uninstall":
            lines = uninstall(args.agent, path, dry_run=args.dry_run)
        else:
            from approve.config import load_config

            # The agent's timeout is derived from the hook's deadline, so a broken config
            # stops here rather than guessing (ConfigError is reported below).
            deadline = load_config().hook_deadline_seconds
            lines = install(
                args.agent,
                path,
                command=hook_command(args.agent),
                deadline_seconds=deadline,
                dry_run=args.dry_run,
            )
    except InstallError as error:
        print(f"approve: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # ConfigError, OSError: one line, exit 2
        print(f"approve: {describe(error)}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0
