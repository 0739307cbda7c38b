"""The agent hook's fast path: a plain read-only shell command answered at Python's start-up cost.

Agents call the hook on every tool use, and most calls are plain read-only commands (`ls`,
`git status`, `cat x`). For those the answer is "no opinion" (the agent's own rules apply), so
this path answers them with what it can load in a few milliseconds: the hook JSON (parsed by the
json module's C scanner directly, because `import json` pulls in `re`, ~6 ms here), a marshalled
summary of the config, and approve.fastpath's cached command rules.

It answers only when all of this holds; anything else (another tool, an edit, a config or rule
cache that is missing or stale, `auto_allow_safe: true`, a command that is not plainly safe, JSON
it cannot read) hands over to the full hook (approve.commands.hook) with the input it has
already read. It never denies or allows by itself: it can only say "no opinion" for a command
the full path would also rate safe at rung 0 (a test checks they agree), so a mistake here
costs speed, never safety.
"""

from __future__ import annotations

import marshal
import os
import sys

from approve.paths import cache_dir, user_config_file

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time

if TYPE_CHECKING:
    from typing import Any

    from approve.config import Config

CONFIG_CACHE_VERSION = 1
# How long the fast path waits for the agent to finish writing its JSON before handing over
# to the full path, which keeps reading under the hook's own deadline.
READ_PATIENCE_SECONDS = 1.0
# Bigger inputs are not plain commands; the full path reads them.
MAX_FAST_INPUT = 64 * 1024

# What the fast path read before it gave up: the full path starts from it.
_preread: tuple[bytes, bool] | None = None


def take_preread() -> tuple[bytes, bool] | None:
    """(bytes already read from stdin, whether that was all of it), once; None if nothing was."""
    global _preread
    taken, _preread = _preread, None
    return taken


# ------------------------------------------------------------------ the config summary


def config_cache_path() -> str:
    return os.path.join(cache_dir(), f"hook-config-v{CONFIG_CACHE_VERSION}.marshal")


def config_key() -> str:
    """Which config files (and versions of them) a summary was made from: any edit changes it."""
    user = user_config_file()
    shipped = os.path.join(os.path.dirname(os.path.abspath(__file__)), "config.yaml")
    parts = [str(CONFIG_CACHE_VERSION)]
    for path in (shipped, user):
        try:
            stat = os.stat(path)
            parts.append(f"{path}:{stat.st_size}:{stat.st_mtime_ns}")
        except OSError:
            parts.append(f"{path}:-")
    return "\n".join(parts)


def remember_config(config: Config, key: str) -> None:
    """Store what the fast path needs of CONFIG, loaded from the files KEY names (see config_key).

    The full hook calls this after every successful load; a cache we cannot write is only slower.
    """
    summary = {
        "key": key,
        "safe_rung": config.tier_rungs[0],
        "auto_allow_safe": config.auto_allow_safe,
    }
    from approve.fastpath import write_marshal

    write_marshal(config_cache_path(), summary)


def _fast_config_allows_no_opinion() -> bool:
    """True when the config (unchanged since it was summarized) answers safe commands with
    no opinion: rung 0 for the safe tier and auto_allow_safe off (an allow must be journaled,
    which the full path does)."""
    try:
        with open(config_cache_path(), "rb") as handle:
            summary = marshal.load(handle)
    except (OSError, EOFError, ValueError, TypeError):
        return False
    return (
        isinstance(summary, dict)
        and summary.get("key") == config_key()
        and summary.get("safe_rung") == 0
        and summary.get("auto_allow_safe") is False
    )


# ------------------------------------------------------------------ the hook input


def _read_stdin() -> tuple[bytes, bool]:
    """(what the agent wrote, whether stdin reached its end) within READ_PATIENCE_SECONDS."""
    import select
    import time

    fd = sys.stdin.fileno()
    chunks: list[bytes] = []
    size = 0
    give_up = time.monotonic() + READ_PATIENCE_SECONDS
    while size <= MAX_FAST_INPUT:
        remaining = give_up - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            return b"".join(chunks), False
        chunk = os.read(fd, 65536)
        if not chunk:
            return b"".join(chunks), True
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks), False


class _ScannerSettings:
    """What the json module's C scanner reads from its decoder: plain JSON, nothing else."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int

    @staticmethod
    def parse_constant(name: str) -> Any:
        raise ValueError(f"not plain JSON: {name}")  # NaN, Infinity: the full path decides


def _parse_json(data: bytes) -> object:
    """The JSON value in DATA, or raises (ValueError, StopIteration, ...): the caller hands over."""
    import _json

    text = data.decode("utf-8")
    start = len(text) - len(text.lstrip(" \t\n\r"))
    # typeshed types the context as a scanner; the C code reads only the attributes above.
    scan = _json.make_scanner(_ScannerSettings())  # type: ignore[arg-type]
    value, end = scan(text, start)
    if text[end:].strip(" \t\n\r"):
        raise ValueError("extra data after the JSON value")
    return value


def shell_command_of(agent: str, payload: object) -> str | None:
    """The shell command in AGENT's payload when it is exactly a shell tool call that the full
    adapter would read the same way (approve.agents); None for anything else."""
    if not isinstance(payload, dict):
        return None
    if agent == "cursor":
        if payload.get("hook_event_name", "beforeShellExecution") != "beforeShellExecution":
            return None
        command = payload.get("command")
    else:
        tool = "run_shell_command" if agent == "gemini" else "Bash"
        if agent == "claude" and payload.get("hook_event_name", "PreToolUse") != "PreToolUse":
            return None
        tool_input = payload.get("tool_input")
        if payload.get("tool_name") != tool or not isinstance(tool_input, dict):
            return None
        command = tool_input.get("command")
    return command if isinstance(command, str) and command.strip() else None


# ------------------------------------------------------------------ the answer


def try_hook(argv: list[str]) -> int | None:
    """Exit status when `approve hook AGENT` was answered here; None to run the full hook."""
    global _preread
    if (
        len(argv) != 2
        or argv[0] != "hook"
        or argv[1] not in ("claude", "codex", "gemini", "cursor")
    ):
        return None
    if sys.stdin is None:
        return None
    try:
        data, complete = _read_stdin()
    except (OSError, ValueError):
        return None  # the full path reads stdin itself and reports what is wrong
    _preread = (data, complete)
    if not complete or not _fast_config_allows_no_opinion():
        return None
    try:
        command = shell_command_of(argv[1], _parse_json(data))
    except Exception:  # not JSON we can read here: the full path says why
        return None
    if command is None or len(command) > 4096:
        return None
    from approve.fastpath import load_cache, plain_command_is_safe

    cache = load_cache()
    if cache is None or not plain_command_is_safe(command, cache):
        return None
    _preread = None
    return 0  # no opinion: nothing on stdout, in every agent's protocol
