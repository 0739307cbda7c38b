"""Check the whole wiring between the agents and approve; one row per check, with a fix.

Each check is a function returning rows: whether each agent's settings (user and project) run
`approve hook` with a timeout above the hook's deadline, and whether that command still runs;
tmux and the side pane (how a human gets to see a request); the journal; the config and the
rule packs. `approve doctor` prints them as a table and exits 1 when any row failed.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from approve.install import (
    AGENTS,
    SPECS,
    InstallError,
    codex_config_for,
    codex_hooks_enabled,
    find_hooks,
    parse_toml,
    read_settings,
    read_text,
    settings_path,
)

OK, INFO, WARN, FAIL = "ok", "info", "warn", "FAIL"
DEFAULT_DEADLINE_SECONDS = 540  # the shipped hook_deadline_seconds, when the config is broken


@dataclass(frozen=True, slots=True)
class Row:
    check: str
    status: str  # ok, info (nothing wrong, worth knowing), warn (may bite), FAIL (broken)
    detail: str
    fix: str = ""


def _shown(path: Path) -> str:
    """PATH with the home directory as ~, for a narrower table."""
    home = str(Path.home())
    text = str(path)
    if home not in ("", "/") and (text == home or text.startswith(home + os.sep)):
        return "~" + text[len(home) :]
    return text


# ------------------------------------------------------------------ approve itself


def config_rows() -> tuple[list[Row], int]:
    """The config check, and the hook's deadline it sets (the shipped one when it is broken)."""
    from approve.config import ConfigError, load_config, user_config_path

    try:
        config = load_config()
    except ConfigError as error:
        fix = f"correct {error.source}, or move it away to use the defaults"
        return [Row("config", FAIL, str(error), fix)], DEFAULT_DEADLINE_SECONDS
    source = "defaults" if config.source == "defaults" else _shown(user_config_path())
    detail = f"{source}; the hook's deadline is {config.hook_deadline_seconds} s"
    return [Row("config", OK, detail)], config.hook_deadline_seconds


def packs_rows() -> list[Row]:
    from approve.analyze.rules import PackError, default_rules, user_pack_dir

    try:
        rules = default_rules()
    except PackError as error:
        fix = f"correct the pack it names (your own packs are in {_shown(user_pack_dir())})"
        return [Row("rule packs", FAIL, str(error), fix)]
    return [Row("rule packs", OK, f"{len(rules.rules)} rules loaded")]


def journal_rows() -> list[Row]:
    from approve.journal import JournalError, check_writable, default_journal_path

    path = default_journal_path()
    try:
        check_writable(path)
    except JournalError as error:
        fix = (
            f"make {_shown(path.parent)} writable for you, or point APPROVE_JOURNAL at a "
            "writable file: a decision that cannot be journaled is refused"
        )
        return [Row("journal", FAIL, str(error), fix)]
    return [Row("journal", OK, f"{_shown(path)} is writable")]


# ------------------------------------------------------------------ reaching a human


def _pane_reachable() -> bool | None:
    """Whether an `approve pane` answers; None when this version has no pane."""
    try:
        from approve import broker

        ping = broker.ping  # type: ignore[attr-defined,unused-ignore]
        socket_path = broker.default_socket_path  # type: ignore[attr-defined,unused-ignore]
    except (ImportError, AttributeError):
        return None
    try:
        return bool(ping(socket_path(), timeout=0.5))
    except Exception:  # a socket that cannot be asked is a pane that cannot be reached
        return False


def review_rows() -> list[Row]:
    """tmux, the TMUX session, the pane, and whether any of them can show a review."""
    rows: list[Row] = []
    tmux = shutil.which("tmux")
    if tmux:
        rows.append(Row("tmux", OK, f"installed ({tmux})"))
    else:
        rows.append(Row("tmux", WARN, "not installed: no review popup can open", "install tmux"))
    if os.environ.get("TMUX"):
        rows.append(Row("tmux session", OK, "this shell runs inside tmux"))
    else:
        rows.append(
            Row(
                "tmux session",
                INFO,
                "this shell is not inside tmux: start the agent inside tmux (with a client "
                "attached) and a review opens as a popup there",
            )
        )
    pane = _pane_reachable()
    if pane is None:
        rows.append(Row("pane", INFO, "not available in this version"))
    elif pane:
        rows.append(Row("pane", OK, "an approve pane is listening"))
    else:
        rows.append(Row("pane", INFO, "no approve pane is running (start one: approve pane)"))
    if not tmux and not pane:
        rows.append(
            Row(
                "review reachable",
                FAIL,
                "neither tmux nor a pane: every request that needs a human is denied",
                "install tmux and run the agent inside it"
                + ("" if pane is None else ", or keep `approve pane` open"),
            )
        )
    return rows


# ------------------------------------------------------------------ the agents' settings


def command_problem(command: str) -> str | None:
    """Why the hook COMMAND would not run approve, or None when `<it> --version` works."""
    try:
        words = shlex.split(command)
    except ValueError as error:
        return f"the command cannot be parsed ({error})"
    prefix = words[:-2]  # without `hook AGENT`
    if not prefix:
        return "the command names no program"
    program = prefix[0]
    if not os.path.isabs(program):
        found = shutil.which(program)
        if not found:
            return f"{program} is not on this PATH (and the agent's PATH may differ)"
        program = found
    if not os.path.isfile(program) or not os.access(program, os.X_OK):
        return f"{program} is missing or not executable"
    try:
        result = subprocess.run(
            [program, *prefix[1:], "--version"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as error:
        return f"`{shlex.join(prefix)} --version` failed: {error}"
    if result.returncode != 0 or not result.stdout.startswith("approve"):
        said = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return f"`{shlex.join(prefix)} --version` failed: {said}"
    return None


def _timeout_problem(agent: str, entry: dict[str, object], deadline: int) -> str | None:
    spec = SPECS[agent]
    raw = entry.get("timeout")
    if raw is None:
        if spec.default_timeout_seconds is None:
            return "no timeout set, and the agent's default is not known"
        seconds = float(spec.default_timeout_seconds)
    elif isinstance(raw, int | float) and not isinstance(raw, bool):
        seconds = raw / spec.timeout_scale
    else:
        return f"its timeout {raw!r} is not a number"
    if seconds <= deadline:
        return (
            f"its timeout ({seconds:g} s) is not above the hook's deadline ({deadline} s): "
            "the agent would give up first and let the call run"
        )
    return None


def _agent_scope_rows(agent: str, scope: str, path: Path, deadline: int) -> tuple[list[Row], bool]:
    """Rows for one settings file, and whether approve's hook is wired there."""
    spec = SPECS[agent]
    label = f"{agent} ({scope})"
    where = _shown(path)
    install = f"approve install {agent}" + (" --project" if scope == "project" else "")
    try:
        settings = read_settings(path)
        found = find_hooks(settings.data, agent, where)
    except InstallError as error:
        return [Row(label, FAIL, str(error), f"repair {where} by hand")], False
    if not found:
        state = "no approve hook in it" if settings.existed else "no such file"
        return [Row(label, INFO, f"not installed ({where}: {state})")], False
    rows: list[Row] = []
    problems: list[str] = []
    warnings: list[str] = []
    for item in found:
        command = item.entry.get("command")
        if isinstance(command, str):
            trouble = command_problem(command)
            if trouble:
                problems.append(trouble)
        timing = _timeout_problem(agent, item.entry, deadline)
        if timing:
            problems.append(timing)
        if spec.matcher is not None and item.matcher != spec.matcher:
            warnings.append(f"its matcher is {item.matcher!r}, not {spec.matcher!r}")
        if agent == "cursor" and item.entry.get("failClosed") is not True:
            warnings.append("failClosed is not true: Cursor runs the command if the hook fails")
    if len(found) > 1:
        warnings.append(f"{len(found)} approve entries: each would ask")
    if agent == "gemini":
        hooks_config = settings.data.get("hooksConfig")
        if isinstance(hooks_config, dict) and hooks_config.get("enabled") is False:
            problems.append("hooksConfig.enabled is false: Gemini runs no hooks")
    if agent == "codex":
        flag_problem, flag_warning = _codex_flag(path)
        if flag_problem:
            problems.append(flag_problem)
        if flag_warning:
            warnings.append(flag_warning)
    if problems:
        detail = f"{where}: " + "; ".join(problems + warnings)
        rows.append(Row(label, FAIL, detail, f"{install} (again)"))
    elif warnings:
        rows.append(Row(label, WARN, f"{where}: " + "; ".join(warnings), f"{install} (again)"))
    else:
        rows.append(Row(label, OK, f"{where}: {spec.event} ({spec.tools})"))
    return rows, True


def _codex_flag(hooks_path: Path) -> tuple[str | None, str | None]:
    """(a problem, a warning) about `[features] hooks` in the config.toml beside HOOKS_PATH."""
    config = codex_config_for(hooks_path)
    try:
        _, text = read_text(config)
        enabled = codex_hooks_enabled(parse_toml(text or "", str(config)))
    except InstallError as error:
        return str(error), None
    if enabled is False:
        return f"{_shown(config)} turns hooks off ([features] hooks = false)", None
    if enabled is None:
        return None, f"{_shown(config)} does not set [features] hooks = true (older Codex needs it)"
    return None, None


def agent_rows(deadline: int, cwd: Path | None = None) -> tuple[list[Row], int]:
    """Rows for every agent and scope, and how many settings files have the hook wired."""
    rows: list[Row] = []
    wired = 0
    for agent in AGENTS:
        seen: set[Path] = set()
        for scope in ("user", "project"):
            path = settings_path(agent, scope, cwd)
            if path.resolve() in seen:
                continue  # the project is the home directory: one file, one row
            seen.add(path.resolve())
            scope_rows, has_hook = _agent_scope_rows(agent, scope, path, deadline)
            rows += scope_rows
            wired += has_hook
    return rows, wired


# ------------------------------------------------------------------ all together


def run_checks(cwd: Path | None = None) -> list[Row]:
    """Every check, in the order a person would fix them."""
    rows, deadline = config_rows()
    rows += packs_rows()
    rows += journal_rows()
    rows += review_rows()
    hook_rows, wired = agent_rows(deadline, cwd)
    rows += hook_rows
    if not wired:
        rows.append(
            Row(
                "agents",
                FAIL,
                "no agent runs approve's hook",
                "approve install claude (or codex, gemini, cursor)",
            )
        )
    return rows


def failed(rows: Sequence[Row]) -> bool:
    return any(row.status == FAIL for row in rows)


def render(rows: Sequence[Row]) -> str:
    """A plain-text table: check, status, detail; the fix on its own line under a problem."""
    from approve.sanitize import sanitize

    check_width = max([len("CHECK"), *(len(row.check) for row in rows)])
    status_width = max([len("STATUS"), *(len(row.status) for row in rows)])
    lines = [f"{'CHECK':<{check_width}}  {'STATUS':<{status_width}}  DETAIL"]
    indent = " " * (check_width + status_width + 4)
    for row in rows:
        # Error messages can quote a config or settings file: shown, never obeyed.
        detail = sanitize(row.detail)
        lines.append(f"{row.check:<{check_width}}  {row.status:<{status_width}}  {detail}")
        if row.fix and row.status in (WARN, FAIL):
            lines.append(f"{indent}fix: {sanitize(row.fix)}")
    verdict = "problems found" if failed(rows) else "everything needed is in place"
    lines.append("")
    lines.append(f"approve doctor: {verdict}")
    return "\n".join(lines)
