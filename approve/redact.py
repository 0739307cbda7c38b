"""Remove secrets from text before it is written anywhere (the journal, logs, stats).

Commands that agents run often carry credentials: AWS keys in environment assignments, bearer
tokens in curl headers, passwords inside database URLs, private keys in heredocs, `--password=`
flags. The journal keeps an excerpt of every reviewed command for years, so each of these is
replaced by a `[REDACTED:kind]` marker first. The patterns err on the side of redacting too much:
a lost character in an audit excerpt costs nothing, a leaked key costs a lot.
"""

from __future__ import annotations

import re
from collections.abc import Callable

Replacement = str | Callable[[re.Match[str]], str]

_SECRET_WORDS = (
    r"password|passwd|passphrase|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key"
    r"|client[_-]?secret|credentials?"
)

# (kind, pattern, replacement) applied in order; earlier, more specific patterns win.
_RULES: tuple[tuple[str, re.Pattern[str], Replacement], ...] = (
    (
        "private-key",
        re.compile(
            r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----.*?"
            r"(?:-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----|\Z)",
            re.DOTALL,
        ),
        "[REDACTED:private-key]",
    ),
    (
        "aws-key-id",
        re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA|ABIA|ACCA)[A-Z0-9]{16}\b"),
        "[REDACTED:aws-key-id]",
    ),
    (
        "aws-secret",
        re.compile(
            r"(?i)(aws_?secret_?access_?key|aws_?session_?token|secretaccesskey)"
            r"(\"?\s*[=:]\s*\"?|\s+)([A-Za-z0-9/+=]{16,})"
        ),
        r"\1\2[REDACTED:aws-secret]",
    ),
    (
        "bearer",
        re.compile(r"(?i)\b(bearer|basic)(\s+)([A-Za-z0-9\-._~+/]{8,}=*)"),
        r"\1\2[REDACTED:token]",
    ),
    (
        "url-password",
        re.compile(
            r"(?i)(?<![a-z0-9+.\-])([a-z][a-z0-9+.\-]{0,30}://[^/\s:@'\"]{0,256}):([^@\s/'\"]{1,256})@"
        ),
        r"\1:[REDACTED:password]@",
    ),
    (
        "known-token",
        re.compile(
            r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}"
            r"|xox[abprs]-[A-Za-z0-9-]{10,}|sk-[A-Za-z0-9_-]{20,}"
            r"|glpat-[A-Za-z0-9_-]{20,}|AIza[A-Za-z0-9_-]{35}"
            r"|eyJ[A-Za-z0-9_-]{8,4096}\.eyJ[A-Za-z0-9_-]{8,8192}\.[A-Za-z0-9_-]{8,4096})"
        ),
        "[REDACTED:token]",
    ),
    (
        "secret-assignment",
        # password=..., DB_PASSWORD="...", "api_key": "...", token: ...
        re.compile(
            rf"(?i)((?<![\w.-])[\w.-]{{0,40}}(?:{_SECRET_WORDS})[\w.-]{{0,40}})(\"?'?\s*[=:]\s*)"
            r"(\"[^\"]*\"|'[^']*'|[^\s\"',;&|)]+)"
        ),
        "",
    ),
    (
        "secret-flag",
        # --password VALUE, --token VALUE (the value is the next word)
        re.compile(
            rf"(?i)((?<![\w-])--?[\w.-]{{0,40}}(?:{_SECRET_WORDS})[\w.-]{{0,40}})(\s+)"
            r"(\"[^\"]*\"|'[^']*'|[^\s\"'\-;&|)][^\s;&|)]*)"
        ),
        "",
    ),
    (
        "mysql-password",
        re.compile(r"(\b(?:mysql|mysqldump|mariadb)\b[^\n|;&]{0,200}?\s-p)([^\s\"']\S*)"),
        r"\1[REDACTED:password]",
    ),
)

# Values that follow a secret word but are not secrets themselves (flag-like words, placeholders).
_HARMLESS_VALUES = frozenset({"[REDACTED:secret]", "true", "false", "null", "none", "''", '""'})


def _assignment(match: re.Match[str]) -> str:
    value = match.group(3)
    if value.lower() in _HARMLESS_VALUES or value.startswith("[REDACTED"):
        return match.group(0)
    if value.startswith("$"):
        return match.group(0)  # `--token $TOKEN`: a reference to a secret, not the secret
    return f"{match.group(1)}{match.group(2)}[REDACTED:secret]"


def redact(text: str) -> str:
    """TEXT with every secret we recognise replaced by `[REDACTED:kind]`."""
    if not text:
        return text
    for kind, pattern, replacement in _RULES:
        if kind in ("secret-assignment", "secret-flag"):
            text = pattern.sub(_assignment, text)
        else:
            text = pattern.sub(replacement, text)
    return text


def redact_value(value: object) -> object:
    """Redact every string inside a JSON-like value (dicts, lists, strings); keys stay."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: redact_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(item) for item in value]
    return value
