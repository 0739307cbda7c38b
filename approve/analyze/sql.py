"""SQL: find the statements that destroy data or change who may touch it, with sqlglot.

A parser rather than regexes, because the same words are harmless as data: `-- DROP TABLE x` is a
comment and `INSERT ... VALUES ('drop table')` a string, and `DELETE FROM t WHERE id = 1` differs
from `DELETE FROM t` only by what follows. sqlglot's tokenizer splits the input into statements
(so each finding points at the line its statement starts on), then each statement is parsed with
the likeliest dialect first and the others after it. What no dialect can parse, and what sqlglot
only keeps as an opaque command, is a `high` finding: a human must read it.

Each statement is sorted into a *kind*; the rules in `packs/sql.yaml` (`match: {sql: KIND}`) say
how bad each kind is, why, and what to do instead. The kinds:

    drop_database drop_schema drop_table drop_view drop_index drop_role drop_other
    truncate delete_without_where delete_where_true update_without_where update_where_true
    alter_drop_column alter_drop_constraint alter_drop_partition replace_table grant revoke

sqlglot costs ~150 ms to import, so only this module imports it, and only analyze() imports this
module when the input is SQL (or the shell analyzer finds `psql -c`, `mysql -e` and the like).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, SqlglotError
from sqlglot.tokenizer_core import Token, TokenType

from approve.analyze.base import Partial
from approve.analyze.rules import RuleSet
from approve.model import Finding, Tier

KINDS = (
    "drop_database",
    "drop_schema",
    "drop_table",
    "drop_view",
    "drop_index",
    "drop_role",
    "drop_other",
    "truncate",
    "delete_without_where",
    "delete_where_true",
    "update_without_where",
    "update_where_true",
    "alter_drop_column",
    "alter_drop_constraint",
    "alter_drop_partition",
    "replace_table",
    "grant",
    "revoke",
)
# Kinds that remove rows or whole objects: counted as destroys in the summary.
_DESTROYS = {
    "drop_database",
    "drop_schema",
    "drop_table",
    "truncate",
    "delete_without_where",
    "delete_where_true",
    "alter_drop_column",
    "alter_drop_partition",
    "replace_table",
}
_DIALECTS: tuple[str, ...] = ("postgres", "mysql", "tsql", "sqlite", "snowflake", "bigquery", "")
# Statements sqlglot keeps as an opaque Command but which cannot destroy anything.
_HARMLESS_COMMANDS = {
    "ANALYZE",
    "BEGIN",
    "CHECKPOINT",
    "CLOSE",
    "COMMENT",
    "COMMIT",
    "DEALLOCATE",
    "DESCRIBE",
    "DISCARD",
    "END",
    "EXPLAIN",
    "FETCH",
    "LISTEN",
    "NOTIFY",
    "REFRESH",
    "REINDEX",
    "RELEASE",
    "RESET",
    "ROLLBACK",
    "SAVEPOINT",
    "SET",
    "SHOW",
    "START",
    "USE",
    "VACUUM",
}
_UNPARSED_WHY = "could not parse: a human must read it"
_GO_LINE = re.compile(r"^[ \t]*GO[ \t]*;?[ \t]*$", re.IGNORECASE | re.MULTILINE)
# pg_dump's `COPY t FROM stdin;` is followed by rows of data up to a `\.` line: data, not SQL.
_COPY_DATA = re.compile(r"(?ims)^[ \t]*COPY\b[^;]*\bFROM\s+stdin\b[^;]*;[^\n]*\n(.*?)^\\\.[ \t]*$")
_META_LINE = re.compile(r"^[ \t]*\\.*$", re.MULTILINE)  # psql meta-commands: \c, \dt, \!


@dataclass(frozen=True, slots=True)
class _Hit:
    """One destructive thing found in a statement."""

    kind: str
    resources: tuple[str, ...]
    detail: str = ""


def _choose_dialect(sql: str) -> str:
    """The dialect whose tokenizer most likely reads this text as its author meant."""
    if "$$" in sql:  # a dollar-quoted body: only postgres reads it as one string
        return "postgres"
    if "`" in sql or re.search(r"^[ \t]*#", sql, re.MULTILINE):
        return "mysql"
    if _GO_LINE.search(sql) or re.search(r"\[\w+\]", sql):
        return "tsql"
    return "postgres"


def _tokenize(sql: str, dialect: str) -> list[Token] | None:
    try:
        return list(sqlglot.Dialect.get_or_raise(dialect or None).tokenize(sql))
    except (SqlglotError, RecursionError, ValueError):
        return None


def _statements(sql: str, tokens: list[Token]) -> Iterator[tuple[int, int, list[Token]]]:
    """(start offset, end offset, tokens) of each statement, split at semicolons."""
    current: list[Token] = []
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            if current:
                yield current[0].start, current[-1].end + 1, current
            current = []
        else:
            current.append(token)
    if current:
        yield current[0].start, current[-1].end + 1, current


def _parse(text: str, first: str) -> list[exp.Expr] | None:
    """The statement's expressions in the first dialect that parses it, or None."""
    fallback: list[exp.Expr] | None = None
    for dialect in (first, *(d for d in _DIALECTS if d != first)):
        try:
            parsed = sqlglot.parse(text, read=dialect or None, error_level=ErrorLevel.RAISE)
        except SqlglotError:
            continue
        except Exception:  # sqlglot can fail inside a dialect's own code on odd input
            continue
        expressions = [e for e in parsed if e is not None]
        if not any(isinstance(e, exp.Command) for e in expressions):
            return expressions
        fallback = fallback or expressions
    return fallback


def _name(node: exp.Expr | None) -> str:
    """A table or column name as the user would type it, schema-qualified, without quotes."""
    if node is None:
        return "?"
    if isinstance(node, (exp.Table, exp.Column)):
        parts = [part.name for part in node.parts if part.name]
        if parts:
            return ".".join(parts)
    return node.sql()


def _always_true(node: exp.Expr | None) -> bool:
    """WHERE 1=1, WHERE true, WHERE x = x, ... OR 1=1: a WHERE that filters nothing."""
    if node is None:
        return False
    if isinstance(node, exp.Paren):
        return _always_true(node.this)
    if isinstance(node, exp.Boolean):
        return bool(node.this)
    if isinstance(node, exp.Literal) and not node.is_string:
        try:
            return float(node.this) != 0
        except ValueError:
            return False
    if isinstance(node, (exp.EQ, exp.GTE, exp.LTE)):
        left, right = node.left, node.right
        return left.sql() == right.sql() and not isinstance(left, exp.Null)
    if isinstance(node, exp.Or):
        return _always_true(node.left) or _always_true(node.right)
    if isinstance(node, exp.And):
        return _always_true(node.left) and _always_true(node.right)
    return False


_DROP_KINDS = {
    "DATABASE": "drop_database",
    "SCHEMA": "drop_schema",
    "TABLE": "drop_table",
    "VIEW": "drop_view",
    "INDEX": "drop_index",
    "ROLE": "drop_role",
    "USER": "drop_role",
}
# What a statement may be at its top level; anything else (sqlglot reads `SELEKT x` as a bare
# column alias) is not a statement we understand.
_STATEMENTS: tuple[type[exp.Expr], ...] = (
    exp.Query,
    exp.DML,
    exp.DDL,
    exp.Alter,
    exp.Drop,
    exp.TruncateTable,
    exp.Transaction,
    exp.Commit,
    exp.Rollback,
    exp.Set,
    exp.Use,
    exp.Grant,
    exp.Revoke,
    exp.Describe,
    exp.Show,
    exp.Pragma,
    exp.Comment,
    exp.Analyze,
    exp.Refresh,
    exp.Cache,
    exp.Uncache,
)
_PLPGSQL_BLOCK = re.compile(r"^.*?\bBEGIN\b(.*)\bEND\b\s*;?\s*$", re.IGNORECASE | re.DOTALL)
# `EXPLAIN ANALYZE stmt` runs stmt; `DO $$ body $$` runs body: both are read again inside.
_EXPLAIN_ANALYZE = re.compile(
    r"^\s*EXPLAIN\s+(?:\([^)]*\banalyze\b[^)]*\)|(?:ANALYZE|ANALYSE)\b(?:\s+VERBOSE\b)?)\s*",
    re.IGNORECASE,
)
_DO_BODY = re.compile(r"^\s*DO\s+(?:LANGUAGE\s+\w+\s+)?(\$\w*\$)(.*)\1", re.IGNORECASE | re.DOTALL)


def _classify(node: exp.Expr) -> Iterator[_Hit]:
    """Every destructive thing anywhere in one parsed statement (CTEs and subqueries too)."""
    for sub in node.walk():
        if isinstance(sub, exp.Drop):
            names = tuple(_name(t) for t in sub.args.get("tables") or ())
            kind = str(sub.args.get("kind") or "").upper()
            parent = sub.parent
            if isinstance(parent, exp.Alter):
                table = _name(parent.this)
                if kind == "COLUMN":
                    yield _Hit("alter_drop_column", tuple(f"{table}.{n}" for n in names))
                elif kind == "CONSTRAINT":
                    yield _Hit("alter_drop_constraint", (table,), f" ({', '.join(names)})")
                else:
                    yield _Hit("alter_drop_column", (table,), f" (DROP {kind or '?'})")
            else:
                detail = " with CASCADE" if sub.args.get("cascade") else ""
                yield _Hit(_DROP_KINDS.get(kind, "drop_other"), names, detail)
        elif isinstance(sub, exp.DropPartition):
            parent = sub.parent
            table = _name(parent.this) if isinstance(parent, exp.Alter) else "?"
            yield _Hit("alter_drop_partition", (table,))
        elif isinstance(sub, exp.TruncateTable):
            names = tuple(_name(t) for t in sub.expressions)
            yield _Hit("drop_database" if sub.args.get("is_database") else "truncate", names)
        elif isinstance(sub, (exp.Delete, exp.Update)):
            verb = "delete" if isinstance(sub, exp.Delete) else "update"
            where = sub.args.get("where")
            names = (_name(sub.this),)
            if where is None:
                yield _Hit(f"{verb}_without_where", names)
            elif _always_true(where.this):
                yield _Hit(f"{verb}_where_true", names, f" ({where.sql()})")
        elif isinstance(sub, exp.Create) and sub.args.get("replace"):
            if str(sub.args.get("kind") or "").upper() == "TABLE":
                target = sub.this
                if isinstance(target, exp.Schema):
                    target = target.this
                yield _Hit("replace_table", (_name(target),))
        elif isinstance(sub, exp.Grant):
            yield _Hit("grant", (_name(sub.args.get("securable")),))
        elif isinstance(sub, exp.Revoke):
            yield _Hit("revoke", (_name(sub.args.get("securable")),))


_COMMAND_PATTERNS = (
    (re.compile(r"^DROP (?:ROLE|USER|GROUP|OWNED)\b"), "drop_role"),
    (re.compile(r"^DROP (?:DATABASE|SCHEMA)\b"), "drop_database"),
    (re.compile(r"^DROP (?:TEMPORARY )?TABLE\b"), "drop_table"),
    (re.compile(r"^DROP\b"), "drop_other"),
    (re.compile(r"^TRUNCATE\b"), "truncate"),
    (re.compile(r"^ALTER .*\bDROP (?:COLUMN )?PARTITION\b"), "alter_drop_partition"),
    (
        re.compile(r"^ALTER .*\bDROP (?:CONSTRAINT|FOREIGN KEY|PRIMARY KEY|CHECK)\b"),
        "alter_drop_constraint",
    ),
    (
        re.compile(r"^ALTER .*\bDROP (?!DEFAULT|NOT|INDEX|KEY|IDENTITY|EXPRESSION)\w"),
        "alter_drop_column",
    ),
    (re.compile(r"^GRANT\b"), "grant"),
    (re.compile(r"^REVOKE\b"), "revoke"),
)


def _classify_command(tokens: list[Token]) -> _Hit | None:
    """A statement sqlglot keeps opaque: judge its words (strings and comments left out)."""
    words = " ".join("'?'" if t.token_type == TokenType.STRING else t.text.upper() for t in tokens)
    for pattern, kind in _COMMAND_PATTERNS:
        if pattern.search(words):
            return _Hit(kind, (), "")
    first = words.split(" ", 1)[0]
    if first in _HARMLESS_COMMANDS:
        return None
    return _Hit("unparsed", (), f": sqlglot reads `{first}` only as an opaque command")


def _blank(text: str) -> str:
    """Text replaced by spaces, keeping its newlines so line numbers stay right."""
    return re.sub(r"[^\n]", " ", text)


def _line_at(sql: str, offset: int, base: int) -> int:
    return base + sql.count("\n", 0, offset)


def _finding(
    hit: _Hit, line: int, end_line: int, ruleset: RuleSet, via: tuple[str, ...]
) -> Finding:
    suffix = f" [reached through {' -> '.join(via)}]" if via else ""
    if hit.kind == "unparsed":
        return Finding(
            line=line,
            end_line=end_line,
            severity=Tier.HIGH,
            rule="sql.unparsed",
            why=f"{_UNPARSED_WHY}{hit.detail}{suffix}",
            resources=hit.resources,
        )
    for rule in ruleset.sql_rules:
        if rule.sql == hit.kind:
            return Finding(
                line=line,
                end_line=end_line,
                severity=rule.severity,
                rule=rule.id,
                why=f"{rule.why}{hit.detail}{suffix}",
                resources=hit.resources,
                safer=rule.safer,
                action="destroy" if hit.kind in _DESTROYS else "update",
            )
    # Every kind has a rule in packs/sql.yaml; if one went missing, still fail closed.
    return Finding(
        line=line,
        end_line=end_line,
        severity=Tier.HIGH,
        rule=f"sql.{hit.kind}",
        why=f"{hit.kind.replace('_', ' ')} (no rule pack describes it){hit.detail}{suffix}",
        resources=hit.resources,
    )


def _statement_hits(text: str, tokens: list[Token], dialect: str) -> list[_Hit]:
    """What one statement does that a reviewer must see; unparsed when it cannot be read."""
    try:
        parsed = _parse(text, dialect)
        if parsed is None or not all(isinstance(e, (*_STATEMENTS, exp.Command)) for e in parsed):
            return [_Hit("unparsed", ())]
        if any(isinstance(e, exp.Command) for e in parsed):
            command_hit = _classify_command(tokens)
            return [] if command_hit is None else [command_hit]
        return [hit for expression in parsed for hit in _classify(expression)]
    except RecursionError:  # absurdly deep nesting: fail closed rather than crash
        return [_Hit("unparsed", (), " (nested too deeply)")]


def _inner_statement(text: str) -> tuple[int, str] | None:
    """(offset, text) of SQL that this statement runs itself: EXPLAIN ANALYZE, DO blocks."""
    explain = _EXPLAIN_ANALYZE.match(text)
    if explain:
        return explain.end(), text[explain.end() :]
    block = _DO_BODY.match(text)
    if block:
        # The body is PL/pgSQL: its BEGIN ... END is a block, not a transaction.
        body = _PLPGSQL_BLOCK.match(block.group(2))
        if body:
            return block.start(2) + body.start(1), body.group(1)
        return block.start(2), block.group(2)
    return None


def sql_findings(sql: str, line: int, ruleset: RuleSet, via: tuple[str, ...] = ()) -> list[Finding]:
    """Findings for SQL text that starts on input line `line`; findings carry absolute lines."""
    # sqlglot logs a warning whenever it falls back to a Command; that is our business, not
    # the user's terminal's.
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    findings: list[Finding] = []
    # psql meta-commands are not SQL; `\!` runs a shell command, so a human must read it.
    for match in _META_LINE.finditer(sql):
        if match.group(0).lstrip().startswith("\\!"):
            at = _line_at(sql, match.start(), line)
            findings.append(
                _finding(
                    _Hit("unparsed", (), ": psql \\! runs a shell command"), at, at, ruleset, via
                )
            )
    cleaned = _COPY_DATA.sub(
        lambda m: m.group(0)[: m.start(1) - m.start(0)] + _blank(m.group(1)) + "\\.", sql
    )
    cleaned = _META_LINE.sub(lambda m: " " * len(m.group(0)), cleaned)
    cleaned = _GO_LINE.sub(lambda m: ";" + " " * (len(m.group(0)) - 1), cleaned)
    dialect = _choose_dialect(cleaned)
    tokens = _tokenize(cleaned, dialect)
    if tokens is None:
        tokens = next(
            (t for d in _DIALECTS if d != dialect and (t := _tokenize(cleaned, d)) is not None),
            None,
        )
    if tokens is None:
        end = _line_at(sql, len(sql.rstrip()), line)
        hit = _Hit("unparsed", (), " (an unterminated string or comment?)")
        findings.append(_finding(hit, line, end, ruleset, via))
        return findings
    for start, end, statement in _statements(cleaned, tokens):
        first_line = _line_at(cleaned, start, line)
        last_line = _line_at(cleaned, max(start, end - 1), line)
        text = cleaned[start:end]
        inner = _inner_statement(text)
        if inner is not None:
            offset, body = inner
            nested = sql_findings(body, _line_at(cleaned, start + offset, line), ruleset, via)
            findings.extend(nested)
            continue
        hits = _statement_hits(text, statement, dialect)
        findings.extend(_finding(h, first_line, last_line, ruleset, via) for h in hits)
    return findings


def analyze_sql(text: str, ruleset: RuleSet) -> Partial:
    partial = Partial()
    partial.findings = sql_findings(text, 1, ruleset)
    for finding in partial.findings:
        if finding.action in ("destroy", "update"):
            partial.counts[finding.action] += 1
    return partial
