"""The terraform JSON plan analyzer (`terraform show -json`), on fixtures written for it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from approve.analyze import analyze
from approve.analyze.base import InputError, Partial
from approve.analyze.rules import RuleSet
from approve.analyze.terraform_json import analyze_terraform_json
from approve.model import Finding, Tier

FIXTURES = Path(__file__).parent / "fixtures" / "terraform"
RULES = RuleSet()


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def run(text: str) -> Partial:
    return analyze_terraform_json(text, RULES)


def by_rule(partial: Partial, rule: str) -> list[Finding]:
    return [f for f in partial.findings if f.rule == rule]


def for_resource(partial: Partial, address: str) -> list[Finding]:
    return [f for f in partial.findings if address in f.resources]


def plan_of(*changes: dict[str, Any], **top: Any) -> str:
    return json.dumps({"format_version": "1.2", "resource_changes": list(changes), **top})


def change(
    address: str,
    actions: list[str],
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    rtype, name = address.split(".")[-2:]
    return {
        "address": address,
        "mode": "managed",
        "type": rtype,
        "name": name,
        "change": {"actions": actions, "before": before, "after": after},
        **extra,
    }


def test_every_action_in_a_pretty_printed_plan() -> None:
    text = fixture("all_actions.json")
    lines = text.split("\n")
    partial = run(text)
    assert partial.counts == {
        "destroy": 2,
        "replace": 2,
        "update": 1,
        "create": 2,
        "read": 1,
        "forget": 2,
    }
    expected = {
        "aws_db_instance.main": ("tf.replace", Tier.CRITICAL),
        "aws_instance.old": ("tf.destroy", Tier.HIGH),
        "aws_instance.web": ("tf.destroy", Tier.HIGH),
        "aws_launch_template.web": ("tf.replace", Tier.HIGH),
        "aws_s3_bucket.assets": ("tf.create", Tier.LOW),
        "aws_security_group.web": ("tf.update", Tier.HIGH),
        "aws_sqs_queue.legacy": ("tf.forget", Tier.LOW),
        "aws_instance.blue": ("tf.forget", Tier.LOW),
    }
    for address, (rule, severity) in expected.items():
        [finding] = [f for f in for_resource(partial, address) if f.action]
        assert (finding.rule, finding.severity) == (rule, severity), address
        # The line where the resource_changes entry starts (its address is on the next line),
        # not the planned_values or prior_state copy of the same address.
        assert lines[finding.line - 1].strip() == "{"
        assert lines[finding.line].strip() == f'"address": "{address}",'
        assert lines[finding.end_line - 1].strip() in ("}", "},")
    assert not for_resource(partial, "data.aws_ami.ubuntu")  # read
    assert not for_resource(partial, "aws_iam_role.app")  # moved, no-op
    [protection] = by_rule(partial, "tf.deletion-protection-off")
    assert '"deletion_protection": false' in lines[protection.line - 1]


def test_reason_replace_paths_deposed_and_moves_go_into_why() -> None:
    partial = run(fixture("all_actions.json"))
    [template] = for_resource(partial, "aws_launch_template.web")
    assert "forced by image_id, block_device_mappings[0].device_name" in template.why
    assert "replace_because_cannot_update" in template.why
    assert "after the new one is created" in template.why
    [old] = for_resource(partial, "aws_instance.old")
    assert "delete_because_no_resource_config" in old.why
    [deposed] = for_resource(partial, "aws_instance.web")
    assert "deposed key 1a2b3c4d" in deposed.why


def test_single_line_json_points_at_line_one() -> None:
    compact = json.dumps(json.loads(fixture("all_actions.json")), separators=(",", ":"))
    partial = run(compact)
    assert partial.findings
    assert {f.line for f in partial.findings} == {1}
    assert partial.counts == run(fixture("all_actions.json")).counts


@pytest.mark.parametrize(
    ("actions", "count_keys", "rule", "severity"),
    [
        (["no-op"], (), None, None),
        (["create"], ("create",), "tf.create", Tier.LOW),
        (["read"], ("read",), None, None),
        (["update"], ("update",), "tf.update", Tier.HIGH),
        (["delete", "create"], ("replace",), "tf.replace", Tier.HIGH),
        (["create", "delete"], ("replace",), "tf.replace", Tier.HIGH),
        (["delete"], ("destroy",), "tf.destroy", Tier.HIGH),
        (["forget"], ("forget",), "tf.forget", Tier.LOW),
        (["create", "forget"], ("create", "forget"), "tf.forget", Tier.LOW),
        (["delete", "forget"], (), "tf.unknown-action", Tier.CRITICAL),
        (["destroy"], (), "tf.unknown-action", Tier.CRITICAL),
        ([], (), "tf.unknown-action", Tier.CRITICAL),
    ],
)
def test_each_action_array(
    actions: list[str], count_keys: tuple[str, ...], rule: str | None, severity: Tier | None
) -> None:
    partial = run(plan_of(change("aws_instance.web", actions, {"ami": "a"}, {"ami": "b"})))
    assert {k for k, v in partial.counts.items() if v} == set(count_keys)
    assert [(f.rule, f.severity) for f in partial.findings] == ([(rule, severity)] if rule else [])


def test_both_replace_orders_of_a_data_holding_resource_are_critical() -> None:
    for actions in (["delete", "create"], ["create", "delete"]):
        partial = run(plan_of(change("aws_s3_bucket.data", actions, {}, {})))
        [finding] = partial.findings
        assert (finding.rule, finding.severity) == ("tf.replace", Tier.CRITICAL)


def test_unknown_and_malformed_actions_are_critical() -> None:
    partial = run(fixture("unknown_action.json"))
    unknown = by_rule(partial, "tf.unknown-action")
    assert {f.resources for f in unknown} == {
        ("aws_dynamodb_table.orders",),
        ("aws_kms_key.main",),
    }
    assert all(f.severity == Tier.CRITICAL for f in unknown)
    assert '["delete", "forget"]' in unknown[0].why
    weird = run(json.dumps({"format_version": "1.2", "resource_changes": ["nonsense", 3]}))
    assert [f.severity for f in weird.findings] == [Tier.CRITICAL, Tier.CRITICAL]


def test_drift_is_not_counted() -> None:
    partial = run(fixture("all_actions.json"))
    [drift] = by_rule(partial, "tf.drift-deleted")
    assert drift.severity == Tier.LOW
    assert drift.resources == ("aws_sqs_queue.jobs",)
    assert not [f for f in for_resource(partial, "aws_sqs_queue.jobs") if f.action]


def test_the_incident_replacing_the_production_database_is_critical() -> None:
    assessment = analyze(fixture("incident_rds.json"), ruleset=RULES)
    assert assessment.format == "terraform-json"
    assert assessment.tier == Tier.CRITICAL
    assert assessment.resources == ("aws_db_instance.prod",)
    assert assessment.counts["replace"] == 1
    rules = {f.rule: f.severity for f in assessment.findings}
    assert rules["tf.replace"] == Tier.CRITICAL
    assert rules["tf.skip-final-snapshot"] == Tier.CRITICAL
    assert "forced by identifier" in next(f.why for f in assessment.findings if f.action)


def test_protection_attributes_compare_before_and_after() -> None:
    partial = run(
        plan_of(
            change(
                "aws_rds_cluster.main",
                ["update"],
                {"deletion_protection": True, "backup_retention_period": 7},
                {"backup_retention_period": 0},
            ),
            change(
                "aws_s3_bucket.logs", ["update"], {"force_destroy": False}, {"force_destroy": True}
            ),
            change("aws_db_instance.old", ["delete"], {"skip_final_snapshot": True}, None),
            change(
                "aws_lb.web",
                ["update"],
                {"enable_deletion_protection": True},
                {"enable_deletion_protection": True},
            ),
        )
    )
    found = {(f.rule, f.severity, f.resources[0]) for f in partial.findings if not f.action}
    assert found == {
        ("tf.deletion-protection-off", Tier.HIGH, "aws_rds_cluster.main"),
        ("tf.backup-retention-zero", Tier.CRITICAL, "aws_rds_cluster.main"),
        ("tf.force-destroy", Tier.HIGH, "aws_s3_bucket.logs"),
        ("tf.skip-final-snapshot", Tier.CRITICAL, "aws_db_instance.old"),
    }


def test_data_source_deletes_are_not_counted() -> None:
    entry = change("data.aws_ami.ubuntu", ["delete"], {"id": "x"}, None)
    entry["mode"] = "data"
    partial = run(plan_of(entry))
    assert not partial.findings
    assert not any(partial.counts.values())


def test_a_duplicated_resource_changes_key_is_read_in_full() -> None:
    harmless = json.dumps([change("aws_s3_bucket.a", ["create"], None, {})])
    harmful = json.dumps([change("aws_dynamodb_table.orders", ["delete"], {}, None)])
    text = (
        f'{{"format_version": "1.2", "resource_changes": {harmless}, '
        f'"resource_changes": {harmful}}}'
    )
    partial = run(text)
    assert by_rule(partial, "tf.duplicate-key")
    [destroy] = by_rule(partial, "tf.destroy")
    assert destroy.severity == Tier.CRITICAL


def test_a_plan_without_changes_is_safe() -> None:
    assessment = analyze(fixture("no_changes.json"), ruleset=RULES)
    assert assessment.tier == Tier.SAFE
    assert not assessment.findings
    assert run('{"format_version": "1.2", "resource_changes": []}').findings == []


def test_truncated_json_names_line_and_column() -> None:
    text = fixture("all_actions.json")
    with pytest.raises(InputError, match=r"line \d+, column \d+"):
        run(text[: len(text) // 2])
    with pytest.raises(InputError, match="line 1, column"):
        run(json.dumps(json.loads(text))[:5000])


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('{"name": "web", "replicas": 3}', "--format text"),
        ("[1, 2, 3]", "not a terraform plan"),
        ('{"format_version": "1.0", "values": {"root_module": {}}}', "state, not a plan"),
        (
            '{"@level":"info","@message":"Terraform 1.9.8","type":"version"}\n'
            '{"@level":"info","@message":"Plan: 1 to add","type":"change_summary"}\n',
            "terraform plan -json",
        ),
    ],
)
def test_json_that_is_not_a_plan_is_an_input_error(text: str, words: str) -> None:
    with pytest.raises(InputError, match=words.replace(".", r"\.").replace("-", r"\-")):
        run(text)


def test_check_json_through_the_real_cli(approve_cmd: list[str]) -> None:
    result = subprocess.run(
        [*approve_cmd, "check", "--json", str(FIXTURES / "incident_rds.json")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["format"] == "terraform-json"
    assert report["tier"] == "critical"
    assert report["counts"] == {
        "destroy": 0,
        "replace": 1,
        "update": 0,
        "create": 0,
        "read": 0,
        "forget": 0,
    }
    rules = {f["rule"] for f in report["findings"]}
    assert {"tf.replace", "tf.skip-final-snapshot"} <= rules
    assert all(f["resources"] == ["aws_db_instance.prod"] for f in report["findings"])


def test_check_reports_a_truncated_plan_as_an_error(approve_cmd: list[str], tmp_path: Path) -> None:
    broken = tmp_path / "plan.json"
    broken.write_text(fixture("all_actions.json")[:3000], encoding="utf-8")
    result = subprocess.run(
        [*approve_cmd, "check", "--json", str(broken)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "line" in result.stderr and "Traceback" not in result.stderr


def test_an_errored_plan_is_high() -> None:
    partial = run(plan_of(change("aws_s3_bucket.a", ["create"], None, {}), errored=True))
    assert [f.severity for f in by_rule(partial, "tf.plan-errored")] == [Tier.HIGH]
    assert not by_rule(run(plan_of(errored=False)), "tf.plan-errored")
