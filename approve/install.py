"""Wire `approve hook` into each agent's own settings file, and take it out again.

Where each agent keeps its hooks (user and project scope), what approve's entry looks like there,
and how to recognise it again: pure functions on parsed settings (`merge_hook`, `remove_hooks`,
`find_hooks`, `enable_codex_hooks`), and the careful file work around them (`install`,
`uninstall`): refuse anything that is not plain JSON, back up before changing a file, write
atomically keeping the file's mode, and leave the file untouched when nothing changes.

What install created (the file, the `hooks` object, the event's list, the matcher group) is
recorded in $XDG_STATE_HOME/approve/installed.json, so that uninstall removes those containers
when they are empty again, and nothing the user had before.

Used by `approve install`, `approve uninstall` and `approve doctor`.
"""

from __future__ import annotations

import contextlib
import copy
import difflib
import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

AGENTS = ("claude", "codex", "gemini", "cursor")
SCOPES = ("user", "project")

# The agent's timeout is the hook's own deadline plus this margin: the hook must answer (deny)
# before the agent gives up on it, because an agent that times a hook out lets the call run.
TIMEOUT_MARGIN_SECONDS = 60
BACKUP_INFIX = ".approve-backup-"


class InstallError(Exception):
    """A settings file approve will not or cannot change; the message names the file."""


@dataclass(frozen=True, slots=True)
class AgentSpec:
    """Where an agent keeps its hooks and how approve's entry is shaped there."""

    name: str
    directory: str  # under the home directory or the project root
    filename: str
    event: str
    # The matcher group's pattern; None when the event lists hook entries directly (Cursor).
    # Only tools the adapter in approve/agents understands: any other tool would be denied.
    matcher: str | None
    timeout_scale: int  # the unit of the agent's `timeout`: 1 for seconds, 1000 for milliseconds
    default_timeout_seconds: int | None  # what the agent uses when `timeout` is absent
    tools: str  # for people: what the hook sees


SPECS: dict[str, AgentSpec] = {
    # A matcher of letters and `|` is an exact list of tool names for Claude Code.
    "claude": AgentSpec(
        "claude",
        ".claude",
        "settings.json",
        "PreToolUse",
        "Bash|Edit|Write|MultiEdit|ExitPlanMode",
        1,
        600,
        "shell commands, edits, writes and plans",
    ),
    # Codex matchers are regular expressions; its adapter reads Bash only.
    "codex": AgentSpec(
        "codex", ".codex", "hooks.json", "PreToolUse", "^Bash$", 1, 600, "shell commands"
    ),
    # Gemini matchers are unanchored regular expressions: anchored, so that no other tool whose
    # name merely contains one of these (an MCP tool's `..._replace`) reaches the hook.
    "gemini": AgentSpec(
        "gemini",
        ".gemini",
        "settings.json",
        "BeforeTool",
        "^(run_shell_command|write_file|replace)$",
        1000,
        60,
        "shell commands, file writes and replacements",
    ),
    "cursor": AgentSpec(
        "cursor", ".cursor", "hooks.json", "beforeShellExecution", None, 1, None, "shell commands"
    ),
}


# ------------------------------------------------------------------ where the settings live


def codex_home() -> Path:
    """Codex's own directory: $CODEX_HOME, else ~/.codex."""
    explicit = os.environ.get("CODEX_HOME")
    return Path(explicit) if explicit else Path.home() / ".codex"


def project_root(cwd: Path | None = None) -> Path:
    """The git top level of CWD (default: the current directory), else CWD itself."""
    here = cwd or Path.cwd()
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=here,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return here
    top = result.stdout.strip()
    return Path(top) if result.returncode == 0 and top else here


def settings_path(agent: str, scope: str, cwd: Path | None = None) -> Path:
    """AGENT's hook settings file for SCOPE ("user" or "project")."""
    spec = SPECS[agent]
    if scope == "user":
        base = codex_home() if agent == "codex" else Path.home() / spec.directory
    elif scope == "project":
        base = project_root(cwd) / spec.directory
    else:
        raise ValueError(f"unknown scope {scope!r}")
    return base / spec.filename


def codex_config_for(hooks_path: Path) -> Path:
    """The config.toml whose [features] governs the hooks.json beside it."""
    return hooks_path.parent / "config.toml"


# ------------------------------------------------------------------ the command and the entry


def approve_argv() -> list[str]:
    """The approve this process runs as, by absolute path (for the hook command)."""
    argv0 = sys.argv[0] if sys.argv else ""
    if os.path.basename(argv0) == "approve":
        found = argv0 if os.sep in argv0 else shutil.which(argv0)
        if found:
            # abspath, not realpath: a pipx or venv link keeps working across upgrades.
            return [os.path.abspath(found)]
    # `python -m approve` (or approve called in-process): this interpreter, as it was named;
    # resolving a venv's python link would escape the venv.
    return [os.path.abspath(sys.executable), "-m", "approve"]


def hook_command(agent: str, argv: list[str] | None = None) -> str:
    """The shell command an agent runs: `<approve> hook AGENT`, quoted."""
    return shlex.join([*(argv or approve_argv()), "hook", agent])


def is_approve_hook(command: object, agent: str) -> bool:
    """Whether COMMAND runs `approve hook AGENT` (any approve: a path or `python -m approve`)."""
    if not isinstance(command, str):
        return False
    try:
        words = shlex.split(command)
    except ValueError:
        return False
    if len(words) < 3 or words[-2:] != ["hook", agent]:
        return False
    head = words[:-2]
    if len(head) == 1:
        return os.path.basename(head[0]) == "approve"
    return len(head) == 3 and head[1:] == ["-m", "approve"]


def agent_timeout_seconds(deadline_seconds: int) -> int:
    return deadline_seconds + TIMEOUT_MARGIN_SECONDS


def hook_entry(agent: str, command: str, timeout_seconds: int) -> dict[str, Any]:
    """approve's hook entry in AGENT's settings."""
    timeout = timeout_seconds * SPECS[agent].timeout_scale
    if agent == "cursor":
        # failClosed: otherwise Cursor runs the command when the hook crashes or times out.
        return {"command": command, "timeout": timeout, "failClosed": True}
    entry: dict[str, Any] = {"type": "command", "command": command, "timeout": timeout}
    if agent == "gemini":
        # A name lets Gemini's `/hooks disable approve` and its logs refer to it.
        return {"name": "approve", **entry}
    return entry


# ------------------------------------------------------------------ pure: find, merge, remove


@dataclass(frozen=True, slots=True)
class Found:
    """One approve hook entry in an agent's settings."""

    group: int | None  # index of its matcher group in the event's list; None without groups
    index: int  # index in the group's `hooks` (or in the event's list)
    entry: dict[str, Any]
    matcher: str | None  # its group's matcher


@dataclass(frozen=True, slots=True)
class Merged:
    settings: dict[str, Any]
    changed: bool
    replaced: int  # approve entries already there but stale (other command, timeout or matcher)
    created: tuple[str, ...]  # containers the merge created: version, hooks, event, group


@dataclass(frozen=True, slots=True)
class Removed:
    settings: dict[str, Any]
    removed: int


def _event_list(settings: dict[str, Any], spec: AgentSpec, where: str) -> list[Any] | None:
    hooks = settings.get("hooks")
    if hooks is None:
        return None
    if not isinstance(hooks, dict):
        raise InstallError(f"{where}: `hooks` is not a JSON object; approve leaves it alone")
    event = hooks.get(spec.event)
    if event is None:
        return None
    if not isinstance(event, list):
        raise InstallError(f"{where}: `hooks.{spec.event}` is not a list; approve leaves it alone")
    return event


def find_hooks(settings: dict[str, Any], agent: str, where: str = "settings") -> list[Found]:
    """approve's hook entries for AGENT in its SETTINGS, in file order."""
    spec = SPECS[agent]
    event = _event_list(settings, spec, where) or []
    found: list[Found] = []
    if spec.matcher is None:
        for index, entry in enumerate(event):
            if isinstance(entry, dict) and is_approve_hook(entry.get("command"), agent):
                found.append(Found(None, index, entry, None))
        return found
    for group_index, group in enumerate(event):
        if not isinstance(group, dict) or not isinstance(group.get("hooks"), list):
            continue  # not a matcher group we understand: the agent's business, not ours
        matcher = group.get("matcher")
        for index, entry in enumerate(group["hooks"]):
            if isinstance(entry, dict) and is_approve_hook(entry.get("command"), agent):
                shown = matcher if isinstance(matcher, str) else None
                found.append(Found(group_index, index, entry, shown))
    return found


def _delete(
    settings: dict[str, Any], agent: str, found: list[Found], *, drop_empty_groups: bool
) -> None:
    """Delete the FOUND entries from SETTINGS (in place), last first so indices stay valid."""
    event = _event_list(settings, SPECS[agent], "settings")
    if event is None:
        return
    for item in reversed(found):
        if item.group is None:
            del event[item.index]
            continue
        group = event[item.group]
        del group["hooks"][item.index]
        if drop_empty_groups and not group["hooks"]:
            del event[item.group]


def merge_hook(
    settings: dict[str, Any],
    agent: str,
    command: str,
    timeout_seconds: int,
    where: str = "settings",
) -> Merged:
    """SETTINGS with approve's hook for AGENT in it, and every other key kept as it was.

    Idempotent: when exactly that entry is already there, the same SETTINGS, unchanged. Stale
    approve entries (another path, timeout or matcher) are replaced. Raises InstallError when
    the settings have a shape approve cannot merge into safely.
    """
    spec = SPECS[agent]
    wanted = hook_entry(agent, command, timeout_seconds)
    found = find_hooks(settings, agent, where)
    current = (
        len(found) == 1
        and found[0].entry == wanted
        and found[0].matcher == spec.matcher
        and (agent != "cursor" or "version" in settings)
    )
    if current:
        return Merged(settings, changed=False, replaced=0, created=())
    new = copy.deepcopy(settings)
    _delete(new, agent, found, drop_empty_groups=True)
    created: list[str] = []
    if agent == "cursor" and "version" not in new:
        new = {"version": 1, **new}  # Cursor requires it in project hooks.json
        created.append("version")
    if new.get("hooks") is None:
        new["hooks"] = {}
        created.append("hooks")
    event = _event_list(new, spec, where)
    if event is None:
        event = new["hooks"][spec.event] = []
        created.append("event")
    if spec.matcher is None:
        # First: Cursor has been reported to run only the first command of an event's list.
        event.insert(0, wanted)
        return Merged(new, changed=True, replaced=len(found), created=tuple(created))
    for group in event:
        if (
            isinstance(group, dict)
            and group.get("matcher") == spec.matcher
            and isinstance(group.get("hooks"), list)
        ):
            group["hooks"].append(wanted)  # beside the user's own hooks for the same tools
            break
    else:
        event.append({"matcher": spec.matcher, "hooks": [wanted]})
        created.append("group")
    return Merged(new, changed=True, replaced=len(found), created=tuple(created))


def remove_hooks(
    settings: dict[str, Any],
    agent: str,
    created: Collection[str] | None,
    where: str = "settings",
) -> Removed:
    """SETTINGS without approve's hook entries for AGENT; everything else kept.

    CREATED names what install created (version, hooks, event, group): those are removed too
    when they are empty now. None means it is not known: then only a matcher group that the
    removal left empty goes (it can match nothing any more), and the event and `hooks` keys stay.
    """
    spec = SPECS[agent]
    found = find_hooks(settings, agent, where)
    if not found:
        return Removed(settings, 0)
    new = copy.deepcopy(settings)
    _delete(new, agent, found, drop_empty_groups=created is None or "group" in created)
    if created:
        hooks = new.get("hooks")
        if "event" in created and isinstance(hooks, dict) and hooks.get(spec.event) == []:
            del hooks[spec.event]
        if "hooks" in created and hooks == {}:
            del new["hooks"]
        if "version" in created:
            new.pop("version", None)
    return Removed(new, len(found))


# ------------------------------------------------------------------ Codex's feature flag

_TABLE_HEADER = re.compile(r"^[ \t]*\[", re.MULTILINE)
_FEATURES_HEADER = re.compile(r"^[ \t]*\[[ \t]*features[ \t]*\][ \t]*(?:#[^\n]*)?$", re.MULTILINE)
_HOOKS_KEY = re.compile(r"^([ \t]*hooks[ \t]*=[ \t]*)([^#\n]*?)([ \t]*(?:#[^\n]*)?)$", re.MULTILINE)


def parse_toml(text: str, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InstallError(
            f"{where}: not valid TOML ({error}); approve never overwrites it"
        ) from None


def codex_hooks_enabled(data: dict[str, Any]) -> bool | None:
    """`[features] hooks` of a parsed config.toml (or its old name codex_hooks); None if unset."""
    features = data.get("features")
    if not isinstance(features, dict):
        return None
    for key in ("hooks", "codex_hooks"):
        if isinstance(features.get(key), bool):
            return bool(features[key])
    return None


def enable_codex_hooks(text: str, where: str = "config.toml") -> str | None:
    """TEXT with `hooks = true` under [features], or None when hooks are already on.

    A careful text edit (the rest of the file, comments included, stays as it was), checked by
    parsing the result: anything else that would change, and it raises InstallError instead.
    """
    data = parse_toml(text, where)
    features = data.get("features", {})
    if not isinstance(features, dict):
        raise InstallError(f"{where}: `features` is not a table; add `hooks = true` by hand")
    if features.get("hooks") is True:
        return None
    if "hooks" not in features and features.get("codex_hooks") is True:
        return None  # the deprecated name still turns them on
    header = _FEATURES_HEADER.search(text)
    if header is not None:
        start = header.end()
        following = _TABLE_HEADER.search(text, start + 1)
        end = following.start() if following else len(text)
        section = text[start:end]
        if "hooks" in features:  # `hooks = false` (or a value that is not true): turn it on
            section = _HOOKS_KEY.sub(lambda m: f"{m[1]}true{m[3]}", section, count=1)
        else:
            section = "\nhooks = true" + section
        edited = text[:start] + section + text[end:]
    else:
        separator = "" if not text or text.endswith("\n") else "\n"
        blank = "\n" if text.strip() else ""
        edited = f"{text}{separator}{blank}[features]\nhooks = true\n"
    expected = copy.deepcopy(data)
    expected.setdefault("features", {})["hooks"] = True
    try:
        result = tomllib.loads(edited)
    except tomllib.TOMLDecodeError:
        result = None
    if result != expected:
        raise InstallError(
            f"{where}: cannot add `hooks = true` under [features] safely; add it by hand"
        )
    return edited


# ------------------------------------------------------------------ files


@dataclass(frozen=True, slots=True)
class SettingsFile:
    path: Path  # as named
    real: Path  # symlinks followed: where it is written, so a linked dotfile stays a link
    existed: bool
    text: str
    data: dict[str, Any]


def read_text(path: Path) -> tuple[Path, str | None]:
    """(the real path, its UTF-8 text or None when there is no such file); InstallError else."""
    real = Path(os.path.realpath(path))
    try:
        raw = real.read_bytes()
    except FileNotFoundError:
        return real, None
    except OSError as error:
        raise InstallError(f"{path}: cannot read it: {error.strerror or error}") from None
    try:
        return real, raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InstallError(f"{path}: not UTF-8 text; approve leaves it alone") from None


def read_settings(path: Path) -> SettingsFile:
    """The agent's settings file, parsed strictly. InstallError when it is not a JSON object."""
    real, text = read_text(path)
    if text is None:
        return SettingsFile(path, real, False, "", {})
    if not text.strip():
        return SettingsFile(path, real, True, text, {})
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InstallError(
            f"{path}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg}); "
            "approve never overwrites it. JSON with comments or trailing commas is not "
            "supported: remove them, or add the hook by hand"
        ) from None
    if not isinstance(data, dict):
        raise InstallError(f"{path}: not a JSON object; approve leaves it alone")
    return SettingsFile(path, real, True, text, data)


def render_json(data: dict[str, Any], like: str) -> str:
    """DATA as JSON indented like the text LIKE (2 spaces for a new file), newline kept."""
    indented = re.search(r"^([ \t]+)\S", like, re.MULTILINE)
    indent: int | str = 2
    if indented:
        lead = indented[1]
        indent = "\t" if "\t" in lead else len(lead)
    text = json.dumps(data, indent=indent, ensure_ascii=False)
    return text + "\n" if not like or like.endswith("\n") else text


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_atomically(path: Path, text: str) -> None:
    """Replace PATH by TEXT in one step (temporary file, fsync, rename), keeping its mode."""
    try:
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except FileNotFoundError:
            mode = 0o666 & ~_umask()
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temporary, mode)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        with contextlib.suppress(OSError):
            directory = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
    except OSError as error:
        raise InstallError(f"{path}: cannot write it: {error.strerror or error}") from None


def backup(path: Path, now: float | None = None) -> Path:
    """Copy PATH to PATH.approve-backup-<UTC time> beside it (same mode); the copy's path."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    try:
        data = path.read_bytes()
        mode = stat.S_IMODE(path.stat().st_mode)
        for attempt in range(1000):
            suffix = f"-{attempt}" if attempt else ""
            target = path.with_name(f"{path.name}{BACKUP_INFIX}{stamp}{suffix}")
            try:
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
            except FileExistsError:
                continue
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(target, mode)  # the umask may have narrowed it
            return target
    except OSError as error:
        raise InstallError(f"{path}: cannot back it up: {error.strerror or error}") from None
    raise InstallError(f"{path}: cannot back it up: too many backups from the same second")


def _diff(before: str, after: str, path: Path, what: str) -> list[str]:
    lines = difflib.unified_diff(
        before.splitlines(),
        after.splitlines(),
        fromfile=str(path),
        tofile=f"{path} ({what})",
        lineterm="",
    )
    return list(lines)


# ------------------------------------------------------------------ what install created


def records_path() -> Path:
    from approve.paths import state_dir

    return Path(state_dir()) / "installed.json"


def _read_records() -> dict[str, Any]:
    try:
        data = json.loads(records_path().read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def created_by_install(real: Path, agent: str) -> list[str] | None:
    """What install created in the settings file REAL for AGENT, when it was recorded."""
    record = _read_records().get(str(real))
    if not isinstance(record, dict) or record.get("agent") != agent:
        return None
    created = record.get("created")
    if not isinstance(created, list) or not all(isinstance(item, str) for item in created):
        return None
    return created


def _save_record(real: Path, agent: str, created: list[str] | None) -> str | None:
    """Record (or, with None, forget) what install created; a warning line when it cannot."""
    records = _read_records()
    if created is None:
        if records.pop(str(real), None) is None:
            return None
    else:
        records[str(real)] = {"agent": agent, "created": created}
    path = records_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomically(path, json.dumps(records, indent=2, ensure_ascii=False) + "\n")
    except (OSError, InstallError) as error:
        return f"note: cannot record what install created in {path} ({error})"
    return None


# ------------------------------------------------------------------ install and uninstall


def _summary(agent: str, timeout_seconds: int, deadline_seconds: int) -> str:
    spec = SPECS[agent]
    where = f"event {spec.event}"
    if spec.matcher is not None:
        where += f", matcher {spec.matcher}"
    unit = f"{timeout_seconds * 1000} ms" if spec.timeout_scale == 1000 else f"{timeout_seconds} s"
    return (
        f"{where} ({spec.tools}), timeout {unit} (the hook's own deadline is {deadline_seconds} s)"
    )


def install(
    agent: str,
    path: Path,
    *,
    command: str,
    deadline_seconds: int,
    dry_run: bool = False,
) -> list[str]:
    """Merge approve's hook for AGENT into the settings file PATH; the lines to print.

    Codex: also `[features] hooks = true` in the config.toml beside PATH. Nothing is written
    until every file involved has been read and its change computed, so a refusal (InstallError)
    leaves everything as it was.
    """
    current = read_settings(path)
    timeout = agent_timeout_seconds(deadline_seconds)
    merged = merge_hook(current.data, agent, command, timeout, where=str(path))
    new_text = render_json(merged.settings, current.text) if merged.changed else current.text
    flag_path = codex_config_for(path) if agent == "codex" else None
    flag_real, flag_text, flag_new = None, None, None
    if flag_path is not None:
        flag_real, flag_text = read_text(flag_path)
        flag_new = enable_codex_hooks(flag_text or "", str(flag_path))

    lines: list[str] = []
    if not merged.changed:
        lines.append(f"already installed: {path} (left untouched)")
    else:
        verb, done = ("update", "updated") if merged.replaced else ("install", "installed")
        lines.append(f"{'would ' + verb if dry_run else done} the {agent} hook in {path}")
    lines.append(f"  {_summary(agent, timeout, deadline_seconds)}")
    lines.append(f"  command: {command}")
    if merged.changed:
        if dry_run:
            lines += _diff(current.text, new_text, path, "after install")
        else:
            if current.existed:
                lines.append(f"  backup: {backup(current.real)}")
            write_atomically(current.real, new_text)
            created = list(merged.created)
            if not current.existed:
                created.insert(0, "file")
            if merged.replaced:  # an update: what the first install created still counts
                earlier = created_by_install(current.real, agent) or []
                created = earlier + [item for item in created if item not in earlier]
            warning = _save_record(current.real, agent, created)
            if warning:
                lines.append(f"  {warning}")
    if flag_path is not None and flag_real is not None:
        if flag_new is None:
            lines.append(f"codex hooks are on in {flag_path} ([features] hooks)")
        elif dry_run:
            lines += _diff(flag_text or "", flag_new, flag_path, "after install")
        else:
            lines.append(f"turned codex hooks on in {flag_path}: [features] hooks = true")
            if flag_text is not None:
                lines.append(f"  backup: {backup(flag_real)}")
            write_atomically(flag_real, flag_new)
        if merged.changed:
            lines.append(
                "  Codex runs a new or changed hook only once you trust it: review it in /hooks"
            )
    if dry_run:
        lines.append("dry run: nothing was written")
    return lines


def uninstall(agent: str, path: Path, *, dry_run: bool = False) -> list[str]:
    """Remove approve's hook for AGENT from the settings file PATH; the lines to print."""
    current = read_settings(path)
    if not current.existed:
        return [f"not installed: there is no {path}"]
    created = created_by_install(current.real, agent)
    removed = remove_hooks(current.data, agent, created, where=str(path))
    if not removed.removed:
        return [f"not installed: no approve hook for {agent} in {path} (left untouched)"]
    # A file install created and that holds nothing else now goes, as if never there.
    delete = created is not None and "file" in created and not removed.settings
    new_text = "" if delete else render_json(removed.settings, current.text)
    entries = "entry" if removed.removed == 1 else "entries"
    done = "would remove" if dry_run else "removed"
    lines = [f"{done} {removed.removed} approve hook {entries} for {agent} from {path}"]
    if dry_run:
        lines += _diff(current.text, new_text, path, "after uninstall")
    elif delete:
        try:
            current.real.unlink()
        except OSError as error:
            raise InstallError(f"{path}: cannot remove it: {error.strerror or error}") from None
        lines.append(f"  deleted {path}: install had created it and nothing else is in it")
    else:
        lines.append(f"  backup: {backup(current.real)}")
        write_atomically(current.real, new_text)
    if not dry_run:
        warning = _save_record(current.real, agent, None)
        if warning:
            lines.append(f"  {warning}")
    if agent == "codex":
        flag = codex_config_for(path)
        lines.append(f"left [features] hooks in {flag} as it is: other hooks may rely on it")
    if dry_run:
        lines.append("dry run: nothing was written")
    return lines
