"""Whole-process cost of `approve check` on one safe command, against `python -c pass`.

Target (issue 2): <= 1.5x the same venv's `python -c pass`. Run it from an installed
(non-editable) venv for the figure users get: an editable install adds an import hook that
costs several milliseconds at every start.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from pathlib import Path

from _common import approve_bin, compile_bytecode, python, report, time_interleaved


def _first_time(command: bytes, runs: int = 30) -> float:
    """Median time of a command the memo has not seen: the regexes are compiled (re imported)."""
    memo = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "approve"
    samples = []
    for _ in range(runs):
        for stale in memo.glob("safe-commands-*"):
            stale.unlink()
        start = time.perf_counter()
        subprocess.run(
            [approve_bin(), "check", "-"], input=command, capture_output=True, check=False
        )
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    compile_bytecode()
    baseline, plain, plain_json, regex_rule = time_interleaved(
        [
            ([python(), "-c", "pass"], b""),
            ([approve_bin(), "check", "-"], b"ls -la\n"),
            ([approve_bin(), "check", "--json", "-"], b"ls -la\n"),
            # `git branch`'s read-only rule is a regex; repeated, the fast path's memo answers it
            ([approve_bin(), "check", "-"], b"git branch\n"),
        ]
    )
    status_first = _first_time(b"git status\n")
    branch_first = _first_time(b"git branch\n")
    report("python -c pass", baseline * 1000, "ms", "-", True)
    for name, value in (
        ("check: ls -la", plain),
        ("check --json: ls -la", plain_json),
        ("check: git status, first time (words)", status_first),
        ("check: git branch, repeated (memo)", regex_rule),
        ("check: git branch, first time (re)", branch_first),
    ):
        ratio = value / baseline
        report(f"{name} ({value * 1000:.1f} ms)", ratio, "x", "<= 1.5x", ratio <= 1.5)


if __name__ == "__main__":
    main()
