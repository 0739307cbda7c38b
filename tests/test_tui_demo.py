"""`approve demo --no-ui`: the three embedded scenarios, analyzed, with the night friction."""

from __future__ import annotations

import os

import pytest

from approve.cli import main
from approve.commands.demo import SCENARIOS, load, sample_text


def test_samples_ship_with_the_package() -> None:
    for scenario in SCENARIOS:
        assert sample_text(scenario.sample).strip()


def test_terraform_and_diff_scenarios_are_critical() -> None:
    tiers = {scenario.sample: load(scenario)[1].tier.label for scenario in SCENARIOS}
    assert tiers["prod-db-replace.tfplan.txt"] == "critical"
    assert tiers["remove-protection.diff"] == "critical"


def test_no_ui_prints_the_three_scenarios_at_0207(capsys: pytest.CaptureFixture[str]) -> None:
    journal_before = os.environ.get("APPROVE_JOURNAL")
    assert main(["demo", "--no-ui"]) == 0
    assert os.environ.get("APPROVE_JOURNAL") == journal_before  # restored
    out = capsys.readouterr().out
    assert out.count("== ") == 3
    assert "friction at 02:07" in out
    assert "aws_db_instance.prod" in out
