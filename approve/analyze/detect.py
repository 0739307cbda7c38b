"""Guess the format of an input: terraform JSON or text plan, unified diff, SQL, shell or text.

Cheap tests on the first lines only, so detection costs nothing on a 100k-line plan. `--format`
overrides it; a wrong guess is visible in every output (`format:` is always printed).
"""

from __future__ import annotations

import re

_TERRAFORM_TEXT = re.compile(
    r"^(?:Terraform|OpenTofu) (?:will perform|used the selected providers)"
    r"|^\s*# \S+ (?:will be|must be|is tainted|has moved to)"
    r"|^Plan: (?:\d+ to import, )?\d+ to add, \d+ to change, \d+ to destroy"
    r"|^(?:No changes\.|An execution plan has been generated)"
    r"|^\s*(?:-/\+|\+/-|[-~+]) (?:module\.)?[a-z0-9_]+\.[\w\-\"\[\]]+(?: \(.*\))?\s*$",
    re.MULTILINE,
)
_DIFF = re.compile(
    r"^(?:diff (?:--git|-u|-N|-r)|--- \S.*\n\+\+\+ \S|@@ -\d+(?:,\d+)? \+\d+)", re.MULTILINE
)
_SQL = re.compile(
    r"^\s*(?:SELECT|INSERT|UPDATE|DELETE|DROP|CREATE|ALTER|TRUNCATE|WITH|GRANT|REVOKE|BEGIN|"
    r"COMMIT|MERGE|REPLACE|VACUUM|SET|SHOW|EXPLAIN|USE)\b[^\n]*",
    re.IGNORECASE,
)
_LEADING_BLOCK_COMMENTS = re.compile(r"\A(?:\s*(?:/\*.*?\*/|--[^\n]*))+\s*", re.DOTALL)
_SHEBANG = re.compile(r"^#!\s*\S*(?:/|env\s+)(?:ba|z|k|da)?sh\b")


def detect_format(text: str) -> str:
    """One of terraform-json, terraform, diff, sql, shell, text."""
    head = text[:65536]
    stripped = head.lstrip()
    if stripped.startswith("{"):
        return "terraform-json"
    if _DIFF.search(head):
        return "diff"
    if _TERRAFORM_TEXT.search(head):
        return "terraform"
    if _SHEBANG.match(stripped):
        return "shell"
    # SQL files often open with a /* ... */ header comment.
    body = _LEADING_BLOCK_COMMENTS.sub("", stripped)
    lines = [
        line for line in body.splitlines() if line.strip() and not line.lstrip().startswith("--")
    ]
    if lines and _SQL.match(lines[0]) and (";" in head or len(lines) == 1) and _looks_sql(lines[0]):
        return "sql"
    if len(lines) <= 1:
        return "shell"
    return "text"


def _looks_sql(first: str) -> bool:
    """Tell `DROP TABLE users;` from a shell command that starts with an SQL-ish word."""
    words = first.split()
    if len(words) == 1:  # `BEGIN;` and `COMMIT;` open many scripts; a bare shell word has no `;`
        return words[0].upper() in ("BEGIN;", "COMMIT;", "VACUUM;")
    keyword, second = words[0].upper(), words[1].upper().rstrip(";")
    follow: dict[str, set[str] | None] = {
        "SELECT": None,
        "INSERT": {"INTO"},
        "UPDATE": None,
        "DELETE": {"FROM"},
        "DROP": {
            "TABLE",
            "DATABASE",
            "SCHEMA",
            "INDEX",
            "VIEW",
            "USER",
            "ROLE",
            "FUNCTION",
            "IF",
            "MATERIALIZED",
            "SEQUENCE",
            "TYPE",
            "EXTENSION",
            "TRIGGER",
            "OWNED",
            "PROCEDURE",
        },
        "CREATE": None,
        "ALTER": {
            "TABLE",
            "DATABASE",
            "SCHEMA",
            "INDEX",
            "VIEW",
            "USER",
            "ROLE",
            "SEQUENCE",
            "TYPE",
        },
        "TRUNCATE": None,
        "GRANT": None,
        "REVOKE": None,
    }
    if keyword not in follow:
        return False  # e.g. `update-alternatives`: the keyword must be a word of its own
    expected = follow[keyword]
    return expected is None or second in expected
