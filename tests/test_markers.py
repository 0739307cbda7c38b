"""Environment markers raise a finding one tier."""

from __future__ import annotations

from pathlib import Path

from approve.analyze.markers import context_marker, marker_in, raise_for_markers
from approve.model import Finding, Tier


def finding(severity: Tier, resources: tuple[str, ...] = (), line: int = 1) -> Finding:
    return Finding(line, line, severity, "x.rule", "does something", resources)


def test_marker_must_be_a_token() -> None:
    assert marker_in("aws_db_instance.prod") == "prod"
    assert marker_in("prod-db-1") == "prod"
    assert marker_in("PRODUCTION") == "PRODUCTION"
    assert marker_in("product-catalog") is None
    assert marker_in("delivery") is None
    assert marker_in("olive") is None


def test_context_settings_count() -> None:
    assert context_marker("kubectl --context prod-eu delete pod x")
    assert context_marker("AWS_PROFILE=live aws s3 rb s3://b --force")
    assert context_marker("kubectl -n production delete deploy web")
    assert context_marker("kubectl --context staging delete pod x") is None


def test_raise_one_tier_with_reason() -> None:
    raised = raise_for_markers([finding(Tier.HIGH, ("db.prod",))], ["x"])
    assert raised[0].severity == Tier.CRITICAL and "production" in raised[0].why
    by_context = raise_for_markers([finding(Tier.LOW)], ["kubectl --context prod delete pod a"])
    assert by_context[0].severity == Tier.HIGH


def test_unmarked_and_attack_findings_stay() -> None:
    plain = finding(Tier.HIGH, ("db.staging",))
    assert raise_for_markers([plain], ["x"]) == [plain]


def test_custom_markers() -> None:
    raised = raise_for_markers([finding(Tier.LOW, ("eu-prd-1",))], ["x"], markers=("prd",))
    assert raised[0].severity == Tier.HIGH


def test_configured_markers_are_used_by_analyze(isolated_home: Path) -> None:
    from approve.analyze import analyze_command

    command = "kubectl --context eu-prd delete deployment web"
    before = analyze_command(command).findings[0].severity
    assert before == Tier.HIGH  # 'prd' is no marker by default
    config = isolated_home / "config" / "approve" / "config.yaml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("env_markers: [prd]\n")
    after = analyze_command(command).findings[0].severity
    assert after == before.raised()
