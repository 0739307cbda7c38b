"""Environment markers: a finding that touches production is one tier worse.

A marker (`prod`, `production`, `live` by default; configurable) counts when it stands as its own
token in a resource name (`aws_db_instance.prod`, `prod-db`), or as the value of a context
setting on the finding's line: kube context or namespace, AWS profile, terraform workspace.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from approve.analyze import DEFAULT_MARKERS
from approve.model import Finding, Tier

_CONTEXT = re.compile(
    r"(?:--context|--kube-context|--profile|--namespace|-n|--workspace|AWS_PROFILE|"
    r"TF_WORKSPACE|KUBE_CONTEXT|CLOUDSDK_ACTIVE_CONFIG_NAME|workspace\s+select)"
    r"(?:=|\s+)['\"]?([^\s'\"]+)"
)


def _token_pattern(markers: Sequence[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(m) for m in sorted(markers, key=len, reverse=True))
    # A marker is a token between non-alphanumerics: "prod-db" yes, "product" no.
    return re.compile(rf"(?<![A-Za-z0-9])({alternatives})(?![A-Za-z0-9])", re.IGNORECASE)


_default_pattern = _token_pattern(DEFAULT_MARKERS)


def marker_in(text: str, markers: Sequence[str] = DEFAULT_MARKERS) -> str | None:
    pattern = _default_pattern if tuple(markers) == DEFAULT_MARKERS else _token_pattern(markers)
    match = pattern.search(text)
    return match.group(1) if match else None


def context_marker(line: str, markers: Sequence[str] = DEFAULT_MARKERS) -> str | None:
    """A marker in a context setting on the line (`--context prod-eu`, `AWS_PROFILE=live`)."""
    for match in _CONTEXT.finditer(line):
        found = marker_in(match.group(1), markers)
        if found:
            return f"{match.group(0).split('=')[0].split()[0]} {match.group(1)}"
    return None


def raise_for_markers(
    findings: Sequence[Finding], lines: Sequence[str], markers: Sequence[str] = DEFAULT_MARKERS
) -> list[Finding]:
    """Each non-attack finding raised one tier when it touches a marked environment."""
    result = []
    for finding in findings:
        if finding.attack or finding.severity == Tier.SAFE:
            result.append(finding)
            continue
        reason = None
        for name in finding.resources:
            if marker_in(name, markers):
                reason = f"'{name}' looks like production"
                break
        if reason is None and 1 <= finding.line <= len(lines):
            context = context_marker(lines[finding.line - 1], markers)
            if context:
                reason = f"runs against {context}"
        if reason is None or finding.severity == Tier.CRITICAL:
            result.append(replace(finding, why=f"{finding.why}; {reason}") if reason else finding)
            continue
        result.append(
            replace(finding, severity=finding.severity.raised(), why=f"{finding.why}; {reason}")
        )
    return result
