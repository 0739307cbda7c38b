"""Whole-process cost of `approve check` on one safe command, against `python -c pass`.

Target (issue 2): <= 1.5x the same venv's `python -c pass`. Run it from an installed
(non-editable) venv for the figure users get: an editable install adds an import hook that
costs several milliseconds at every start.
"""

from __future__ import annotations

from _common import approve_bin, python, report, time_interleaved


def main() -> None:
    baseline, plain, plain_json, regex_rule = time_interleaved(
        [
            ([python(), "-c", "pass"], b""),
            ([approve_bin(), "check", "-"], b"ls -la\n"),
            ([approve_bin(), "check", "--json", "-"], b"ls -la\n"),
            # git's read-only rules are regexes: this one also pays for importing `re`
            ([approve_bin(), "check", "-"], b"git status\n"),
        ]
    )
    report("python -c pass", baseline * 1000, "ms", "-", True)
    for name, value in (
        ("approve check: ls -la", plain),
        ("approve check --json: ls -la", plain_json),
        ("approve check: git status (regex rules)", regex_rule),
    ):
        ratio = value / baseline
        report(f"{name} ({value * 1000:.1f} ms)", ratio, "x", "<= 1.5x", ratio <= 1.5)


if __name__ == "__main__":
    main()
