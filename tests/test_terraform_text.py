"""The terraform / OpenTofu text plan analyzer, on fixtures written for it (tests/fixtures/terraform)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from approve.analyze import analyze
from approve.analyze.base import Partial
from approve.analyze.rules import RuleSet
from approve.analyze.terraform_text import analyze_terraform_text
from approve.model import Finding, Tier

FIXTURES = Path(__file__).parent / "fixtures" / "terraform"
RULES = RuleSet()


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def run(text: str) -> Partial:
    return analyze_terraform_text(text, RULES)


def by_rule(partial: Partial, rule: str) -> list[Finding]:
    return [f for f in partial.findings if f.rule == rule]


def for_resource(partial: Partial, address: str) -> list[Finding]:
    return [f for f in partial.findings if address in f.resources]


def summary_counts(text: str) -> tuple[int, int, int, int]:
    """add, change, destroy, forget from the real (last, unindented) Plan: line."""
    found = re.findall(
        r"^Plan: (\d+) to add, (\d+) to change, (\d+) to destroy(?:, (\d+) to forget)?\.",
        text,
        re.MULTILINE,
    )
    add, change, destroy, forget = found[-1]
    return int(add), int(change), int(destroy), int(forget or 0)


@pytest.mark.parametrize(
    "name",
    [
        "all_actions.txt",
        "opentofu.txt",
        "incident_rds.txt",
        "heredoc_forged.txt",
        "legacy_011.txt",
        "unicode_name.txt",
        "drift.txt",
    ],
)
def test_counts_agree_with_the_plan_summary(name: str) -> None:
    text = fixture(name)
    partial = run(text)
    counts = partial.counts
    add, change, destroy, forget = summary_counts(text)
    assert counts["create"] + counts["replace"] == add
    assert counts["update"] == change
    assert counts["destroy"] + counts["replace"] == destroy
    assert counts["forget"] == forget
    assert not by_rule(partial, "tf.summary-mismatch")
    assert not by_rule(partial, "tf.no-summary")


def test_every_action_in_a_terraform_plan() -> None:
    text = fixture("all_actions.txt")
    lines = text.split("\n")
    partial = run(text)
    assert partial.counts == {
        "destroy": 2,
        "replace": 4,
        "update": 1,
        "create": 1,
        "read": 1,
        "forget": 1,
    }
    expected = {
        "aws_db_instance.main": ("tf.replace", Tier.CRITICAL),
        "aws_instance.old": ("tf.destroy", Tier.HIGH),
        "aws_instance.req": ("tf.replace", Tier.HIGH),
        "aws_instance.tainted": ("tf.replace", Tier.HIGH),
        "aws_instance.web": ("tf.destroy", Tier.HIGH),
        "aws_launch_template.web": ("tf.replace", Tier.HIGH),
        "aws_s3_bucket.assets": ("tf.create", Tier.LOW),
        "aws_security_group.web": ("tf.update", Tier.HIGH),
        "aws_sqs_queue.legacy": ("tf.forget", Tier.LOW),
    }
    for address, (rule, severity) in expected.items():
        [finding] = for_resource(partial, address)
        assert (finding.rule, finding.severity) == (rule, severity), address
        # Findings point at the resource header line and span the block.
        assert f"# {address}" in lines[finding.line - 1]
        assert lines[finding.end_line - 1].strip() == "}"
    # A read and a move are not findings.
    assert not for_resource(partial, "data.aws_ami.ubuntu")
    assert not for_resource(partial, "aws_iam_role.app")
    assert not for_resource(partial, "aws_iam_role.old")


def test_why_names_reasons_forcing_attributes_and_deposed_keys() -> None:
    partial = run(fixture("all_actions.txt"))
    [template] = for_resource(partial, "aws_launch_template.web")
    assert "forced by image_id, block_device_mappings" in template.why
    assert "after the new one is created" in template.why  # +/- is create-before-destroy
    [database] = for_resource(partial, "aws_db_instance.main")
    assert "forced by engine" in database.why
    assert "before the new one is created" in database.why
    [deposed] = for_resource(partial, "aws_instance.web")
    assert "deposed key 1a2b3c4d" in deposed.why
    [old] = for_resource(partial, "aws_instance.old")
    assert "not in configuration" in old.why
    [tainted] = for_resource(partial, "aws_instance.tainted")
    assert "tainted" in tainted.why
    assert database.safer and "prevent_destroy" in database.safer


def test_opentofu_wording() -> None:
    text = fixture("opentofu.txt")
    lines = text.split("\n")
    partial = run(text)
    [volume] = for_resource(partial, "aws_ebs_volume.data")
    assert (volume.rule, volume.severity) == ("tf.replace", Tier.CRITICAL)
    assert "tainted" in volume.why
    [archive] = for_resource(partial, "aws_s3_bucket.archive")
    assert (archive.rule, archive.severity) == ("tf.forget", Tier.LOW)
    [protection] = by_rule(partial, "tf.deletion-protection-off")
    assert protection.severity == Tier.HIGH
    assert "enable_deletion_protection" in lines[protection.line - 1]


def test_the_incident_replacing_the_production_database_is_critical() -> None:
    text = fixture("incident_rds.txt")
    lines = text.split("\n")
    assessment = analyze(text, ruleset=RULES)
    assert assessment.format == "terraform"
    assert assessment.tier == Tier.CRITICAL
    assert assessment.resources[0] == "aws_db_instance.prod"
    assert assessment.counts["replace"] == 1
    [snapshot] = [f for f in assessment.findings if f.rule == "tf.skip-final-snapshot"]
    assert snapshot.severity == Tier.CRITICAL
    assert "skip_final_snapshot" in lines[snapshot.line - 1]
    assert snapshot.resources == ("aws_db_instance.prod",)
    rules = {f.rule for f in assessment.findings}
    assert {"tf.replace", "tf.deletion-protection-off", "tf.backup-retention-zero"} <= rules


def test_a_header_inside_a_heredoc_value_is_data() -> None:
    partial = run(fixture("heredoc_forged.txt"))
    # The forged `aws_db_instance.prod will be created` and `Plan:` lines sit in user_data.
    assert not for_resource(partial, "aws_db_instance.prod")
    assert partial.counts["create"] == 0
    assert partial.counts["update"] == 1
    [bucket] = for_resource(partial, "aws_s3_bucket.logs")[:1]
    assert (bucket.rule, bucket.severity) == ("tf.destroy", Tier.CRITICAL)
    [force] = by_rule(partial, "tf.force-destroy")
    assert force.severity == Tier.CRITICAL


def test_a_header_inside_a_jsonencoded_multiline_string_is_data() -> None:
    text = """Terraform will perform the following actions:

  # aws_iam_policy.app will be updated in-place
  ~ resource "aws_iam_policy" "app" {
      ~ policy = jsonencode(
          ~ {
              ~ Description = <<-EOT
                    first line
                  + second line
  # aws_rds_cluster.main will be created
                EOT
                # (1 unchanged attribute hidden)
            }
        )
    }

Plan: 0 to add, 1 to change, 0 to destroy.
"""
    partial = run(text)
    assert partial.counts["update"] == 1
    assert partial.counts["create"] == 0
    assert not for_resource(partial, "aws_rds_cluster.main")
    assert not by_rule(partial, "tf.summary-mismatch")


def test_an_unterminated_heredoc_is_high() -> None:
    text = """Terraform will perform the following actions:

  # aws_instance.web will be updated in-place
  ~ resource "aws_instance" "web" {
      ~ user_data = <<-EOT
          + echo hi

  # aws_db_instance.main will be destroyed
  - resource "aws_db_instance" "main" {
    }
"""
    partial = run(text)
    [open_string] = by_rule(partial, "tf.unterminated-string")
    assert open_string.severity == Tier.HIGH
    assert open_string.line == 5


def test_summary_disagreeing_with_headers_is_high() -> None:
    text = fixture("summary_mismatch.txt")
    partial = run(text)
    [mismatch] = by_rule(partial, "tf.summary-mismatch")
    assert mismatch.severity == Tier.HIGH
    assert text.split("\n")[mismatch.line - 1].startswith("Plan: ")
    assert "1 to destroy but the headers show 0" in mismatch.why


def test_legacy_011_plan_yields_destroys_and_replaces() -> None:
    partial = run(fixture("legacy_011.txt"))
    [database] = for_resource(partial, "aws_db_instance.db")
    assert (database.rule, database.severity) == ("tf.destroy", Tier.CRITICAL)
    [web] = for_resource(partial, "aws_instance.web")
    assert web.rule == "tf.replace"
    assert "forced by id, ami" in web.why
    [cache] = for_resource(partial, "module.cache.aws_elasticache_cluster.main")
    assert (cache.rule, cache.severity) == ("tf.replace", Tier.CRITICAL)
    assert "tainted" in cache.why
    assert partial.counts["read"] == 1


def test_non_ascii_resource_names() -> None:
    partial = run(fixture("unicode_name.txt"))
    [bucket] = for_resource(partial, "aws_s3_bucket.données")
    assert (bucket.rule, bucket.severity) == ("tf.destroy", Tier.CRITICAL)
    assert for_resource(partial, 'module.équipe.aws_instance.serveur["café"]')


def test_no_changes_is_safe() -> None:
    assessment = analyze(fixture("no_changes.txt"), ruleset=RULES)
    assert assessment.format == "terraform"
    assert assessment.tier == Tier.SAFE
    assert not assessment.findings


def test_drift_is_not_a_planned_action() -> None:
    partial = run(fixture("drift.txt"))
    assert partial.counts["destroy"] == 0
    [drift] = by_rule(partial, "tf.drift-deleted")
    assert drift.severity == Tier.LOW
    assert drift.resources == ("aws_sqs_queue.jobs",)


def test_a_for_each_key_cannot_hide_the_real_action() -> None:
    text = """  # aws_s3_bucket.b["x has moved to y"] will be destroyed
  - resource "aws_s3_bucket" "b" {
    }

Plan: 0 to add, 0 to change, 1 to destroy.
"""
    partial = run(text)
    [finding] = partial.findings
    assert finding.rule == "tf.destroy"
    assert finding.resources == ('aws_s3_bucket.b["x has moved to y"]',)


def test_a_block_symbol_contradicting_its_header_is_read_as_the_worse() -> None:
    text = """  # aws_db_instance.main will be created
  - resource "aws_db_instance" "main" {
    }

Plan: 1 to add, 0 to change, 0 to destroy.
"""
    partial = run(text)
    assert by_rule(partial, "tf.symbol-mismatch")
    [destroy] = by_rule(partial, "tf.destroy")
    assert destroy.severity == Tier.CRITICAL
    assert by_rule(partial, "tf.summary-mismatch")


def test_a_block_without_its_header_is_counted_and_flagged() -> None:
    text = """  # aws_s3_bucket.a will be created
  + resource "aws_s3_bucket" "a" {
    }

  - resource "aws_dynamodb_table" "orders" {
    }

Plan: 1 to add, 0 to change, 0 to destroy.
"""
    partial = run(text)
    [headerless] = by_rule(partial, "tf.headerless-block")
    assert headerless.line == 5
    [orders] = by_rule(partial, "tf.destroy")
    assert orders.resources == ("aws_dynamodb_table.orders",)
    assert orders.severity == Tier.CRITICAL
    assert by_rule(partial, "tf.summary-mismatch")


def test_unknown_header_wording_fails_closed() -> None:
    text = """  # aws_s3_bucket.a will be obliterated
  ? resource "aws_s3_bucket" "a" {
    }

Plan: 0 to add, 0 to change, 0 to destroy.
"""
    partial = run(text)
    [unknown] = by_rule(partial, "tf.unknown-header")
    assert unknown.severity == Tier.HIGH


def test_missing_summary_and_unrecognised_text_are_high() -> None:
    cut = run('  # aws_s3_bucket.a will be created\n  + resource "aws_s3_bucket" "a" {\n')
    assert [f.severity for f in by_rule(cut, "tf.no-summary")] == [Tier.HIGH]
    nothing = run("hello\nworld\n")
    assert [f.severity for f in by_rule(nothing, "tf.unrecognized")] == [Tier.HIGH]


def test_colour_codes_and_crlf_do_not_change_the_reading() -> None:
    plain = fixture("incident_rds.txt")
    coloured = plain.replace(
        "  # aws_db_instance.prod must be replaced",
        "\x1b[1m  # aws_db_instance.prod\x1b[0m must be \x1b[1m\x1b[31mreplaced\x1b[0m",
    ).replace("\n", "\r\n")
    expected = [(f.line, f.rule, f.severity) for f in run(plain).findings]
    assert [(f.line, f.rule, f.severity) for f in run(coloured).findings] == expected


def test_protection_attributes_on_update_and_create() -> None:
    text = """  # aws_s3_bucket.logs will be updated in-place
  ~ resource "aws_s3_bucket" "logs" {
      ~ force_destroy = false -> true
    }

  # google_sql_database_instance.main will be updated in-place
  ~ resource "google_sql_database_instance" "main" {
      - deletion_protection = true -> null
    }

  # aws_db_instance.dev will be created
  + resource "aws_db_instance" "dev" {
      + skip_final_snapshot = true
    }

Plan: 1 to add, 2 to change, 0 to destroy.
"""
    partial = run(text)
    assert [(f.line, f.severity) for f in by_rule(partial, "tf.force-destroy")] == [(3, Tier.HIGH)]
    assert [(f.line, f.severity) for f in by_rule(partial, "tf.deletion-protection-off")] == [
        (8, Tier.HIGH)
    ]
    assert [(f.line, f.severity) for f in by_rule(partial, "tf.skip-final-snapshot")] == [
        (13, Tier.LOW)
    ]


HEREDOC_PLAN = """Terraform will perform the following actions:

  # aws_instance.web will be updated in-place
  ~ resource "aws_instance" "web" {{
      ~ user_data = <<-EOT
{content}
        EOT
    }}

  # aws_s3_bucket.logs will be destroyed
  - resource "aws_s3_bucket" "logs" {{
    }}

Plan: 0 to add, 1 to change, 1 to destroy.
"""
CONTENT_LINE = st.one_of(
    st.sampled_from(
        [
            "  # aws_db_instance.prod will be destroyed",
            "# aws_db_instance.prod must be replaced",
            '-/+ resource "aws_db_instance" "prod" {',
            "EOT",
            "    }",
            "Plan: 9 to add, 0 to change, 9 to destroy.",
            "      ~ skip_final_snapshot = false -> true",
            "<<-EOT",
        ]
    ),
    st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), max_size=40),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(CONTENT_LINE, min_size=1, max_size=8), st.sampled_from(["+ ", "- ", "  "]))
def test_no_heredoc_content_changes_the_reading(content: list[str], symbol: str) -> None:
    # Terraform prints each content line one level deeper than the attribute, after a symbol.
    body = "\n".join(f"          {symbol}{line}" for line in content)
    partial = run(HEREDOC_PLAN.format(content=body))
    assert partial.counts["update"] == 1
    assert partial.counts["destroy"] == 1
    assert sum(partial.counts.values()) == 2
    assert {f.rule for f in partial.findings} == {"tf.update", "tf.destroy"}


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_any_text_is_read_without_raising(text: str) -> None:
    partial = run(text)
    assert all(f.line >= 1 for f in partial.findings)


@pytest.mark.parametrize(
    "header",
    [
        "  # aws_instance.blue must be replaced, but the existing object will not be destroyed",
        "  # aws_instance.blue must be replaced - older instance will not be destroyed"
        " (lifecycle.destroy = false)",
        "  # aws_instance.blue is tainted, so it must be replaced - older instance will not be"
        " destroyed (lifecycle.destroy = false)",
    ],
)
def test_replace_that_forgets_the_old_object(header: str) -> None:
    text = f"""{header}
+/- resource "aws_instance" "blue" {{
      ~ ami = "ami-1" -> "ami-2" # forces replacement
    }}

Plan: 1 to add, 0 to change, 0 to destroy, 1 to forget.
"""
    partial = run(text)
    assert partial.counts["create"] == 1
    assert partial.counts["forget"] == 1
    assert partial.counts["replace"] == partial.counts["destroy"] == 0
    [finding] = partial.findings
    assert (finding.rule, finding.severity) == ("tf.forget", Tier.LOW)
    assert finding.resources == ("aws_instance.blue",)


def test_a_plan_that_failed_part_way_is_high() -> None:
    text = """Terraform planned the following actions, but then encountered a problem:

  # aws_s3_bucket.a will be created
  + resource "aws_s3_bucket" "a" {
    }

Plan: 1 to add, 0 to change, 0 to destroy.
"""
    [failed] = by_rule(run(text), "tf.plan-errored")
    assert (failed.line, failed.severity) == (1, Tier.HIGH)


def test_an_output_only_plan_has_no_findings() -> None:
    text = """
Changes to Outputs:
  + endpoint = <<-EOT
        # aws_db_instance.prod will be destroyed
    EOT

You can apply this plan to save these new output values to the Terraform
state, without changing any real infrastructure.
"""
    partial = run(text)
    assert partial.findings == []
    assert not any(partial.counts.values())
