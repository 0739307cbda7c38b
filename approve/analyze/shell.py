"""Shell commands (placeholder until the tree-sitter analyzer lands): fail closed."""

from __future__ import annotations

from approve.analyze.base import Partial
from approve.analyze.rules import RuleSet
from approve.model import Finding, Tier


def analyze_line(line: str, line_no: int, ruleset: RuleSet) -> list[Finding]:
    return []


def analyze_shell(text: str, ruleset: RuleSet) -> Partial:
    return Partial(
        findings=[
            Finding(1, 1, Tier.HIGH, "shell.unparsed", "could not parse: a human must read it")
        ]
    )
