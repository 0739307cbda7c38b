"""`approve doctor`: the real CLI over real settings files in a temporary HOME.

A wired setup exits 0 with its rows ok; each broken piece (config, journal, hook, its timeout,
its command, tmux) exits 1 with a row that says what is wrong and how to fix it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from approve.doctor import FAIL, INFO, OK, WARN, Row, failed, render
from approve.install import hook_command

PYTHON_M = [sys.executable, "-m", "approve"]
needs_tmux = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """The current directory: a plain directory (no git), so the project scope is here."""
    path = tmp_path / "work"
    path.mkdir()
    return path


def approve(home: Path, work: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in ("TMUX", "TMUX_PANE", "APPROVE_CONFIG", "APPROVE_JOURNAL", "CODEX_HOME")
    }
    environment.update(HOME=str(home), **env)
    return subprocess.run(
        [*PYTHON_M, *args],
        capture_output=True,  # stdout is a pipe: the table must work there
        text=True,
        env=environment,
        cwd=work,
        timeout=120,
        check=False,
    )


def rows_of(output: str) -> dict[str, tuple[str, str]]:
    """{check: (status, detail)} from the table, read by its header's columns."""
    header, *lines = output.splitlines()
    status_at, detail_at = header.index("STATUS"), header.index("DETAIL")
    rows: dict[str, tuple[str, str]] = {}
    for line in lines:
        check = line[:status_at].strip()
        if check:
            rows[check] = (line[status_at:detail_at].strip(), line[detail_at:])
    return rows


def fix_after(output: str, check: str) -> str:
    lines = output.splitlines()
    for index, line in enumerate(lines):
        if line.startswith(check + " "):
            following = lines[index + 1].strip() if index + 1 < len(lines) else ""
            return following.removeprefix("fix: ") if following.startswith("fix: ") else ""
    raise AssertionError(f"no row {check!r} in:\n{output}")


def write_claude_settings(home: Path, entry: dict[str, object]) -> Path:
    path = home / ".claude" / "settings.json"
    path.parent.mkdir(exist_ok=True)
    group = {"matcher": "Bash|Edit|Write|MultiEdit|ExitPlanMode", "hooks": [entry]}
    path.write_text(json.dumps({"model": "opus", "hooks": {"PreToolUse": [group]}}))
    return path


@needs_tmux
def test_a_wired_setup_is_ok(home: Path, work: Path) -> None:
    assert approve(home, work, "install", "claude").returncode == 0
    done = approve(home, work, "doctor")
    assert done.returncode == 0, done.stdout + done.stderr
    rows = rows_of(done.stdout)
    for check in ("config", "rule packs", "journal", "tmux", "claude (user)"):
        assert rows[check][0] == OK, (check, done.stdout)
    assert rows["claude (project)"][0] == INFO
    assert rows["gemini (user)"] == (INFO, "not installed (~/.gemini/settings.json: no such file)")
    assert rows["pane"][0] in (OK, INFO)
    assert FAIL not in done.stdout
    assert done.stdout.rstrip().endswith("everything needed is in place")


def test_nothing_installed_fails_and_says_how_to_install(home: Path, work: Path) -> None:
    done = approve(home, work, "doctor")
    assert done.returncode == 1
    assert rows_of(done.stdout)["agents"][0] == FAIL
    assert fix_after(done.stdout, "agents").startswith("approve install claude")
    assert done.stdout.rstrip().endswith("problems found")


def test_a_broken_config_fails(home: Path, work: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("hook_deadline_seconds: soon\n")
    approve(home, work, "install", "claude")
    done = approve(home, work, "doctor", APPROVE_CONFIG=str(config))
    assert done.returncode == 1
    status, detail = rows_of(done.stdout)["config"]
    assert status == FAIL and "hook_deadline_seconds" in detail
    assert (
        fix_after(done.stdout, "config") == f"correct {config}, or move it away to use the defaults"
    )


def test_an_unwritable_journal_fails(home: Path, work: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    approve(home, work, "install", "claude")
    done = approve(home, work, "doctor", APPROVE_JOURNAL=str(blocker / "journal.jsonl"))
    assert done.returncode == 1
    assert rows_of(done.stdout)["journal"][0] == FAIL
    assert "APPROVE_JOURNAL" in fix_after(done.stdout, "journal")
    assert blocker.read_text() == "not a directory"


def test_a_timeout_below_the_deadline_fails_until_install_fixes_it(home: Path, work: Path) -> None:
    command = hook_command("claude", PYTHON_M)
    write_claude_settings(home, {"type": "command", "command": command, "timeout": 100})
    done = approve(home, work, "doctor")
    assert done.returncode == 1
    status, detail = rows_of(done.stdout)["claude (user)"]
    assert status == FAIL and "not above the hook's deadline (540 s)" in detail
    assert fix_after(done.stdout, "claude (user)") == "approve install claude (again)"

    assert "updated the claude hook" in approve(home, work, "install", "claude").stdout
    again = approve(home, work, "doctor")
    assert rows_of(again.stdout)["claude (user)"][0] == OK


@pytest.mark.parametrize(
    ("program", "said"),
    [("missing", "missing or not executable"), ("broken", "--version` failed")],
)
def test_a_hook_command_that_does_not_run_fails(
    home: Path, work: Path, tmp_path: Path, program: str, said: str
) -> None:
    fake = tmp_path / program / "approve"
    if program == "broken":
        fake.parent.mkdir()
        fake.write_text("#!/bin/sh\necho 'no such module' >&2\nexit 3\n")
        fake.chmod(0o755)
    write_claude_settings(
        home, {"type": "command", "command": f"{fake} hook claude", "timeout": 600}
    )
    done = approve(home, work, "doctor")
    assert done.returncode == 1
    status, detail = rows_of(done.stdout)["claude (user)"]
    assert status == FAIL and said in detail, done.stdout
    if program == "broken":
        assert "no such module" in detail


def test_settings_that_are_not_json_fail_naming_the_file(home: Path, work: Path) -> None:
    path = home / ".gemini" / "settings.json"
    path.parent.mkdir()
    path.write_text("{\n  // comments are fine for Gemini, not for approve\n}\n")
    done = approve(home, work, "doctor")
    assert done.returncode == 1
    status, detail = rows_of(done.stdout)["gemini (user)"]
    assert status == FAIL and str(path) in detail and "comments" in detail


def test_codex_hooks_turned_off_fail(home: Path, work: Path) -> None:
    assert approve(home, work, "install", "codex").returncode == 0
    (home / ".codex" / "config.toml").write_text("[features]\nhooks = false\n")
    done = approve(home, work, "doctor")
    assert done.returncode == 1
    status, detail = rows_of(done.stdout)["codex (user)"]
    assert status == FAIL and "turns hooks off" in detail


def test_no_tmux_and_no_pane_fails(home: Path, work: Path, tmp_path: Path) -> None:
    assert approve(home, work, "install", "claude").returncode == 0
    empty = tmp_path / "empty-path"
    empty.mkdir()
    done = approve(home, work, "doctor", PATH=str(empty))
    rows = rows_of(done.stdout)
    assert rows["tmux"][0] == WARN
    if rows["pane"][0] == OK:
        pytest.skip("a pane is running, so a review is reachable without tmux")
    assert done.returncode == 1
    assert rows["review reachable"][0] == FAIL
    assert "install tmux" in fix_after(done.stdout, "review reachable")


def test_project_settings_are_checked_too(home: Path, work: Path) -> None:
    assert approve(home, work, "install", "cursor", "--project").returncode == 0
    done = approve(home, work, "doctor")
    assert rows_of(done.stdout)["cursor (project)"][0] == OK
    assert rows_of(done.stdout)["cursor (user)"][0] == INFO


def test_the_home_directory_as_project_is_one_row(home: Path) -> None:
    done = approve(home, home, "doctor")
    assert "claude (user)" in done.stdout
    assert "claude (project)" not in done.stdout


def test_render_aligns_columns_and_puts_fixes_under_problems() -> None:
    rows = [
        Row("config", OK, "defaults"),
        Row("a longer check", FAIL, "broken \x1b[2Kthing", "do this"),
        Row("x", INFO, "note", "not shown for info"),
        Row("y", WARN, "careful", "do that"),
    ]
    lines = render(rows).splitlines()
    assert lines[0].split() == ["CHECK", "STATUS", "DETAIL"]
    detail_column = lines[0].index("DETAIL")
    assert lines[1].index("defaults") == detail_column
    assert lines[2].index("broken") == detail_column
    assert "\x1b" not in render(rows)  # shown as a visible escape, never sent to the terminal
    assert lines[3].strip() == "fix: do this"
    assert lines[3].index("fix:") == detail_column
    assert "not shown for info" not in render(rows)
    assert lines[-1] == "approve doctor: problems found"
    assert failed(rows) and not failed(rows[:1])
