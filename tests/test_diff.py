"""The unified-diff analyzer: removed protections, kubectl deletions, git deletions, bad diffs."""

from __future__ import annotations

import difflib
import json
import subprocess
from pathlib import Path

import pytest

from approve.analyze import analyze
from approve.analyze.diff import _File, _Line, _shell_command, analyze_diff
from approve.analyze.rules import RuleSet, default_rules
from approve.model import Assessment, Tier

FIXTURES = Path(__file__).parent / "fixtures" / "diff"


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return default_rules()


def check(name: str) -> Assessment:
    assessment = analyze((FIXTURES / name).read_text())
    assert assessment.format == "diff"
    return assessment


def found(assessment: Assessment) -> list[tuple[int, str, str, tuple[str, ...]]]:
    return [(f.line, f.severity.label, f.rule, f.resources) for f in assessment.findings]


def make_diff(old: str, new: str, path: str = "main.tf") -> str:
    lines = difflib.unified_diff(
        old.splitlines(True), new.splitlines(True), f"a/{path}", f"b/{path}"
    )
    return "".join(lines)


def test_demo_terraform_protections_removed() -> None:
    # prevent_destroy (inside a removed lifecycle block) and deletion_protection in one file
    assessment = check("terraform_protections.diff")
    assert found(assessment) == [
        (10, "critical", "protect.deletion-protection", ("aws_db_instance.prod",)),
        (14, "critical", "protect.skip-final-snapshot", ("aws_db_instance.prod",)),
        (17, "critical", "protect.lifecycle-removed", ("aws_db_instance.prod",)),
        (18, "critical", "protect.prevent-destroy", ("aws_db_instance.prod",)),
        (25, "high", "protect.force-destroy", ("aws_s3_bucket.assets",)),
    ]
    # the `.prod` resource is raised from high by the environment marker
    assert "looks like production" in assessment.findings[0].why
    lines = (FIXTURES / "terraform_protections.diff").read_text().split("\n")
    assert "prevent_destroy = true" in lines[18 - 1] and lines[18 - 1].startswith("-")


def test_moved_lifecycle_block_is_not_a_removal() -> None:
    assessment = check("terraform_moved.diff")
    assert assessment.findings == ()
    assert assessment.tier == Tier.SAFE


def test_kubectl_diff_deletions() -> None:
    assessment = check("kubectl_delete.diff")
    assert found(assessment) == [
        (9, "high", "protect.replicas-zero", ("Deployment/web/frontend",)),
        (16, "high", "diff.object-deleted", ("ConfigMap/web/settings",)),
        (27, "critical", "diff.object-deleted", ("Namespace/staging",)),
        (35, "critical", "diff.object-deleted", ("PersistentVolumeClaim/prod/data-orders-0",)),
    ]
    assert assessment.counts["destroy"] == 3
    assert assessment.counts["update"] == 1
    assert assessment.counts["create"] == 1
    pvc = assessment.findings[-1]
    assert "reclaimPolicy" in pvc.why and pvc.end_line == 51
    # the deleted object's own lines (its finalizers) are not reported one by one
    assert not any(f.rule == "protect.finalizers" for f in assessment.findings)


def test_kubectl_reclaim_policy_and_finalizers() -> None:
    assessment = check("kubectl_reclaim_finalizers.diff")
    assert found(assessment) == [
        (8, "high", "protect.finalizers", ("StatefulSet/db/pg",)),
        (20, "high", "protect.reclaim-policy", ("StorageClass/fast",)),
        (29, "high", "protect.finalizers", ("PersistentVolume/pv-orders",)),
        (34, "high", "protect.reclaim-policy", ("PersistentVolume/pv-orders",)),
    ]
    assert assessment.counts["update"] == 3


def test_git_deleted_files() -> None:
    assessment = check("git_deleted_files.diff")
    assert found(assessment) == [
        (1, "low", "diff.file-deleted", ("NOTES.md",)),
        (8, "high", "diff.migration-deleted", ("db/migrations/001_init.sql",)),
        (15, "critical", "diff.state-deleted", ("terraform.tfstate",)),
    ]
    assert "git checkout HEAD -- NOTES.md" in (assessment.findings[0].safer or "")


def test_added_sql_in_a_migration_is_checked() -> None:
    assessment = check("git_script_and_sql.diff")
    sql = [f for f in assessment.findings if f.rule.startswith("sql.")]
    # `-- DROP TABLE users;` is a comment and the DELETE with a WHERE is fine
    assert [(f.line, f.rule, f.resources) for f in sql] == [
        (8, "sql.delete-without-where", ("users",))
    ]
    lines = (FIXTURES / "git_script_and_sql.diff").read_text().split("\n")
    assert lines[8 - 1] == "+DELETE FROM users;"


def test_added_shell_lines_go_to_the_shell_analyzer() -> None:
    from approve.analyze import shell

    if not shell.analyze_line("rm -rf /var/lib/postgresql", 1, default_rules()):
        pytest.skip("the shell analyzer is still a placeholder")
    assessment = check("git_script_and_sql.diff")
    lines = (FIXTURES / "git_script_and_sql.diff").read_text().split("\n")
    rm_line = lines.index("+rm -rf /var/lib/postgresql") + 1
    assert any(f.line == rm_line and f.severity >= Tier.HIGH for f in assessment.findings)


@pytest.mark.parametrize(
    ("path", "lines", "expected"),
    [
        ("deploy.sh", ["+rm -rf build"], "rm -rf build"),
        ("deploy.sh", ["+# rm -rf build"], None),
        ("Makefile", ["+clean:", "+\t@rm -rf build"], "rm -rf build"),
        ("Makefile", ["+CLEAN = rm -rf build"], None),
        ("Dockerfile", ["+RUN rm -rf /var/lib/apt/lists/*"], "rm -rf /var/lib/apt/lists/*"),
        ("Dockerfile", ['+RUN ["echo", "hi"]'], None),
        (".github/workflows/ci.yml", ["+      - run: make deploy"], "make deploy"),
        (
            ".github/workflows/ci.yml",
            ["+      run: |", "+        kubectl delete ns x"],
            "kubectl delete ns x",
        ),
        (
            ".gitlab-ci.yml",
            ["+  script:", "+    - terraform apply -auto-approve"],
            "terraform apply -auto-approve",
        ),
        ("README.md", ["+rm -rf build"], None),
    ],
)
def test_which_added_lines_are_commands(path: str, lines: list[str], expected: str | None) -> None:
    file = _File(source=f"a/{path}", target=f"b/{path}", header_line=1)
    file.lines = [_Line(text[0], text[1:], n + 5, 0, "") for n, text in enumerate(lines)]
    assert _shell_command(file, len(lines) - 1) == expected


def test_flipped_key_counts_once_and_keeps_the_worse(rules: RuleSet) -> None:
    old = 'resource "aws_db_instance" "db" {\n  backup_retention_period = 7\n}\n'
    new = old.replace("= 7", "= 0")
    partial = analyze_diff(make_diff(old, new), rules)
    assert [(f.rule, f.severity) for f in partial.findings] == [
        ("protect.backup-retention-zero", Tier.CRITICAL)
    ]


def test_nested_switches_inside_protection_blocks(rules: RuleSet) -> None:
    old = (
        'resource "aws_dynamodb_table" "orders" {\n'
        "  point_in_time_recovery {\n"
        "    enabled = true\n"
        "  }\n"
        "}\n"
    )
    partial = analyze_diff(make_diff(old, old.replace("= true", "= false")), rules)
    assert [(f.line, f.rule, f.resources) for f in partial.findings] == [
        (6, "protect.point-in-time-recovery", ("aws_dynamodb_table.orders",))
    ]
    # `enabled = true` under any other block is not a protection
    other = old.replace("point_in_time_recovery", "ttl")
    assert analyze_diff(make_diff(other, other.replace("= true", "= false")), rules).findings == []


def test_added_protection_and_unrelated_edits_are_quiet(rules: RuleSet) -> None:
    old = 'resource "aws_db_instance" "db" {\n  instance_class = "db.t3.micro"\n}\n'
    new = old.replace("db.t3.micro", "db.t3.small").replace(
        "}\n", "  deletion_protection = true\n  lifecycle {\n    prevent_destroy = true\n  }\n}\n"
    )
    assert analyze_diff(make_diff(old, new), rules).findings == []


def test_removed_resource_block(rules: RuleSet) -> None:
    old = 'resource "aws_s3_bucket" "logs" {\n  bucket = "logs"\n}\n'
    partial = analyze_diff(make_diff(old, ""), rules)
    assert [(f.rule, f.resources) for f in partial.findings] == [
        ("diff.file-deleted", ("main.tf",)),
        ("protect.resource-removed", ("aws_s3_bucket.logs",)),
    ]


def test_move_to_another_file_is_reported_with_a_note(rules: RuleSet) -> None:
    text = make_diff("# a\n  prevent_destroy = true\n", "# a\n", "a.tf") + make_diff(
        "# b\n", "# b\n  prevent_destroy = true\n", "b.tf"
    )
    [finding] = analyze_diff(text, rules).findings
    assert finding.rule == "protect.prevent-destroy"
    assert "added in b.tf" in finding.why


def test_yaml_variants(rules: RuleSet) -> None:
    old = (
        "Resources:\n  Db:\n    Type: AWS::RDS::DBInstance\n    DeletionPolicy: Snapshot\n"
        "    Properties:\n      DeletionProtection: true\n      BackupRetentionPeriod: 7\n"
    )
    new = old.replace("    DeletionPolicy: Snapshot\n", "").replace(
        "DeletionProtection: true", "DeletionProtection: false"
    )
    rules_found = [f.rule for f in analyze_diff(make_diff(old, new, "stack.yaml"), rules).findings]
    assert rules_found == ["protect.deletion-policy", "protect.deletion-protection"]


def test_diff_unidiff_cannot_parse_is_high_and_still_read(rules: RuleSet) -> None:
    text = (
        "--- a/main.tf\n+++ b/main.tf\n@@ -1,9 +1,9 @@\n"
        ' resource "aws_db_instance" "x" {\n'
        "-  deletion_protection = true\n"
        "+  deletion_protection = false\n"
    )
    partial = analyze_diff(text, rules)
    assert [(f.line, f.severity, f.rule) for f in partial.findings] == [
        (1, Tier.HIGH, "diff.unparsed"),
        (5, Tier.HIGH, "protect.deletion-protection"),
    ]
    assert "could not parse" in partial.findings[0].why


def test_binary_change_is_low(rules: RuleSet) -> None:
    text = "diff --git a/logo.png b/logo.png\nindex 1..2 100644\nBinary files a/logo.png and b/logo.png differ\n"
    [finding] = analyze_diff(text, rules).findings
    assert (finding.rule, finding.severity) == ("diff.binary", Tier.LOW)


def test_cli_json_on_the_demo_diff(approve_cmd: list[str]) -> None:
    result = subprocess.run(
        [*approve_cmd, "check", "--json", str(FIXTURES / "terraform_protections.diff")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["format"] == "diff" and report["tier"] == "critical"
    rules_found = {(f["line"], f["rule"]) for f in report["findings"]}
    assert {(10, "protect.deletion-protection"), (18, "protect.prevent-destroy")} <= rules_found
    assert all(f["why"] and f["resources"] for f in report["findings"])
