"""`approve hook AGENT` as each agent sees it: the real process, fed each agent's hook JSON.

Fixtures in tests/fixtures/hooks/ follow the input shapes in FACTS.md 1; the answers are checked
against each protocol's output shape. TMUX is unset, so nothing can reach a human: a safe
command gets no opinion (empty stdout), a destructive one a deny telling the agent to wait.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "hooks"
AGENTS = ("claude", "codex", "gemini", "cursor")
FIXTURE_NAMES = {
    "claude": "claude_bash",
    "codex": "codex_bash",
    "gemini": "gemini_shell",
    "cursor": "cursor_shell",
}


@dataclass
class HookRun:
    code: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def answer(self) -> dict[str, Any] | None:
        """The JSON answer, or None when the hook printed nothing (no opinion)."""
        if not self.stdout:
            return None
        assert self.stdout.lstrip().startswith("{"), self.stdout
        assert self.stdout.count("\n") == 1, f"one JSON line only: {self.stdout!r}"
        value = json.loads(self.stdout)
        assert isinstance(value, dict)
        return value


def hook_env(**extra: str) -> dict[str, str]:
    """The test's environment (its own XDG dirs, see conftest) without tmux."""
    env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}
    env.pop("APPROVE_JOURNAL", None)
    env.pop("APPROVE_CONFIG", None)
    env.update(extra)
    return env


def run_hook(agent: str, stdin: str | bytes, env: dict[str, str] | None = None) -> HookRun:
    data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "approve", "hook", agent],
        input=data,
        capture_output=True,
        env=env if env is not None else hook_env(),
        timeout=60,
        check=False,
    )
    return HookRun(
        done.returncode,
        done.stdout.decode("utf-8"),
        done.stderr.decode("utf-8", "replace"),
        time.monotonic() - started,
    )


def fixture(agent: str, kind: str) -> dict[str, Any]:
    value = json.loads((FIXTURES / f"{FIXTURE_NAMES[agent]}_{kind}.json").read_text())
    assert isinstance(value, dict)
    return value


def decision_of(agent: str, answer: dict[str, Any] | None) -> str:
    """allow | deny | none, after checking ANSWER has exactly AGENT's output shape."""
    if answer is None:
        return "none"
    if agent in ("claude", "codex"):
        assert set(answer) == {"hookSpecificOutput"}, answer
        inner = answer["hookSpecificOutput"]
        assert set(inner) == {"hookEventName", "permissionDecision", "permissionDecisionReason"}
        assert inner["hookEventName"] == "PreToolUse"
        assert inner["permissionDecision"] in ("allow", "deny", "ask")
        assert isinstance(inner["permissionDecisionReason"], str)
        if agent == "codex":
            # Only deny with a non-empty reason is valid there; anything else fails open.
            assert inner["permissionDecision"] == "deny"
            assert inner["permissionDecisionReason"].strip()
        return str(inner["permissionDecision"])
    if agent == "gemini":
        assert set(answer) == {"decision", "reason"}, answer
        assert answer["decision"] in ("allow", "deny")
        assert isinstance(answer["reason"], str)
        return str(answer["decision"])
    assert agent == "cursor"
    assert set(answer) == {"permission", "user_message", "agent_message"}, answer
    assert answer["permission"] in ("allow", "deny", "ask")
    assert isinstance(answer["user_message"], str) and answer["user_message"]
    assert isinstance(answer["agent_message"], str) and answer["agent_message"]
    return str(answer["permission"])


def agent_reason(agent: str, answer: dict[str, Any]) -> str:
    if agent in ("claude", "codex"):
        return str(answer["hookSpecificOutput"]["permissionDecisionReason"])
    if agent == "gemini":
        return str(answer["reason"])
    return str(answer["agent_message"])


def assert_denied(agent: str, run: HookRun) -> str:
    """The run ended in a deny in AGENT's protocol, exit 0; its reason for the agent."""
    assert run.code == 0, run.stderr
    answer = run.answer
    assert decision_of(agent, answer) == "deny", run.stdout
    assert answer is not None
    return agent_reason(agent, answer)


def journal_records(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line]


@pytest.mark.parametrize("agent", AGENTS)
def test_safe_command_gets_no_opinion(agent: str, tmp_path: Path) -> None:
    journal = tmp_path / "journal.jsonl"
    env = hook_env(APPROVE_JOURNAL=str(journal))
    run_hook(agent, json.dumps(fixture(agent, "safe")), env)  # the first run writes the cache
    run = run_hook(agent, json.dumps(fixture(agent, "safe")), env)
    assert run.code == 0, run.stderr
    assert run.stdout == ""
    assert decision_of(agent, run.answer) == "none"
    assert journal_records(journal) == []  # rung 0 decides nothing a human must answer for


@pytest.mark.parametrize("agent", AGENTS)
def test_destructive_command_without_tmux_is_denied_with_stop_and_wait(
    agent: str, tmp_path: Path
) -> None:
    journal = tmp_path / "journal.jsonl"
    payload = fixture(agent, "destructive")
    run = run_hook(agent, json.dumps(payload), hook_env(APPROVE_JOURNAL=str(journal)))
    reason = assert_denied(agent, run)
    command = payload.get("command") or payload["tool_input"]["command"]
    assert command in reason  # names what was refused
    assert "risk" in reason  # and why
    assert "Do not retry this another way" in reason
    assert "wait" in reason
    assert "tmux" in reason and "approve pane" in reason  # how the human can review it
    [record] = journal_records(journal)
    assert record["verdict"] == "error"
    assert record["reviewers"] == []  # not a human decision: no streak is touched
    origin = record["origin"]
    assert origin["source"] == "hook" and origin["agent"] == agent
    assert origin["session_id"] == payload.get("session_id", payload.get("conversation_id"))
    assert origin.get("tool_use_id") == payload.get("tool_use_id", payload.get("generation_id"))


def test_cursor_deny_speaks_to_the_human_and_the_agent_separately() -> None:
    run = run_hook("cursor", json.dumps(fixture("cursor", "destructive")))
    assert_denied("cursor", run)
    answer = run.answer
    assert answer is not None
    assert "approve pane" in answer["user_message"]
    assert "Do not retry" not in answer["user_message"]  # that part is for the agent
    assert "Do not retry" in answer["agent_message"]


@pytest.mark.parametrize(
    ("agent", "expected"),
    [("claude", "allow"), ("codex", "none"), ("gemini", "allow"), ("cursor", "allow")],
)
def test_auto_allow_safe_allows_where_the_protocol_can_say_so(
    agent: str, expected: str, tmp_path: Path
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("auto_allow_safe: true\n")
    run = run_hook(agent, json.dumps(fixture(agent, "safe")), hook_env(APPROVE_CONFIG=str(config)))
    assert run.code == 0, run.stderr
    assert decision_of(agent, run.answer) == expected  # Codex: a bare allow would be invalid


@pytest.mark.parametrize("agent", ["claude", "gemini"])
def test_auto_allow_safe_never_allows_a_destructive_command(agent: str, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("auto_allow_safe: true\n")
    env = hook_env(APPROVE_CONFIG=str(config))
    assert_denied(agent, run_hook(agent, json.dumps(fixture(agent, "destructive")), env))


def test_fast_path_does_not_import_textual() -> None:
    """A safe command is answered without loading Textual (its import alone costs ~200 ms)."""
    probe = (
        "import sys\n"
        "from approve.cli import main\n"
        "code = main(['hook', 'claude'])\n"
        "loaded = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "sys.stderr.write('LOADED=' + repr(loaded) + ' CODE=' + str(code))\n"
    )
    payload = json.dumps(fixture("claude", "safe"))
    for _ in range(2):  # the second run takes the cached fast path
        done = subprocess.run(
            [sys.executable, "-c", probe],
            input=payload.encode(),
            capture_output=True,
            env=hook_env(),
            timeout=60,
            check=False,
        )
    assert done.returncode == 0
    assert done.stdout == b""
    assert b"LOADED=[] CODE=0" in done.stderr, done.stderr


def test_deny_without_tmux_does_not_import_textual() -> None:
    probe = (
        "import sys\n"
        "from approve.cli import main\n"
        "main(['hook', 'claude'])\n"
        "sys.stderr.write('TEXTUAL=' + str('textual' in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        input=json.dumps(fixture("claude", "destructive")).encode(),
        capture_output=True,
        env=hook_env(),
        timeout=60,
        check=False,
    )
    assert b'"permissionDecision":"deny"' in done.stdout
    assert b"TEXTUAL=False" in done.stderr, done.stderr


def test_write_of_a_destructive_script_is_diffed_and_routed(tmp_path: Path) -> None:
    target = tmp_path / "cleanup.sh"
    payload = {
        "session_id": "s",
        "tool_use_id": "toolu_write",
        "hook_event_name": "PreToolUse",
        "cwd": str(tmp_path),
        "tool_name": "Write",
        "tool_input": {"file_path": str(target), "content": "#!/bin/sh\nrm -rf /\n"},
    }
    journal = tmp_path / "journal.jsonl"
    run = run_hook("claude", json.dumps(payload), hook_env(APPROVE_JOURNAL=str(journal)))
    assert "cleanup.sh" in assert_denied("claude", run)
    [record] = journal_records(journal)
    assert record["kind"] == "diff"
    assert "+rm -rf /" in record["excerpt"]
    assert record["origin"]["tool_use_id"] == "toolu_write"
    assert not target.exists()  # the hook only reads


def test_harmless_edit_gets_no_opinion_and_is_not_journaled(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("hello\nworld\n")
    payload = {
        "session_id": "s",
        "tool_use_id": "toolu_edit",
        "hook_event_name": "PreToolUse",
        "cwd": str(tmp_path),
        "tool_name": "Edit",
        "tool_input": {"file_path": str(target), "old_string": "world", "new_string": "there"},
    }
    journal = tmp_path / "journal.jsonl"
    run = run_hook("claude", json.dumps(payload), hook_env(APPROVE_JOURNAL=str(journal)))
    assert run.code == 0, run.stderr
    assert decision_of("claude", run.answer) == "none"
    assert journal_records(journal) == []
    assert target.read_text() == "hello\nworld\n"


def test_auto_allowed_is_journaled_first(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("auto_allow_safe: true\n")
    journal = tmp_path / "journal.jsonl"
    env = hook_env(APPROVE_CONFIG=str(config), APPROVE_JOURNAL=str(journal))
    run = run_hook("claude", json.dumps(fixture("claude", "safe")), env)
    assert decision_of("claude", run.answer) == "allow"
    (record,) = [json.loads(line) for line in journal.read_text().splitlines()]
    assert record["verdict"] == "auto-allowed"
    assert record["reviewers"] == []
    assert record["origin"]["agent"] == "claude"


def test_an_allow_that_cannot_be_journaled_is_no_opinion(tmp_path: Path) -> None:
    """auto_allow_safe with an unwritable journal: approve allows nothing it cannot record."""
    config = tmp_path / "config.yaml"
    config.write_text("auto_allow_safe: true\n")
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the journal's folder should be")
    env = hook_env(APPROVE_CONFIG=str(config), APPROVE_JOURNAL=str(blocked / "journal.jsonl"))
    run = run_hook("claude", json.dumps(fixture("claude", "safe")), env)
    assert run.code == 0
    assert run.answer is None  # no opinion: the agent's own permission rules apply
