"""`approve install` / `approve uninstall`: the merge as pure functions, then the real CLI.

The CLI runs as a subprocess with HOME pointed at a temporary directory (conftest isolates the
XDG directories, not HOME), on settings files that already hold other keys and other hooks.
"""

from __future__ import annotations

import copy
import json
import os
import shlex
import shutil
import stat
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from test_hook_protocols import decision_of, fixture, hook_env

from approve.install import (
    AGENTS,
    SPECS,
    InstallError,
    enable_codex_hooks,
    find_hooks,
    hook_command,
    is_approve_hook,
    merge_hook,
    remove_hooks,
    render_json,
)

COMMAND = {agent: f"/opt/approve/bin/approve hook {agent}" for agent in AGENTS}
PYTHON_M = [sys.executable, "-m", "approve"]


# ------------------------------------------------------------------ settings to start from


def other_hook(agent: str, command: str = "audit.sh") -> dict[str, Any]:
    if agent == "cursor":
        return {"command": command}
    return {"type": "command", "command": command}


def originals(agent: str) -> dict[str, dict[str, Any]]:
    """Settings a user may already have, by name, for AGENT."""
    spec = SPECS[agent]
    mine = other_hook(agent)
    cases: dict[str, dict[str, Any]] = {
        "empty": {},
        "other keys": {"model": "opus", "env": {"A": "1"}, "permissions": {"deny": ["Read(.env)"]}},
        "empty hooks object": {"theme": "dark", "hooks": {}},
        "other events": {"hooks": {"Stop": [{"hooks": [other_hook(agent, "notify.sh")]}]}},
    }
    if spec.matcher is None:
        cases["same event"] = {"version": 1, "hooks": {spec.event: [mine]}}
        cases["empty event list"] = {"version": 1, "hooks": {spec.event: []}}
        cases["no version"] = {"hooks": {"afterFileEdit": [{"command": "fmt.sh"}]}}
    else:
        cases["same event, other matcher"] = {
            "a": [1, 2],
            "hooks": {spec.event: [{"matcher": "Read", "hooks": [mine]}]},
        }
        cases["same matcher group"] = {
            "hooks": {spec.event: [{"matcher": spec.matcher, "hooks": [mine]}]},
        }
        cases["empty event list"] = {"hooks": {spec.event: []}}
    return cases


ROUND_TRIPS = [(agent, name) for agent in AGENTS for name in originals(agent)]


# ------------------------------------------------------------------ pure functions


@pytest.mark.parametrize(("agent", "name"), ROUND_TRIPS)
def test_merge_then_remove_gives_back_the_original(agent: str, name: str) -> None:
    original = originals(agent)[name]
    kept = copy.deepcopy(original)
    merged = merge_hook(original, agent, COMMAND[agent], 600)
    assert merged.changed
    assert original == kept, "merge must not change its input"
    [found] = find_hooks(merged.settings, agent)
    assert found.entry["command"] == COMMAND[agent]
    assert found.matcher == SPECS[agent].matcher
    for key, value in original.items():
        if key != "hooks":
            assert merged.settings[key] == value
    removed = remove_hooks(merged.settings, agent, merged.created)
    assert removed.removed == 1
    assert removed.settings == original


@pytest.mark.parametrize(("agent", "name"), ROUND_TRIPS)
def test_merge_is_idempotent(agent: str, name: str) -> None:
    once = merge_hook(originals(agent)[name], agent, COMMAND[agent], 600)
    twice = merge_hook(once.settings, agent, COMMAND[agent], 600)
    assert not twice.changed
    assert twice.settings is once.settings


def test_claude_entry_joins_the_users_group_for_the_same_tools() -> None:
    original = originals("claude")["same matcher group"]
    merged = merge_hook(original, "claude", COMMAND["claude"], 600)
    [group] = merged.settings["hooks"]["PreToolUse"]
    assert group["hooks"] == [
        other_hook("claude"),
        {"type": "command", "command": COMMAND["claude"], "timeout": 600},
    ]
    assert "group" not in merged.created


@pytest.mark.parametrize(
    ("agent", "timeout"), [("claude", 600), ("codex", 600), ("gemini", 600_000), ("cursor", 600)]
)
def test_timeout_is_in_the_agents_unit(agent: str, timeout: int) -> None:
    merged = merge_hook({}, agent, COMMAND[agent], 600)
    [found] = find_hooks(merged.settings, agent)
    assert found.entry["timeout"] == timeout


def test_cursor_entry_fails_closed_and_carries_the_version() -> None:
    merged = merge_hook({}, "cursor", COMMAND["cursor"], 600)
    assert merged.settings == {
        "version": 1,
        "hooks": {
            "beforeShellExecution": [
                {"command": COMMAND["cursor"], "timeout": 600, "failClosed": True}
            ]
        },
    }


def test_cursor_entry_goes_first_in_the_event() -> None:
    merged = merge_hook(originals("cursor")["same event"], "cursor", COMMAND["cursor"], 600)
    first, second = merged.settings["hooks"]["beforeShellExecution"]
    assert first["command"] == COMMAND["cursor"]
    assert second == other_hook("cursor")


def test_matchers_cover_only_tools_the_adapters_read() -> None:
    import re

    from approve.agents import adapter

    assert SPECS["claude"].matcher == "Bash|Edit|Write|MultiEdit|ExitPlanMode"
    gemini = re.compile(str(SPECS["gemini"].matcher))
    # Gemini tests its matcher with an unanchored regex search: only these three names match.
    for tool in ("run_shell_command", "write_file", "replace"):
        assert gemini.search(tool)
    for tool in ("mcp__x__replace", "write_file_x", "read_file", "web_fetch"):
        assert not gemini.search(tool)
    codex = re.compile(str(SPECS["codex"].matcher))
    assert codex.search("Bash") and not codex.search("BashOutput")
    # Every tool a matcher lets through is one the adapter turns into a request.
    to_request, _ = adapter("gemini")
    for tool, tool_input in (
        ("run_shell_command", {"command": "ls"}),
        ("write_file", {"file_path": "/tmp/approve-x", "content": "x"}),
        ("replace", {"file_path": "/tmp/approve-x", "old_string": "", "new_string": "x"}),
    ):
        to_request({"tool_name": tool, "tool_input": tool_input, "cwd": "/tmp"})


def test_a_stale_entry_is_replaced_not_duplicated() -> None:
    old = merge_hook(originals("claude")["other keys"], "claude", COMMAND["claude"], 300)
    moved = "/elsewhere/venv/bin/python -m approve hook claude"
    new = merge_hook(old.settings, "claude", moved, 600)
    assert new.changed and new.replaced == 1
    [found] = find_hooks(new.settings, "claude")
    assert (found.entry["command"], found.entry["timeout"]) == (moved, 600)
    assert new.settings["model"] == "opus"


def test_remove_without_a_record_keeps_the_containers_it_did_not_empty() -> None:
    original = originals("gemini")["same event, other matcher"]
    merged = merge_hook(original, "gemini", COMMAND["gemini"], 600)
    removed = remove_hooks(merged.settings, "gemini", None)
    assert removed.settings == original  # the group approve added held only its hook
    alone = merge_hook({}, "claude", COMMAND["claude"], 600)
    assert remove_hooks(alone.settings, "claude", None).settings == {"hooks": {"PreToolUse": []}}


def test_remove_leaves_a_group_the_user_added_to_since() -> None:
    merged = merge_hook({}, "claude", COMMAND["claude"], 600)
    later = copy.deepcopy(merged.settings)
    later["hooks"]["PreToolUse"][0]["hooks"].append(other_hook("claude", "later.sh"))
    removed = remove_hooks(later, "claude", merged.created)
    assert removed.settings["hooks"]["PreToolUse"] == [
        {"matcher": SPECS["claude"].matcher, "hooks": [other_hook("claude", "later.sh")]}
    ]


def test_only_approve_hook_for_this_agent_is_recognised() -> None:
    assert is_approve_hook("/usr/local/bin/approve hook claude", "claude")
    assert is_approve_hook("'/home/a b/.venv/bin/python' -m approve hook gemini", "gemini")
    assert is_approve_hook(hook_command("codex", PYTHON_M), "codex")
    for command in (
        "/usr/local/bin/approve hook codex",  # another agent's
        "/usr/local/bin/notapprove hook claude",
        "/usr/local/bin/approve hook claude --popup x",
        "approve check",
        "echo approve hook claude",
        "python -m other hook claude",
        "'unbalanced",
        None,
    ):
        assert not is_approve_hook(command, "claude"), command


@pytest.mark.parametrize(
    "settings",
    [{"hooks": []}, {"hooks": {"PreToolUse": {"matcher": "x"}}}, {"hooks": "none"}],
    ids=["hooks is a list", "event is an object", "hooks is a string"],
)
def test_a_shape_approve_does_not_understand_is_refused(settings: dict[str, Any]) -> None:
    with pytest.raises(InstallError, match="approve leaves it alone"):
        merge_hook(settings, "claude", COMMAND["claude"], 600)


def test_render_keeps_the_files_indentation() -> None:
    data = {"a": {"b": 1}}
    assert render_json(data, '{\n    "x": 1\n}\n') == '{\n    "a": {\n        "b": 1\n    }\n}\n'
    assert render_json(data, '{\n\t"x": 1\n}') == '{\n\t"a": {\n\t\t"b": 1\n\t}\n}'
    assert render_json(data, "") == '{\n  "a": {\n    "b": 1\n  }\n}\n'


# ------------------------------------------------------------------ Codex's feature flag

CODEX_CONFIG = """\
# my codex config
model = "gpt-5"  # the model

[features]
# experimental things
web_search = true

[profiles.work]
model = "o3"
"""


@pytest.mark.parametrize(
    "text",
    [
        "",
        CODEX_CONFIG,
        'model = "gpt-5"',
        "[features]\nhooks = false  # off for now\nother = 1\n\n[x]\ny = 2\n",
        "[features]\n[features.sub]\nz = 1\n",
    ],
    ids=["empty", "features table", "no newline at the end", "turned off", "subtable"],
)
def test_codex_flag_is_added_and_nothing_else_changes(text: str) -> None:
    before = tomllib.loads(text)
    before.get("features", {}).pop("hooks", None)  # the one value that may change
    edited = enable_codex_hooks(text)
    assert edited is not None
    after = tomllib.loads(edited)
    assert after["features"]["hooks"] is True
    after["features"].pop("hooks")
    if not after["features"] and "features" not in before:
        after.pop("features")
    assert after == before
    for line in text.splitlines():
        if "hooks = false" not in line:
            assert line in edited  # comments and layout kept
    assert enable_codex_hooks(edited) is None


@pytest.mark.parametrize("text", ["[features]\nhooks = true\n", "[features]\ncodex_hooks = true"])
def test_codex_flag_already_on_is_left_alone(text: str) -> None:
    assert enable_codex_hooks(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "features.hooks = false\n",
        "features = { hooks = false }\n",
        "[features\nx=1",
        "features = 3",
    ],
)
def test_codex_flag_refuses_what_it_cannot_edit_safely(text: str) -> None:
    with pytest.raises(InstallError):
        enable_codex_hooks(text, "config.toml")


# ------------------------------------------------------------------ the real CLI


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


def cli(
    home: Path, *args: str, cwd: Path | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "CODEX_HOME"}
    environment.update(HOME=str(home), **env)
    return subprocess.run(
        [*PYTHON_M, *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=cwd or home,
        timeout=60,
        check=False,
    )


USER_FILES = {
    "claude": ".claude/settings.json",
    "codex": ".codex/hooks.json",
    "gemini": ".gemini/settings.json",
    "cursor": ".cursor/hooks.json",
}


def backups(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}.approve-backup-*"))


def leftovers(directory: Path) -> list[str]:
    return [p.name for p in directory.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("agent", AGENTS)
def test_install_round_trip_keeps_the_users_settings(agent: str, home: Path) -> None:
    path = home / USER_FILES[agent]
    path.parent.mkdir()
    original = originals(agent)["same event" if agent == "cursor" else "same matcher group"]
    original = {"model": "opus", **original}
    text = json.dumps(original, indent=4) + "\n"
    path.write_text(text)
    path.chmod(0o640)

    done = cli(home, "install", agent)
    assert done.returncode == 0, done.stderr
    assert f"installed the {agent} hook in {path}" in done.stdout
    installed = json.loads(path.read_text())
    [found] = find_hooks(installed, agent)
    assert found.entry["command"] == hook_command(agent, PYTHON_M)
    assert installed["model"] == "opus"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    [first_backup] = backups(path)
    assert first_backup.read_text() == text
    assert f"backup: {first_backup}" in done.stdout
    assert stat.S_IMODE(first_backup.stat().st_mode) == 0o640

    again = cli(home, "install", agent)
    assert again.returncode == 0, again.stderr
    assert "already installed" in again.stdout
    assert json.loads(path.read_text()) == installed
    assert len(backups(path)) == 1

    gone = cli(home, "uninstall", agent)
    assert gone.returncode == 0, gone.stderr
    assert f"removed 1 approve hook entry for {agent}" in gone.stdout
    assert json.loads(path.read_text()) == original
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert len(backups(path)) == 2
    assert leftovers(path.parent) == []

    nothing = cli(home, "uninstall", agent)
    assert (nothing.returncode, "not installed" in nothing.stdout) == (0, True)


def test_second_install_leaves_the_file_untouched(home: Path) -> None:
    assert cli(home, "install", "claude").returncode == 0
    path = home / USER_FILES["claude"]
    before = (path.read_bytes(), path.stat().st_mtime_ns, path.stat().st_ino)
    again = cli(home, "install", "claude")
    assert again.returncode == 0
    assert "already installed" in again.stdout
    assert (path.read_bytes(), path.stat().st_mtime_ns, path.stat().st_ino) == before
    assert backups(path) == []  # the file did not exist before the first install


@pytest.mark.parametrize("agent", AGENTS)
def test_uninstall_of_a_file_install_created_removes_it(agent: str, home: Path) -> None:
    path = home / USER_FILES[agent]
    assert cli(home, "install", agent).returncode == 0
    assert path.exists()
    done = cli(home, "uninstall", agent)
    assert done.returncode == 0, done.stderr
    assert not path.exists()
    assert backups(path) == []


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ('{\n  // my settings\n  "model": "opus"\n}\n', "comments"),
        ('{"model": "opus",}', "JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"hooks": {"PreToolUse": {}}}', "not a list"),
    ],
    ids=["comments", "trailing comma", "array", "odd shape"],
)
def test_a_file_approve_cannot_read_is_refused_and_left_as_it_was(
    content: str, why: str, home: Path
) -> None:
    path = home / USER_FILES["claude"]
    path.parent.mkdir()
    path.write_text(content)
    for command in ("install", "uninstall"):
        done = cli(home, command, "claude")
        assert done.returncode == 2
        assert done.stdout == ""
        [line] = done.stderr.splitlines()
        assert str(path) in line and why in line
        assert path.read_text() == content
        assert backups(path) == [] and leftovers(path.parent) == []


def test_codex_install_turns_the_feature_flag_on_and_uninstall_leaves_it(home: Path) -> None:
    config = home / ".codex" / "config.toml"
    config.parent.mkdir()
    config.write_text(CODEX_CONFIG)
    done = cli(home, "install", "codex")
    assert done.returncode == 0, done.stderr
    assert "[features] hooks = true" in done.stdout
    parsed = tomllib.loads(config.read_text())
    assert parsed["features"] == {"web_search": True, "hooks": True}
    assert parsed["profiles"] == {"work": {"model": "o3"}}
    assert parsed["model"] == "gpt-5"
    assert "# experimental things" in config.read_text()
    [config_backup] = backups(config)
    assert config_backup.read_text() == CODEX_CONFIG
    hooks = json.loads((home / USER_FILES["codex"]).read_text())
    assert find_hooks(hooks, "codex")

    assert "already installed" in cli(home, "install", "codex").stdout
    assert len(backups(config)) == 1

    gone = cli(home, "uninstall", "codex")
    assert gone.returncode == 0
    assert "left [features] hooks" in gone.stdout
    assert tomllib.loads(config.read_text())["features"]["hooks"] is True


def test_codex_honours_codex_home(home: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "codex-home"
    done = cli(home, "install", "codex", CODEX_HOME=str(elsewhere))
    assert done.returncode == 0, done.stderr
    assert (elsewhere / "hooks.json").exists() and (elsewhere / "config.toml").exists()
    assert not (home / ".codex").exists()


def test_project_scope_is_the_git_top_level(home: Path, tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    (repo / "src" / "deep").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True, capture_output=True)
    done = cli(home, "install", "gemini", "--project", cwd=repo / "src" / "deep")
    assert done.returncode == 0, done.stderr
    settings = json.loads((repo / ".gemini" / "settings.json").read_text())
    assert find_hooks(settings, "gemini")
    assert not (home / ".gemini").exists()


def test_project_scope_outside_git_is_the_current_directory(home: Path, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    done = cli(home, "install", "cursor", "--project", cwd=plain)
    assert done.returncode == 0, done.stderr
    assert (plain / ".cursor" / "hooks.json").exists()


def test_explicit_settings_path_and_dry_run(home: Path, tmp_path: Path) -> None:
    path = tmp_path / "odd" / "settings.json"
    path.parent.mkdir()
    path.write_text('{"model": "opus"}\n')
    dry = cli(home, "install", "claude", "--settings", str(path), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would install" in dry.stdout and "dry run: nothing was written" in dry.stdout
    command = hook_command("claude", PYTHON_M)
    assert any(
        line.startswith("+") and json.dumps(command) in line for line in dry.stdout.splitlines()
    )
    assert path.read_text() == '{"model": "opus"}\n'
    assert backups(path) == []
    done = cli(home, "install", "claude", "--settings", str(path))
    assert done.returncode == 0
    assert find_hooks(json.loads(path.read_text()), "claude")
    assert not (home / ".claude").exists()


def test_timeout_follows_the_configured_deadline(home: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("hook_deadline_seconds: 100\n")
    done = cli(home, "install", "gemini", APPROVE_CONFIG=str(config))
    assert done.returncode == 0, done.stderr
    [found] = find_hooks(json.loads((home / USER_FILES["gemini"]).read_text()), "gemini")
    assert found.entry["timeout"] == 160_000
    assert "timeout 160000 ms" in done.stdout


def test_a_broken_config_stops_install(home: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("hook_deadline_seconds: soon\n")
    done = cli(home, "install", "claude", APPROVE_CONFIG=str(config))
    assert done.returncode == 2
    assert "hook_deadline_seconds" in done.stderr and len(done.stderr.splitlines()) == 1
    assert not (home / ".claude").exists()


def test_a_symlinked_settings_file_stays_a_link(home: Path, tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles" / "claude.json"
    dotfiles.parent.mkdir()
    dotfiles.write_text('{"model": "opus"}\n')
    link = home / USER_FILES["claude"]
    link.parent.mkdir()
    link.symlink_to(dotfiles)
    assert cli(home, "install", "claude").returncode == 0
    assert link.is_symlink()
    assert find_hooks(json.loads(dotfiles.read_text()), "claude")


@pytest.mark.parametrize("agent", AGENTS)
def test_the_installed_command_runs_the_hook(agent: str, home: Path) -> None:
    assert cli(home, "install", agent).returncode == 0
    settings = json.loads((home / USER_FILES[agent]).read_text())
    [found] = find_hooks(settings, agent)
    done = subprocess.run(
        shlex.split(found.entry["command"]),
        input=json.dumps(fixture(agent, "safe")),
        capture_output=True,
        text=True,
        env=hook_env(HOME=str(home)),
        cwd=home,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout) if done.stdout.strip() else None
    assert decision_of(agent, answer) == "none"
