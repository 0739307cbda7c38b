"""Whole-process cost of `approve hook AGENT` on a safe shell command, against `python -c pass`.

Target (issue 5): <= 1.3x the same venv's `python -c pass`. The agent runs the hook before every
tool call, so this is the price of every `ls` the agent runs. The first call after a config or
pack change takes the full path (it rewrites the caches); the figure is for the calls after it.
A destructive command is timed too, for scale: it goes to the full analysis and, with no tmux and
no pane here, ends in a deny.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile

from _common import approve_bin, compile_bytecode, python, report, time_interleaved


def payload(agent: str, command: str) -> bytes:
    if agent == "cursor":
        data: dict[str, object] = {"hook_event_name": "beforeShellExecution", "command": command}
    else:
        tool = "run_shell_command" if agent == "gemini" else "Bash"
        data = {
            "session_id": "bench",
            "hook_event_name": "BeforeTool" if agent == "gemini" else "PreToolUse",
            "tool_name": tool,
            "tool_input": {"command": command},
            "tool_use_id": "toolu_bench",
            "cwd": "/tmp",
        }
    return json.dumps(data).encode()


def main() -> None:
    compile_bytecode()
    with tempfile.TemporaryDirectory() as state:
        # A journal of its own, and no tmux: the destructive case is denied, not routed.
        os.environ["APPROVE_JOURNAL"] = os.path.join(state, "journal.jsonl")
        os.environ.pop("TMUX", None)
        hook = [approve_bin(), "hook"]
        for agent in ("claude", "codex", "gemini", "cursor"):  # warm the caches once each
            subprocess.run([*hook, agent], input=payload(agent, "ls -la"), check=True)
        baseline, claude, gemini, cursor, destructive = time_interleaved(
            [
                ([python(), "-c", "pass"], b""),
                ([*hook, "claude"], payload("claude", "ls -la")),
                ([*hook, "gemini"], payload("gemini", "git status")),
                ([*hook, "cursor"], payload("cursor", "cat README.md")),
                ([*hook, "claude"], payload("claude", "ceph osd purge 3 --yes-i-really-mean-it")),
            ]
        )
    report("python -c pass", baseline * 1000, "ms", "-", True)
    for name, value in (
        ("hook claude: ls -la", claude),
        ("hook gemini: git status", gemini),
        ("hook cursor: cat README.md", cursor),
    ):
        ratio = value / baseline
        report(f"{name} ({value * 1000:.1f} ms)", ratio, "x", "<= 1.3x", ratio <= 1.3)
    report("hook claude: ceph osd purge (full path, deny)", destructive * 1000, "ms", "-", True)


if __name__ == "__main__":
    main()
