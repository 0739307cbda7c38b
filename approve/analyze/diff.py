"""Placeholder until the diff analyzer lands: fail closed."""

from __future__ import annotations

from approve.analyze.base import InputError, Partial
from approve.analyze.rules import RuleSet


def analyze_diff(text: str, ruleset: RuleSet) -> Partial:
    raise InputError("the diff analyzer is not built yet")
