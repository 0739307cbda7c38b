"""Whole-process cost of `approve check` on one safe command, against `python -c pass`.

Target (issue 2): <= 1.5x the same venv's `python -c pass`. Run it from an installed
(non-editable) venv for the figure users get: an editable install adds an import hook that
costs several milliseconds at every start.
"""

from __future__ import annotations

from _common import approve_bin, python, report, time_process


def main() -> None:
    baseline = time_process([python(), "-c", "pass"])
    check = time_process([approve_bin(), "check", "-"], stdin=b"ls -la\n")
    check_json = time_process([approve_bin(), "check", "--json", "-"], stdin=b"git status\n")
    ratio = check / baseline
    report("python -c pass", baseline * 1000, "ms", "-", True)
    report("approve check (safe command, text output)", check * 1000, "ms", "-", True)
    report("  ratio to python -c pass", ratio, "x", "<= 1.5x", ratio <= 1.5)
    report("approve check --json (safe command)", check_json * 1000, "ms", "-", True)
    report(
        "  ratio to python -c pass",
        check_json / baseline,
        "x",
        "<= 1.5x",
        check_json / baseline <= 1.5,
    )


if __name__ == "__main__":
    main()
