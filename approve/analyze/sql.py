"""Placeholder until the sql analyzer lands: fail closed."""

from __future__ import annotations

from approve.analyze.base import InputError, Partial
from approve.analyze.rules import RuleSet


def analyze_sql(text: str, ruleset: RuleSet) -> Partial:
    raise InputError("the sql analyzer is not built yet")
