"""End to end: `approve hook claude` inside tmux opens the review in a popup, a human types into
it, and the hook prints the decision in Claude's protocol.

Two tmux servers: the agent's (a session whose shell plays the agent and runs the hook), and a
viewer's, whose pane runs a client attached to the agent's session (display-popup needs an
attached client, FACTS.md 2). Keys sent to the viewer's pane reach the popup; capturing the
viewer's pane shows what the human sees.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

CEPH = "ceph osd purge 3 --yes-i-really-mean-it"


class Setup:
    """The agent's tmux server, and a viewer attached to it."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        tag = f"{os.getpid()}-{workdir.name}"
        self.agent_socket = f"approve-hook-agent-{tag}"
        self.viewer_socket = f"approve-hook-viewer-{tag}"
        self.out = workdir / "out.json"
        self.rc = workdir / "rc"
        self.journal = workdir / "journal.jsonl"

    def tmux(self, socket: str, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            check=True,
            env=self.env(),
        )
        return done.stdout

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}
        env["APPROVE_JOURNAL"] = str(self.journal)
        env["APPROVE_NOW"] = "2026-11-22T14:00"  # daytime: no night friction
        env["TEXTUAL_ANIMATIONS"] = "none"
        return env

    def start(self, command: str, config: str | None = None) -> None:
        payload = self.workdir / "payload.json"
        payload.write_text(
            json.dumps(
                {
                    "session_id": "sess-e2e",
                    "tool_use_id": "toolu_e2e",
                    "hook_event_name": "PreToolUse",
                    "cwd": str(self.workdir),
                    "tool_name": "Bash",
                    "tool_input": {"command": command},
                }
            )
        )
        if config is not None:
            (self.workdir / "config.yaml").write_text(config)
        go = self.workdir / "go"
        q = shlex.quote
        hook = [sys.executable, "-m", "approve", "hook", "claude"]
        config_env = f"APPROVE_CONFIG={q(str(self.workdir / 'config.yaml'))} " if config else ""
        agent = (
            f"while [ ! -e {q(str(go))} ]; do sleep 0.1; done; "
            f"{config_env}{shlex.join(hook)} < {q(str(payload))} > {q(str(self.out))} "
            f"2> {q(str(self.workdir / 'err'))}; echo $? > {q(str(self.rc))}; sleep 60"
        )
        self.tmux(self.agent_socket, "new-session", "-d", "-s", "agent", "-x", "150", "-y", "45")
        self.tmux(self.agent_socket, "send-keys", "-t", "agent", agent, "Enter")
        attach = f"TMUX= tmux -L {q(self.agent_socket)} -f /dev/null attach -t agent"
        self.tmux(
            self.viewer_socket, "new-session", "-d", "-s", "viewer", "-x", "150", "-y", "45", attach
        )
        deadline = time.monotonic() + 20
        while not self.tmux(self.agent_socket, "list-clients").strip():
            if time.monotonic() > deadline:
                raise AssertionError("the viewer never attached")
            time.sleep(0.1)
        go.write_text("")

    def screen(self) -> str:
        return self.tmux(self.viewer_socket, "capture-pane", "-p", "-t", "viewer")

    def keys(self, *keys: str) -> None:
        self.tmux(self.viewer_socket, "send-keys", "-t", "viewer", *keys)

    def wait_for(self, *texts: str, timeout: float = 40.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.screen()
            if all(text in shown for text in texts):
                return shown
            time.sleep(0.1)
        raise AssertionError(f"{texts!r} never all appeared; the screen:\n{self.screen()}")

    def answer(self, timeout: float = 60.0) -> tuple[int, dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.rc.exists() and self.rc.read_text().strip():
                inner = json.loads(self.out.read_text())["hookSpecificOutput"]
                assert isinstance(inner, dict)
                return int(self.rc.read_text()), inner
            time.sleep(0.1)
        err = self.workdir / "err"
        raise AssertionError(
            f"the hook never answered; stderr: {err.read_text() if err.exists() else ''}"
            f"\nthe screen:\n{self.screen()}"
        )

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.journal.read_text().splitlines() if line]


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    made = Setup(tmp_path)
    yield made
    socket_dir = Path(os.environ.get("TMUX_TMPDIR") or "/tmp") / f"tmux-{os.getuid()}"
    for socket in (made.viewer_socket, made.agent_socket):
        subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True, check=False)
        (socket_dir / socket).unlink(missing_ok=True)  # kill-server leaves the file behind


def test_rejected_in_the_popup(setup: Setup) -> None:
    setup.start(CEPH)
    setup.wait_for("CRITICAL", "ceph osd purge 3", "Approve (a)")
    time.sleep(2.5)  # past the review screen's key guard
    setup.keys("r")
    code, answer = setup.answer()
    assert code == 0
    assert answer["permissionDecision"] == "deny"
    assert "rejected" in answer["permissionDecisionReason"]
    [record] = setup.records()
    assert record["verdict"] == "rejected"
    assert record["origin"]["agent"] == "claude"
    assert record["origin"]["session_id"] == "sess-e2e"
    assert record["origin"]["tool_use_id"] == "toolu_e2e"
    assert "approve: review" not in setup.screen()  # the popup is gone


def test_approved_in_the_popup(setup: Setup) -> None:
    # A low-risk command (an unknown program): rung 1, approve unlocks after the reading floor.
    setup.start("frobnicate --sync")
    setup.wait_for("frobnicate --sync", "Approve (a)")
    setup.wait_for("reading floor of")
    time.sleep(2.0)
    setup.keys("a")
    code, answer = setup.answer()
    assert code == 0
    assert answer["permissionDecision"] == "allow"
    [record] = setup.records()
    assert record["verdict"] == "approved"
    assert record["origin"]["tool_use_id"] == "toolu_e2e"


def test_left_to_time_out(setup: Setup) -> None:
    started = time.monotonic()
    setup.start(CEPH, config="hook_deadline_seconds: 8\n")
    setup.wait_for("ceph osd purge 3", "Approve (a)")
    code, answer = setup.answer()
    assert code == 0
    assert answer["permissionDecision"] == "deny"
    assert "deadline" in answer["permissionDecisionReason"]
    assert time.monotonic() - started < 40
    records = setup.records()
    assert records[0]["verdict"] == "timeout"
    assert all(r["verdict"] != "approved" for r in records)
    time.sleep(0.5)
    assert "ceph osd purge 3 --yes" not in setup.screen()  # the popup was closed


def test_popup_closed_mid_review(setup: Setup) -> None:
    setup.start(CEPH)
    setup.wait_for("ceph osd purge 3", "Approve (a)")
    setup.tmux(setup.agent_socket, "display-popup", "-C", "-t", "agent")  # someone closes it
    code, answer = setup.answer()
    assert code == 0
    assert answer["permissionDecision"] == "deny"
    records = setup.records()
    assert [r["verdict"] for r in records] == ["error"]
    assert records[0]["origin"]["tool_use_id"] == "toolu_e2e"
