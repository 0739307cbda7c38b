"""The agent adapters on their own: tool calls -> Requests (diffs against the file on disk),
and answers -> each agent's output JSON. In-process: approve.agents is plain code."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from approve.agents import AdapterError, Answer, adapter
from approve.model import Request


def request_for(agent: str, payload: dict[str, object]) -> Request:
    to_request, _ = adapter(agent)
    return to_request(payload)


def claude_tool(tool: str, tool_input: dict[str, object], cwd: str = "/tmp") -> dict[str, object]:
    return {
        "session_id": "sess",
        "tool_use_id": "toolu_1",
        "hook_event_name": "PreToolUse",
        "cwd": cwd,
        "tool_name": tool,
        "tool_input": tool_input,
    }


def test_bash_becomes_a_shell_request_with_its_origin() -> None:
    request = request_for("claude", claude_tool("Bash", {"command": "rm -rf build"}))
    assert (request.text, request.kind, request.title) == (
        "rm -rf build",
        "shell",
        "Bash: rm -rf build",
    )
    origin = request.origin
    assert (origin.source, origin.agent, origin.session_id, origin.tool_use_id) == (
        "hook",
        "claude",
        "sess",
        "toolu_1",
    )


def test_write_of_a_new_file_is_all_additions(tmp_path: Path) -> None:
    path = tmp_path / "new.txt"
    request = request_for(
        "claude", claude_tool("Write", {"file_path": str(path), "content": "a\nb\n"})
    )
    assert request.kind == "diff"
    assert request.text.splitlines() == [
        "--- /dev/null",
        f"+++ {path}",
        "@@ -0,0 +1,2 @@",
        "+a",
        "+b",
    ]


def test_write_over_an_existing_file_diffs_against_the_disk(tmp_path: Path) -> None:
    path = tmp_path / "app.conf"
    path.write_text("port = 80\nhost = a\n")
    request = request_for(
        "claude", claude_tool("Write", {"file_path": str(path), "content": "port = 81\nhost = a\n"})
    )
    lines = request.text.splitlines()
    assert "-port = 80" in lines and "+port = 81" in lines and " host = a" in lines


def test_relative_paths_are_resolved_against_the_agents_cwd(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("x\n")
    request = request_for(
        "claude", claude_tool("Write", {"file_path": "f.txt", "content": "y\n"}, cwd=str(tmp_path))
    )
    assert "-x" in request.text.splitlines()


def test_missing_final_newline_is_marked(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    request = request_for(
        "claude", claude_tool("Write", {"file_path": str(path), "content": "end"})
    )
    assert request.text.endswith("+end\n\\ No newline at end of file\n")


def test_edit_and_multiedit_apply_in_order(tmp_path: Path) -> None:
    path = tmp_path / "f.py"
    path.write_text("a = 1\nb = 1\nb = 1\n")
    edit = request_for(
        "claude",
        claude_tool("Edit", {"file_path": str(path), "old_string": "a = 1", "new_string": "a = 2"}),
    )
    assert "-a = 1" in edit.text.splitlines() and "+a = 2" in edit.text.splitlines()
    multi = request_for(
        "claude",
        claude_tool(
            "MultiEdit",
            {
                "file_path": str(path),
                "edits": [
                    {"old_string": "a = 1", "new_string": "a = 2"},
                    {"old_string": "a = 2", "new_string": "a = 3"},
                    {"old_string": "b = 1", "new_string": "b = 9", "replace_all": True},
                ],
            },
        ),
    )
    added = [line for line in multi.text.splitlines() if line.startswith("+") and line[1:2] != "+"]
    assert added == ["+a = 3", "+b = 9", "+b = 9"]


@pytest.mark.parametrize(
    "tool_input",
    [
        {"old_string": "missing", "new_string": "x"},  # not in the file as it is now
        {"old_string": "b = 1", "new_string": "x"},  # ambiguous without replace_all
        {"old_string": "", "new_string": "x"},  # empty old_string on an existing file
        {"new_string": "x"},
    ],
)
def test_edits_that_do_not_apply_are_refused(tmp_path: Path, tool_input: dict[str, object]) -> None:
    path = tmp_path / "f.py"
    path.write_text("a = 1\nb = 1\nb = 1\n")
    with pytest.raises(AdapterError):
        request_for("claude", claude_tool("Edit", {"file_path": str(path), **tool_input}))


def test_files_that_cannot_be_read_are_refused(tmp_path: Path) -> None:
    binary = tmp_path / "blob.bin"
    binary.write_bytes(b"\xff\xfe\x00binary")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for path in (tmp_path, binary, fifo):  # a directory, non-UTF-8, a FIFO (would block)
        with pytest.raises(AdapterError):
            request_for("claude", claude_tool("Write", {"file_path": str(path), "content": "x"}))


def test_exit_plan_mode_is_reviewed_as_text() -> None:
    request = request_for("claude", claude_tool("ExitPlanMode", {"plan": "1. drop the table"}))
    assert (request.text, request.kind, request.title) == ("1. drop the table", "text", "Plan")


@pytest.mark.parametrize(
    ("agent", "payload"),
    [
        ("claude", claude_tool("WebFetch", {"url": "https://example.com"})),
        ("claude", claude_tool("Bash", {"command": ""})),
        ("claude", {**claude_tool("Bash", {"command": "ls"}), "hook_event_name": "PostToolUse"}),
        ("claude", {"tool_name": "Bash", "tool_input": "ls"}),
        ("codex", {"tool_name": "apply_patch", "tool_input": {"command": "*** Begin Patch"}}),
        ("gemini", {"tool_name": "web_fetch", "tool_input": {"prompt": "x"}}),
        ("cursor", {"hook_event_name": "beforeShellExecution", "cwd": "/tmp"}),
        ("cursor", {"hook_event_name": "beforeMCPExecution", "command": "ls"}),
    ],
)
def test_unknown_tools_and_shapes_are_refused(agent: str, payload: dict[str, object]) -> None:
    with pytest.raises(AdapterError):
        request_for(agent, payload)


def test_gemini_and_cursor_shapes() -> None:
    shell = request_for(
        "gemini",
        {"session_id": "g", "tool_name": "run_shell_command", "tool_input": {"command": "ls"}},
    )
    assert (shell.text, shell.kind, shell.origin.agent, shell.origin.session_id) == (
        "ls",
        "shell",
        "gemini",
        "g",
    )
    cursor = request_for(
        "cursor",
        {"conversation_id": "c", "generation_id": "g1", "command": "ls", "cwd": "/tmp"},
    )
    assert (cursor.text, cursor.origin.session_id, cursor.origin.tool_use_id) == ("ls", "c", "g1")


def test_argv_commands_are_joined_as_the_shell_would_read_them() -> None:
    request = request_for(
        "codex", {"tool_name": "Bash", "tool_input": {"command": ["rm", "-rf", "my dir"]}}
    )
    assert request.text == "rm -rf 'my dir'"


@pytest.mark.parametrize("agent", ["claude", "codex", "gemini", "cursor"])
def test_no_opinion_prints_nothing(agent: str) -> None:
    _, render = adapter(agent)
    rendered = render(Answer("none"), {})
    assert (rendered.stdout, rendered.exit_code) == ("", 0)


def test_answers_in_each_protocol() -> None:
    deny = Answer("deny", "stop \x1b[2Jnow", human="for you")
    outputs = {
        agent: adapter(agent)[1](deny, {}) for agent in ("claude", "codex", "gemini", "cursor")
    }
    claude = json.loads(outputs["claude"].stdout)
    assert claude["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert "\x1b" not in claude["hookSpecificOutput"]["permissionDecisionReason"]  # sanitized
    assert json.loads(outputs["gemini"].stdout)["decision"] == "deny"
    cursor = json.loads(outputs["cursor"].stdout)
    assert (cursor["permission"], cursor["user_message"]) == ("deny", "for you")
    codex_empty = adapter("codex")[1](Answer("deny", "  "), {})
    reason = json.loads(codex_empty.stdout)["hookSpecificOutput"]["permissionDecisionReason"]
    assert reason.strip()  # Codex needs a non-empty reason, or the deny is invalid (fails open)
    assert adapter("codex")[1](Answer("allow", "ok"), {}).stdout == ""  # never a bare allow
