"""Free text: no format we recognise, so apply the shell rules line by line.

Free text cannot be shown to be read-only, so it is at least `low` with a finding that says a
human must read it; a line that parses as a destructive command is a finding at that line.
"""

from __future__ import annotations

from approve.analyze import shell
from approve.analyze.base import Partial
from approve.analyze.rules import RuleSet
from approve.model import Finding, Tier


def analyze_text(text: str, ruleset: RuleSet) -> Partial:
    partial = Partial()
    earlier: list[str] = []  # commands on the lines so far, for rules that expect earlier steps
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        for finding in shell.analyze_line(line, number, ruleset, earlier):
            partial.findings.append(finding)
    if not partial.findings:
        partial.findings.append(
            Finding(
                line=1,
                end_line=max(1, text.count("\n")),
                severity=Tier.LOW,
                rule="text.unrecognised",
                why="free text in no format approve recognises: a human must read it",
                safer="pass --format if this is a plan, diff, SQL or a shell script",
            )
        )
    return partial
