"""The fail-closed matrix: every way `approve hook` can go wrong ends in a deny in the agent's
own protocol, exit 0, never an allow, never exit 1 (an agent treats exit 1 as "go ahead").

The real process each time; TMUX is unset unless a case needs it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_hook_protocols import (
    AGENTS,
    HookRun,
    assert_denied,
    fixture,
    hook_env,
    journal_records,
    run_hook,
)


@pytest.mark.parametrize("agent", AGENTS)
def test_no_tmux_and_no_pane(agent: str) -> None:
    run = run_hook(agent, json.dumps(fixture(agent, "destructive")))
    assert "no review screen is reachable" in assert_denied(agent, run)


@pytest.mark.parametrize("agent", AGENTS)
@pytest.mark.parametrize(
    "stdin", [b"{not json", b"", b"[1, 2]", b"\xff\xfe", b'"a string"'], ids=repr
)
def test_malformed_input(agent: str, stdin: bytes, tmp_path: Path) -> None:
    journal = tmp_path / "journal.jsonl"
    run = run_hook(agent, stdin, hook_env(APPROVE_JOURNAL=str(journal)))
    assert "could not review" in assert_denied(agent, run)
    [record] = journal_records(journal)
    assert (record["verdict"], record["origin"]["agent"]) == ("error", agent)


@pytest.mark.parametrize(
    ("agent", "payload"),
    [
        ("claude", {"session_id": "s", "tool_name": "NotebookEdit", "tool_input": {}}),
        ("codex", {"session_id": "s", "tool_name": "apply_patch", "tool_input": {"command": "x"}}),
        ("gemini", {"session_id": "s", "tool_name": "web_fetch", "tool_input": {}}),
        ("cursor", {"conversation_id": "s", "hook_event_name": "beforeReadFile", "command": "x"}),
    ],
)
def test_unknown_tool(agent: str, payload: dict[str, object], tmp_path: Path) -> None:
    journal = tmp_path / "journal.jsonl"
    run = run_hook(agent, json.dumps(payload), hook_env(APPROVE_JOURNAL=str(journal)))
    assert_denied(agent, run)
    [record] = journal_records(journal)
    assert record["verdict"] == "error"
    assert record["origin"]["session_id"] == "s"  # journaled with the agent's ids


@pytest.mark.parametrize(
    ("agent", "tool", "extra"),
    [
        ("claude", "Edit", {"old_string": "a", "new_string": "b"}),
        ("claude", "Write", {"content": "x"}),
        ("claude", "MultiEdit", {"edits": [{"old_string": "a", "new_string": "b"}]}),
        ("gemini", "replace", {"old_string": "a", "new_string": "b"}),
        ("gemini", "write_file", {"content": "x"}),
    ],
)
def test_edit_to_a_file_that_cannot_be_read(
    agent: str, tool: str, extra: dict[str, object], tmp_path: Path
) -> None:
    unreadable = tmp_path / "latin1.txt"
    unreadable.write_bytes(b"caf\xe9 a\n")  # not UTF-8: no honest diff can be shown
    payload = {
        "session_id": "s",
        "tool_use_id": "t",
        "cwd": str(tmp_path),
        "tool_name": tool,
        "tool_input": {"file_path": str(unreadable), **extra},
    }
    reason = assert_denied(agent, run_hook(agent, json.dumps(payload)))
    assert "latin1.txt" in reason


@pytest.mark.parametrize("agent", AGENTS)
def test_unwritable_journal(agent: str, tmp_path: Path) -> None:
    # Tests may run as root, which writes through read-only permissions: a journal whose
    # parent "directory" is a regular file cannot be created by anyone.
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    env = hook_env(APPROVE_JOURNAL=str(blocker / "journal.jsonl"))
    run = run_hook(agent, json.dumps(fixture(agent, "destructive")), env)
    reason = assert_denied(agent, run)
    assert "could not be journaled" in reason
    assert "Do not retry this another way" in reason
    malformed = run_hook(agent, b"{", env)
    assert "could not be journaled" in assert_denied(agent, malformed)


@pytest.mark.parametrize("agent", AGENTS)
@pytest.mark.parametrize(
    "config_text",
    ["auto_allow_safe: yes please\n", "no_such_key: 1\n", "tiers: [\n", None],
    ids=["bad-value", "unknown-key", "bad-yaml", "missing-file"],
)
def test_broken_config_denies_even_safe_commands(
    agent: str, config_text: str | None, tmp_path: Path
) -> None:
    config = tmp_path / "config.yaml"
    if config_text is not None:
        config.write_text(config_text)
    env = hook_env(APPROVE_CONFIG=str(config))
    reason = assert_denied(agent, run_hook(agent, json.dumps(fixture(agent, "safe")), env))
    assert "config.yaml" in reason  # the deny names what is broken


@pytest.mark.parametrize("agent", AGENTS)
def test_tmux_set_but_unreachable(agent: str, tmp_path: Path) -> None:
    """TMUX points at no server: the popup cannot open, so nobody reviewed: deny."""
    journal = tmp_path / "journal.jsonl"
    env = hook_env(
        APPROVE_JOURNAL=str(journal),
        TMUX=f"{tmp_path}/no-such-socket,1,0",
        TMUX_PANE="%0",
    )
    run = run_hook(agent, json.dumps(fixture(agent, "destructive")), env)
    assert "closed without a decision" in assert_denied(agent, run)
    [record] = journal_records(journal)
    assert record["verdict"] == "error"


@pytest.mark.parametrize("agent", AGENTS)
def test_killed_by_sigterm_still_denies(agent: str, tmp_path: Path) -> None:
    """The agent (or anyone) terminating the hook mid-wait gets a deny, not silence.

    The hook waits on a popup whose `tmux` is a script that sleeps: a stand-in for a popup a
    human has not answered yet (the real popup is tested end to end with tmux).
    """
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_tmux = bin_dir / "tmux"
    # `display-popup -C` (close) answers at once; the popup itself never does.
    fake_tmux.write_text('#!/bin/sh\ncase "$*" in *" -C"*) exit 0;; esac\nexec sleep 30\n')
    fake_tmux.chmod(0o755)
    env = hook_env(
        APPROVE_JOURNAL=str(tmp_path / "journal.jsonl"),
        TMUX="/nonexistent,1,0",
        PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "approve", "hook", agent],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(json.dumps(fixture(agent, "destructive")).encode())
    process.stdin.close()
    # Wait until the hook is waiting on the popup (its child `sleep` exists), then terminate it.
    deadline = 30.0
    started = time.monotonic()
    while time.monotonic() - started < deadline:
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
        if children.exists() and children.read_text().strip():
            break
        time.sleep(0.05)
    else:
        process.kill()
        pytest.fail("the hook never opened the popup")
    process.terminate()
    assert process.wait(timeout=30) == 0
    stdout, stderr = process.stdout.read(), process.stderr.read() if process.stderr else b""
    run = HookRun(process.returncode, stdout.decode(), stderr.decode(), 0.0)
    assert "SIGTERM" in assert_denied(agent, run)


def _fake_tmux(tmp_path: Path, popup_script: str) -> str:
    """A PATH whose `tmux` runs POPUP_SCRIPT for display-popup (and closes at once with -C)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    fake = bin_dir / "tmux"
    fake.write_text(f'#!/bin/sh\ncase "$*" in *" -C"*) exit 0;; esac\n{popup_script}\n')
    fake.chmod(0o755)
    return f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"


def test_deadline_passes_while_the_popup_is_open(tmp_path: Path) -> None:
    """Nobody answers: at the hook's own deadline it closes the popup and denies (the agent's
    own timeout would have let the command run)."""
    config = tmp_path / "config.yaml"
    config.write_text("hook_deadline_seconds: 5\n")
    journal = tmp_path / "journal.jsonl"
    env = hook_env(
        APPROVE_CONFIG=str(config),
        APPROVE_JOURNAL=str(journal),
        TMUX="/nonexistent,1,0",
        PATH=_fake_tmux(tmp_path, "exec sleep 60"),
    )
    run = run_hook("claude", json.dumps(fixture("claude", "destructive")), env)
    reason = assert_denied("claude", run)
    assert "deadline" in reason
    assert 4.5 < run.seconds < 20
    [record] = journal_records(journal)
    assert (record["verdict"], record["origin"]["tool_use_id"]) == ("timeout", "toolu_destroy_1")


@pytest.mark.parametrize("agent", AGENTS)
def test_popup_killed_mid_review(agent: str, tmp_path: Path) -> None:
    """The popup goes away without an answer (killed, or closed by tmux): deny."""
    env = hook_env(
        APPROVE_JOURNAL=str(tmp_path / "journal.jsonl"),
        TMUX="/nonexistent,1,0",
        PATH=_fake_tmux(tmp_path, "kill -9 $$"),
    )
    run = run_hook(agent, json.dumps(fixture(agent, "destructive")), env)
    assert "closed without a decision" in assert_denied(agent, run)


def test_forged_answer_for_another_request_is_not_an_approval(tmp_path: Path) -> None:
    """The popup's answer must be bound to this request's hash: an `approved` for anything
    else (or without the hash) counts as no decision."""
    script = (
        'dir=$(printf "%s" "$*" | sed -n "s/.*--popup \\([^ ]*\\).*/\\1/p")\n'
        'printf \'{"verdict": "approved", "reason": "", "input_sha256": "00"}\' '
        '> "$dir/answer.json"'
    )
    env = hook_env(
        APPROVE_JOURNAL=str(tmp_path / "journal.jsonl"),
        TMUX="/nonexistent,1,0",
        PATH=_fake_tmux(tmp_path, script),
    )
    run = run_hook("claude", json.dumps(fixture("claude", "destructive")), env)
    assert_denied("claude", run)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_real_tmux_without_an_attached_client(tmp_path: Path) -> None:
    """A real tmux server whose session has no client: `no current client`, so deny."""
    socket = tmp_path / "tmux.sock"
    subprocess.run(
        ["tmux", "-S", str(socket), "-f", "/dev/null", "new-session", "-d", "-s", "s"],
        check=True,
        env=hook_env(),
    )
    try:
        pane = subprocess.run(
            ["tmux", "-S", str(socket), "display-message", "-p", "-t", "s", "#{pane_id}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        env = hook_env(
            APPROVE_JOURNAL=str(tmp_path / "journal.jsonl"),
            TMUX=f"{socket},1,0",
            TMUX_PANE=pane,
        )
        run = run_hook("claude", json.dumps(fixture("claude", "destructive")), env)
        assert "closed without a decision" in assert_denied("claude", run)
    finally:
        subprocess.run(["tmux", "-S", str(socket), "kill-server"], check=False)


def test_stdin_never_closed_is_denied_at_the_deadline(tmp_path: Path) -> None:
    """An agent that never closes the hook's stdin: the hook's own deadline still ends it with
    a deny, before the agent's timeout (which would let the command run)."""
    config = tmp_path / "config.yaml"
    config.write_text("hook_deadline_seconds: 5\n")
    journal = tmp_path / "journal.jsonl"
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "approve", "hook", "gemini"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=hook_env(APPROVE_CONFIG=str(config), APPROVE_JOURNAL=str(journal)),
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(b'{"session_id": "g1", "tool_name": "run_shell_command", ')
    process.stdin.flush()  # and never closed
    try:
        assert process.wait(timeout=30) == 0
        stdout = process.stdout.read().decode()
    finally:
        process.kill()
        process.stdin.close()
    elapsed = time.monotonic() - started
    run = HookRun(0, stdout, "", elapsed)
    assert "deadline" in assert_denied("gemini", run)
    assert 4.5 < elapsed < 20
    [record] = journal_records(journal)
    assert record["verdict"] == "timeout"


def test_unwritable_journal_denies_before_asking_a_human(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    called = tmp_path / "tmux-called"
    env = hook_env(
        APPROVE_JOURNAL=str(blocker / "journal.jsonl"),
        TMUX="/nonexistent,1,0",
        PATH=_fake_tmux(tmp_path, f"touch {called}; exec sleep 60"),
    )
    run = run_hook("claude", json.dumps(fixture("claude", "destructive")), env)
    assert "journal" in assert_denied("claude", run)
    assert not called.exists()  # no popup: the decision could not have been kept


def test_unknown_agent_exits_2_with_a_reason_on_stderr() -> None:
    """Whose protocol to answer in is unknown: exit 2 with stderr blocks in Claude, Codex and
    Gemini, and nothing goes to stdout that an agent could misread."""
    done = subprocess.run(
        [sys.executable, "-m", "approve", "hook", "copilot"],
        input=json.dumps(fixture("claude", "destructive")).encode(),
        capture_output=True,
        env=hook_env(),
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == b""
    assert b"invalid choice" in done.stderr
