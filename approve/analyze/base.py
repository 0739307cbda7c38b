"""What every format analyzer returns, and errors they raise on input they cannot read."""

from __future__ import annotations

from dataclasses import dataclass, field

from approve.model import COUNT_KEYS, Finding


class InputError(ValueError):
    """The input cannot be analyzed as asked; the message is one line for the user."""


@dataclass
class Partial:
    """Findings and action counts from one format analyzer, before attacks and markers."""

    findings: list[Finding] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_KEYS, 0))
