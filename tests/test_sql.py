"""The SQL analyzer: each destructive kind, WHERE clauses, comments and strings, line numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from approve.analyze import analyze
from approve.analyze.rules import RuleSet, default_rules
from approve.analyze.sql import KINDS, analyze_sql, sql_findings
from approve.model import Tier

FIXTURES = Path(__file__).parent / "fixtures" / "sql"


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return default_rules()


def only(sql: str, rules: RuleSet) -> tuple[str, Tier, tuple[str, ...]]:
    findings = sql_findings(sql, 1, rules)
    assert len(findings) == 1, findings
    return findings[0].rule, findings[0].severity, findings[0].resources


@pytest.mark.parametrize(
    ("sql", "rule", "severity", "resources"),
    [
        ("DROP DATABASE shop;", "sql.drop-database", Tier.CRITICAL, ("shop",)),
        ("DROP SCHEMA billing CASCADE;", "sql.drop-schema", Tier.CRITICAL, ("billing",)),
        ("DROP TABLE IF EXISTS public.users;", "sql.drop-table", Tier.CRITICAL, ("public.users",)),
        ('DROP TABLE "Sales"."Orders";', "sql.drop-table", Tier.CRITICAL, ("Sales.Orders",)),
        ("DROP VIEW active_users;", "sql.drop-view", Tier.LOW, ("active_users",)),
        ("DROP INDEX idx_users_email;", "sql.drop-index", Tier.LOW, ("idx_users_email",)),
        ("TRUNCATE orders;", "sql.truncate", Tier.CRITICAL, ("orders",)),
        ("DELETE FROM users;", "sql.delete-without-where", Tier.CRITICAL, ("users",)),
        ("DELETE FROM users WHERE 1=1;", "sql.delete-where-true", Tier.CRITICAL, ("users",)),
        ("DELETE FROM users WHERE true;", "sql.delete-where-true", Tier.CRITICAL, ("users",)),
        (
            "DELETE FROM users WHERE id = 5 OR 1 = 1;",
            "sql.delete-where-true",
            Tier.CRITICAL,
            ("users",),
        ),
        ("UPDATE users SET admin = true;", "sql.update-without-where", Tier.CRITICAL, ("users",)),
        (
            "ALTER TABLE app.users DROP COLUMN email;",
            "sql.alter-drop-column",
            Tier.CRITICAL,
            ("app.users.email",),
        ),
        (
            "ALTER TABLE users DROP CONSTRAINT users_email_key;",
            "sql.alter-drop-constraint",
            Tier.LOW,
            ("users",),
        ),
        ("GRANT ALL ON payroll TO intern;", "sql.grant", Tier.HIGH, ("payroll",)),
        ("REVOKE SELECT ON reports FROM app;", "sql.revoke", Tier.HIGH, ("reports",)),
        ("DROP ROLE reporting;", "sql.drop-role", Tier.HIGH, ("reporting",)),
        ("CREATE OR REPLACE TABLE t AS SELECT 1;", "sql.replace-table", Tier.CRITICAL, ("t",)),
        # MySQL and T-SQL spellings
        ("DELETE FROM `shop`.`users`;", "sql.delete-without-where", Tier.CRITICAL, ("shop.users",)),
        ("DROP TABLE [dbo].[users]\nGO", "sql.drop-table", Tier.CRITICAL, ("dbo.users",)),
    ],
)
def test_each_kind(
    rules: RuleSet, sql: str, rule: str, severity: Tier, resources: tuple[str, ...]
) -> None:
    assert only(sql, rules) == (rule, severity, resources)


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM sessions WHERE expires_at < now();",
        "UPDATE users SET admin = false WHERE id = 7;",
        "SELECT * FROM users;",
        "INSERT INTO t (a) VALUES ('DROP TABLE users; DELETE FROM x');",
        "-- DROP TABLE users;\nSELECT 1;",
        "/* TRUNCATE orders; */ SELECT 1;",
        "# DROP DATABASE shop\nSELECT `a` FROM t;",  # a MySQL comment
        "CREATE TABLE t (id int); ALTER TABLE t ADD COLUMN note text;",
        "BEGIN; SET search_path = app; COMMIT;",
        "SHOW TABLES;",
        "EXPLAIN SELECT * FROM users;",
    ],
)
def test_harmless_sql_has_no_findings(rules: RuleSet, sql: str) -> None:
    assert sql_findings(sql, 1, rules) == []


def test_every_kind_has_a_rule_and_every_rule_a_kind(rules: RuleSet) -> None:
    kinds = {rule.sql for rule in rules.sql_rules}
    assert kinds == set(KINDS)


def test_statements_point_at_their_first_line(rules: RuleSet) -> None:
    sql = "SELECT 1;\n\n-- comment\nDELETE\n  FROM users;\nDROP TABLE a; DROP TABLE b;\n"
    found = [(f.line, f.end_line, f.resources) for f in sql_findings(sql, 1, rules)]
    assert found == [(4, 5, ("users",)), (6, 6, ("a",)), (6, 6, ("b",))]


def test_line_offset_and_via_for_the_shell_analyzer(rules: RuleSet) -> None:
    [finding] = sql_findings("SELECT 1;\nTRUNCATE logs;", 10, rules, via=("psql -c",))
    assert finding.line == 11
    assert "psql -c" in finding.why


def test_unparseable_statement_is_high_and_the_rest_still_counts(rules: RuleSet) -> None:
    findings = sql_findings("SELECT 1;\nDROPP TABLEE users;\nDROP TABLE t;", 1, rules)
    assert [(f.rule, f.line, f.severity) for f in findings] == [
        ("sql.unparsed", 2, Tier.HIGH),
        ("sql.drop-table", 3, Tier.CRITICAL),
    ]
    assert "could not parse" in findings[0].why


def test_bare_words_are_not_a_statement(rules: RuleSet) -> None:
    # sqlglot alone would read this as a column with an alias.
    [finding] = sql_findings("SELEKT users;", 1, rules)
    assert finding.rule == "sql.unparsed"


def test_unterminated_string_is_high(rules: RuleSet) -> None:
    [finding] = sql_findings("DELETE FROM t WHERE name = 'oops;\n", 1, rules)
    assert (finding.rule, finding.severity) == ("sql.unparsed", Tier.HIGH)


def test_statements_run_by_other_statements_are_read(rules: RuleSet) -> None:
    sql = "DO $$ BEGIN\n  DROP TABLE x;\nEND $$;\nEXPLAIN ANALYZE DELETE FROM y;"
    found = [(f.rule, f.line) for f in sql_findings(sql, 1, rules)]
    assert found == [("sql.drop-table", 2), ("sql.delete-without-where", 4)]


def test_opaque_commands_fail_closed(rules: RuleSet) -> None:
    # sqlglot keeps CALL only as an opaque command: what the procedure does is unknown here.
    [call] = sql_findings("CALL purge_everything();", 1, rules)
    assert (call.rule, call.severity) == ("sql.unparsed", Tier.HIGH)
    [shell_escape] = sql_findings("\\! rm -rf /\nSELECT 1;", 1, rules)
    assert (shell_escape.rule, shell_escape.line) == ("sql.unparsed", 1)


def test_fixture_migration_end_to_end() -> None:
    text = (FIXTURES / "migration_destructive.sql").read_text()
    assessment = analyze(text)
    assert assessment.format == "sql"
    assert assessment.tier == Tier.CRITICAL
    found = [(f.line, f.rule) for f in assessment.findings]
    assert found == [
        (6, "sql.drop-table"),
        (7, "sql.truncate"),
        (8, "sql.delete-without-where"),
        (9, "sql.update-without-where"),
        (11, "sql.alter-drop-column"),
        (12, "sql.delete-where-true"),
    ]
    assert assessment.counts["destroy"] == 5
    assert assessment.counts["update"] == 1


def test_fixture_safe_changes_end_to_end() -> None:
    assessment = analyze((FIXTURES / "safe_changes.sql").read_text())
    assert (assessment.format, assessment.tier, assessment.findings) == ("sql", Tier.SAFE, ())


def test_fixture_unparseable_end_to_end(rules: RuleSet) -> None:
    partial = analyze_sql((FIXTURES / "unparseable.sql").read_text(), rules)
    assert [(f.rule, f.line) for f in partial.findings] == [("sql.unparsed", 2)]


def test_pg_dump_copy_data_is_not_sql(rules: RuleSet) -> None:
    dump = (
        "SET statement_timeout = 0;\n"
        "COPY public.notes (id, body) FROM stdin;\n"
        "1\tdrop table users; delete from x\n"
        "\\.\n"
        "DROP TABLE old_notes;\n"
    )
    assert [(f.line, f.rule) for f in sql_findings(dump, 1, rules)] == [(5, "sql.drop-table")]


def test_dollar_quoted_function_body_is_a_definition_not_a_run(rules: RuleSet) -> None:
    sql = (
        "SELECT a[1] FROM t;\nCREATE FUNCTION f() RETURNS void AS $$ DELETE FROM t $$ LANGUAGE sql;"
    )
    assert sql_findings(sql, 1, rules) == []
