"""Answer the commonest question, "is this plain command read-only?", without the full analyzer.

Most commands an agent runs are plain read-only ones (`ls -la`, `git status`, `kubectl get pods`).
Python's start-up is most of their cost, so this path imports almost nothing: it reads the input,
and only when the whole input is one plain command (no quotes, variables, globs, operators or
redirects, so splitting on blanks is exactly what the shell would do) and a cached `safe` rule
matches it while no other rule does, it answers `safe`. Anything else falls through to the full
analysis, which gives the same answer more slowly (a test checks that the two agree).

The cache holds the command rules from every pack, keyed by the packs' names, sizes and mtimes,
and is rewritten by the full path (rules.default_rules) whenever it is stale. A missing, stale or
unreadable cache only means the full path runs.
"""

from __future__ import annotations

import marshal
import os
import sys

from approve.matching import applies, positionals
from approve.paths import cache_dir, config_dir

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs ~10 ms of start-up

if TYPE_CHECKING:
    import re
    from typing import Any

CACHE_VERSION = 5
# Characters of a plain command: with only these, splitting on blanks is what the shell does.
# (No quotes, $, globs, ~, braces, operators, redirects, backslashes or newlines.)
PLAIN_CHARACTERS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:=@%+,- \t"
)
_SAFE_JSON = (
    '{"format": "shell", "tier": "safe", "counts": {"destroy": 0, "replace": 0, "update": 0, '
    '"create": 0, "read": 0, "forget": 0}, "findings": []}'
)
_SAFE_TEXT = "safe: no findings   (format: shell)"

# Input read by the fast path before it decided it could not answer: the full path reads it here.
_preread: bytes | None = None


class CachedRule:
    """A command rule as stored in the cache: just what matching needs."""

    __slots__ = (
        "_compiled",
        "_pattern",
        "all_flags",
        "any_flags",
        "args",
        "not_flags",
        "severity",
        "subcommand",
    )

    def __init__(self, raw: tuple[Any, ...]) -> None:
        severity, args, any_flags, all_flags, not_flags, pattern, subcommand = raw
        self.severity: int = severity
        self.args: tuple[str, ...] = args
        self.subcommand: tuple[str, ...] = subcommand
        self.any_flags: tuple[str, ...] = any_flags
        self.all_flags: tuple[str, ...] = all_flags
        self.not_flags: tuple[str, ...] = not_flags
        self._pattern: str | None = pattern
        self._compiled: re.Pattern[str] | None = None

    @property
    def regex(self) -> re.Pattern[str] | None:
        """Compiled on first use: matching asks for it only after the cheap tests pass."""
        if self._pattern and self._compiled is None:
            import re  # only a rule whose regex is really needed pays for it

            self._compiled = re.compile(self._pattern)
        return self._compiled


def take_preread() -> bytes | None:
    global _preread
    data, _preread = _preread, None
    return data


def pack_dirs() -> list[str]:
    shipped = os.path.join(os.path.dirname(os.path.abspath(__file__)), "analyze", "packs")
    return [shipped, os.path.join(config_dir(), "packs")]


def fingerprint() -> str:
    """Names, sizes and mtimes of every pack file: any edit makes the cache stale."""
    parts = [str(CACHE_VERSION)]
    for directory in pack_dirs():
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            parts.append(f"{directory}:-")
            continue
        for entry in entries:
            if entry.name.endswith((".yaml", ".yml")):
                stat = entry.stat()
                parts.append(f"{entry.path}:{stat.st_size}:{stat.st_mtime_ns}")
    return "\n".join(parts)


def cache_path() -> str:
    return os.path.join(cache_dir(), f"command-rules-v{CACHE_VERSION}.marshal")


def write_cache(
    rules: dict[str, list[tuple[Any, ...]]],
    syntax: dict[str, tuple[tuple[str, ...], bool]],
    unwrapped: frozenset[str],
    exec_unwraps: frozenset[str],
    stamp: str,
) -> None:
    """Store the command rules for the fast path; a cache we cannot write is only slower."""
    path = cache_path()
    # Each program's rules are marshalled on their own, so a lookup decodes only the one it needs.
    data = {
        "fingerprint": stamp,
        "rules": {program: marshal.dumps(entries) for program, entries in rules.items()},
        "syntax": syntax,
        "unwrapped": sorted(unwrapped),
        "exec_unwraps": sorted(exec_unwraps),
    }
    write_marshal(path, data)


def write_marshal(path: str, data: dict[str, Any]) -> None:
    """Replace the cache file PATH with DATA, atomically; a cache we cannot write is only slower."""
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        temporary = f"{path}.{os.getpid()}.tmp"
        with open(temporary, "wb") as handle:
            marshal.dump(data, handle)
        os.replace(temporary, path)
    except OSError:
        pass


def load_cache() -> dict[str, Any] | None:
    try:
        with open(cache_path(), "rb") as handle:
            data = marshal.load(handle)
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not isinstance(data, dict) or data.get("fingerprint") != fingerprint():
        return None
    return data


def plain_argv(text: str) -> list[str] | None:
    """The words of a plain one-line command, or None when the shell would read more into it."""
    if text.endswith("\n"):
        text = text[:-1]
    if not text or not PLAIN_CHARACTERS.issuperset(text):
        return None
    argv = text.split()
    if not argv or "=" in argv[0]:
        return None  # VAR=value prefixes: the full parser knows what they do
    return argv


def plain_command_is_safe(text: str, cache: dict[str, Any]) -> bool:
    """True only when a cached `safe` rule matches the plain command and no other rule does."""
    argv = plain_argv(text)
    if argv is None:
        return False
    program = os.path.basename(argv[0])
    if program in cache["unwrapped"]:
        return False  # sudo, env, xargs, sh ...: what they run is another command
    if program in cache["exec_unwraps"] and "exec" in argv:
        return False  # kubectl exec POD -- CMD: the analyzer reads CMD
    blob = cache["rules"].get(program)
    candidates = marshal.loads(blob) if blob else None
    if not candidates:
        return False  # unknown programs are `low` in the full analysis, never `safe`
    key = " ".join(argv)
    uses_regex = any(raw[5] for raw in candidates)
    if uses_regex and key in _remembered(cache["fingerprint"]):
        return True  # judged safe before under these very packs: skip compiling the regexes
    value_flags, clusters = cache["syntax"].get(program, ((), True))
    words = argv[1:]
    args = positionals(argv, value_flags)
    joined = " ".join(argv)  # equal to shlex.join(argv): plain words need no quoting
    safe = False
    for raw in candidates:
        rule = CachedRule(raw)
        if applies(rule, words, args, joined, clusters):
            if rule.severity != 0:
                return False
            safe = True
    if safe and uses_regex:
        remember_safe(key, cache["fingerprint"])  # next time, without importing re
    return safe


# ---------------------------------------------------------------------------------------------
# Plain commands the full analysis found safe. Rules with regexes would make the fast path import
# `re` (about 8 ms here); the analysis is a function of the text and the packs, so a command found
# safe under the same packs is safe again. Agents run the same `git status` many times a session.

MEMO_SIZE = 4096


def memo_path() -> str:
    return cache_path().replace("command-rules", "safe-commands")


def _remembered(stamp: str) -> dict[str, None]:
    try:
        with open(memo_path(), "rb") as handle:
            data = marshal.load(handle)
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    if not isinstance(data, dict) or data.get("fingerprint") != stamp:
        return {}
    commands = data.get("commands")
    return commands if isinstance(commands, dict) else {}


def remember_safe(text: str, stamp: str) -> None:
    """Note that the full analysis, under the packs with this fingerprint, found text safe."""
    argv = plain_argv(text)
    if argv is None:
        return
    commands = _remembered(stamp)
    key = " ".join(argv)
    if key in commands:
        return
    commands[key] = None
    while len(commands) > MEMO_SIZE:  # the oldest go first (dicts keep insertion order)
        del commands[next(iter(commands))]
    write_marshal(memo_path(), {"fingerprint": stamp, "commands": commands})


def _parse_check_args(argv: list[str]) -> tuple[str, bool] | None:
    """(source, json) for the argument shapes the fast path answers; None for anything else."""
    if not argv or argv[0] != "check":
        return None
    source, as_json = "-", False
    rest = argv[1:]
    index = 0
    while index < len(rest):
        word = rest[index]
        if word == "--json":
            as_json = True
        elif word in ("--format=shell", "--format=auto"):
            pass
        elif word == "--format" and index + 1 < len(rest) and rest[index + 1] in ("shell", "auto"):
            index += 1
        elif word.startswith("--fail-on=") and word[10:] in ("low", "high", "critical"):
            pass
        elif (
            word == "--fail-on"
            and index + 1 < len(rest)
            and rest[index + 1] in ("low", "high", "critical")
        ):
            index += 1
        elif word == "-" or not word.startswith("-"):
            if source != "-":
                return None
            source = word
        else:
            return None
        index += 1
    return source, as_json


def try_check(argv: list[str]) -> int | None:
    """Exit status when `approve check ARGS` could be answered here; None to run the full path."""
    global _preread
    parsed = _parse_check_args(argv)
    if parsed is None:
        return None
    source, as_json = parsed
    if source == "-":
        if sys.stdin is None or sys.stdin.isatty():
            return None
        data = sys.stdin.buffer.read()
        _preread = data
    else:
        try:
            if os.path.getsize(source) > 4096:
                return None
            with open(source, "rb") as handle:
                data = handle.read()
        except OSError:
            return None  # the full path gives the proper error message
    if len(data) > 4096:
        return None
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        return None
    cache = load_cache()
    if cache is None or not plain_command_is_safe(text, cache):
        return None
    sys.stdout.write((_SAFE_JSON if as_json else _SAFE_TEXT) + "\n")
    sys.stdout.flush()
    return 0
