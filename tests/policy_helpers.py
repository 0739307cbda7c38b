"""Small builders shared by the policy and journal tests: assessments and times made here."""

from __future__ import annotations

from datetime import UTC, datetime

from approve.config import Config, config_from_text
from approve.model import Assessment, Finding, Tier

# Pin the zone so the windows in the tests do not depend on the machine's.
CONFIG: Config = config_from_text("timezone: UTC\n", "test")


def at(text: str) -> datetime:
    """A UTC moment from "2026-11-22T02:41"."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def assessment(tier: Tier, words: int = 60, destructive: int | None = None) -> Assessment:
    lines = destructive if destructive is not None else (1 if tier >= Tier.HIGH else 0)
    # One finding per destructive line: the reading floor pays for the lines findings start on.
    findings = tuple(
        Finding(
            line=number,
            end_line=number,
            severity=max(tier, Tier.HIGH),
            rule="test.destroy",
            why="destroys the test database",
            resources=("aws_db_instance.prod",),
        )
        for number in range(1, lines + 1)
    )
    return Assessment(
        format="text",
        tier=tier,
        counts={"destroy": 1} if lines else {},
        findings=findings,
        line_count=max(lines, 1),
        word_count=words,
    )
