"""Placeholder until the terraform_json analyzer lands: fail closed."""

from __future__ import annotations

from approve.analyze.base import InputError, Partial
from approve.analyze.rules import RuleSet


def analyze_terraform_json(text: str, ruleset: RuleSet) -> Partial:
    raise InputError("the terraform_json analyzer is not built yet")
