"""The hook's fast path (approve.hookfast): taken only when it gives the full path's answer.

Each test runs the real CLI in a subprocess. The full path runs whenever the config summary is
missing, so deleting it forces the full path; the next run takes the fast path when it can.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_hook_protocols import hook_env, run_hook

# Prints the approve modules the run loaded: the fast path never loads config, agents or analyze.
PROBE = (
    "import sys\n"
    "from approve.cli import main\n"
    "code = main(['hook', sys.argv[1]])\n"
    "heavy = sorted(m for m in sys.modules if m in ('approve.config', 'approve.agents', "
    "'approve.analyze', 'yaml', 'json'))\n"
    "sys.stderr.write('HEAVY=' + repr(heavy) + ' CODE=' + str(code))\n"
)


def bash(command: str) -> str:
    return json.dumps(
        {
            "session_id": "s1",
            "hook_event_name": "PreToolUse",
            "tool_name": "Bash",
            "tool_input": {"command": command},
            "tool_use_id": "toolu_1",
            "cwd": "/tmp",
        }
    )


def summary_path() -> Path:
    return Path(os.environ["XDG_CACHE_HOME"]) / "approve" / "hook-config-v1.marshal"


def probe(agent: str, payload: str, env: dict[str, str] | None = None) -> tuple[bytes, str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, agent],
        input=payload.encode(),
        capture_output=True,
        env=env or hook_env(),
        timeout=60,
        check=False,
    )
    return done.stdout, done.stderr.decode()


def test_the_first_call_writes_the_summary_and_the_second_is_fast() -> None:
    assert not summary_path().exists()
    stdout, stderr = probe("claude", bash("ls -la"))
    assert stdout == b""
    assert "'approve.config'" in stderr  # the full path ran...
    assert summary_path().exists()  # ...and left the summary behind
    stdout, stderr = probe("claude", bash("ls -la"))
    assert stdout == b""
    assert "HEAVY=[] CODE=0" in stderr, stderr


@pytest.mark.parametrize(
    ("agent", "payload"),
    [
        ("codex", bash("git log --oneline")),
        (
            "gemini",
            json.dumps(
                {"tool_name": "run_shell_command", "tool_input": {"command": "cat README.md"}}
            ),
        ),
        ("cursor", json.dumps({"hook_event_name": "beforeShellExecution", "command": "pwd"})),
    ],
)
def test_each_agent_takes_the_fast_path(agent: str, payload: str) -> None:
    probe(agent, payload)
    stdout, stderr = probe(agent, payload)
    assert stdout == b""
    assert "HEAVY=[] CODE=0" in stderr, stderr


# Commands across the range: the fast path must give the full path's answer for each.
COMMANDS = [
    "ls -la",
    "git status",
    "kubectl get pods -n prod",
    "cat /etc/hostname",
    "rm -rf build",
    "ceph osd purge 3 --yes-i-really-mean-it",
    "terraform apply -auto-approve",
    "ls; rm -rf /",
    "ls $(rm -rf /)",
    "sudo ls",
    "git push --force origin main",
    "echo hi > /etc/passwd",
    "unknown-tool --flag",
    "git -c core.fsmonitor=/tmp/evil status",  # plain words, but git runs /tmp/evil
    "kubectl get pods -n prod",
    "kubectl --context prod exec web -- rm -rf /srv",  # the rm inside is what runs
    "docker -H tcp://h:2375 exec web rm -rf /srv",
    "ls\u202e -la",
]


@pytest.mark.parametrize("command", COMMANDS)
def test_fast_and_full_paths_agree(command: str) -> None:
    payload = bash(command)
    summary_path().unlink(missing_ok=True)
    full = run_hook("claude", payload)
    assert summary_path().exists()
    fast = run_hook("claude", payload)
    assert (fast.code, fast.stdout) == (full.code, full.stdout)
    assert fast.code == 0


def test_a_config_edit_is_seen_at_once(tmp_path: Path) -> None:
    """The summary is keyed by the config file's size and mtime: allowing safe commands (which
    must be journaled, so the full path answers) takes effect on the very next call."""
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "approve" / "config.yaml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("theme: night\n")
    run_hook("claude", bash("ls -la"))
    assert run_hook("claude", bash("ls -la")).stdout == ""
    config.write_text("auto_allow_safe: true\n")
    answer = run_hook("claude", bash("ls -la"))
    assert json.loads(answer.stdout)["hookSpecificOutput"]["permissionDecision"] == "allow"


def test_a_broken_config_after_a_good_one_still_denies() -> None:
    run_hook("claude", bash("ls -la"))
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "approve" / "config.yaml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("tiers: [oops\n")
    answer = run_hook("claude", bash("ls -la"))
    assert json.loads(answer.stdout)["hookSpecificOutput"]["permissionDecision"] == "deny"


def test_input_written_slowly_is_read_whole() -> None:
    """An agent that pauses mid-JSON longer than the fast path waits: the full path reads on."""
    run_hook("claude", bash("ls -la"))
    payload = bash("rm -rf /srv/data").encode()
    process = subprocess.Popen(
        [sys.executable, "-m", "approve", "hook", "claude"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=hook_env(),
    )
    assert process.stdin is not None
    process.stdin.write(payload[:20])
    process.stdin.flush()
    time.sleep(1.5)
    process.stdin.write(payload[20:])
    process.stdin.close()
    assert process.stdout is not None
    process.wait(timeout=60)
    stdout = process.stdout.read()
    assert json.loads(stdout)["hookSpecificOutput"]["permissionDecision"] == "deny"


@pytest.mark.parametrize(
    "payload",
    [
        "not json",
        '{"tool_name": "Bash", "tool_input": {"command": "ls"}} trailing',
        '{"tool_name": "Bash", "tool_input": {"command": NaN}}',
        '{"hook_event_name": "PostToolUse", "tool_name": "Bash", "tool_input": {"command": "ls"}}',
        '{"tool_name": "Bash", "tool_input": {"command": ["ls"]}}',
        '[{"tool_name": "Bash"}]',
    ],
)
def test_what_the_fast_path_cannot_read_goes_to_the_full_path(payload: str) -> None:
    run_hook("claude", bash("ls -la"))
    stdout, stderr = probe("claude", payload)
    assert "'approve.agents'" in stderr, stderr  # the full path answered
    answer = json.loads(stdout) if stdout else None
    if answer is not None:
        assert answer["hookSpecificOutput"]["permissionDecision"] == "deny"
