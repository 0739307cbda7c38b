"""Starting approve inside tmux (the hook's popup, `approve pane --split`): the command line.

tmux starts a popup's or a split's command in the tmux server's environment, not the caller's,
so the journal, config, clock and XDG overrides the caller runs with are passed on explicitly,
and the command names this same Python, so the popup runs the approve that was asked.
"""

from __future__ import annotations

import os
import shlex
import sys

PASSED_PREFIXES = ("APPROVE_", "XDG_", "TEXTUAL_")
PASSED_NAMES = ("HOME", "PATH", "PYTHONPATH", "VIRTUAL_ENV", "LANG", "LC_ALL", "TZ", "USER")


def approve_command(arguments: list[str]) -> str:
    """The shell command that runs `approve ARGUMENTS` with our environment, for tmux to start."""
    passed = [
        f"{name}={value}"
        for name, value in sorted(os.environ.items())
        if name.startswith(PASSED_PREFIXES) or name in PASSED_NAMES
    ]
    argv = ["env", *passed, sys.executable, "-m", "approve", *arguments]
    return "exec " + shlex.join(argv)


def pane_target() -> list[str]:
    """`-t PANE` for the pane we were started from, when tmux told us (TMUX_PANE)."""
    pane = os.environ.get("TMUX_PANE")
    return ["-t", pane] if pane else []
