"""End to end: `approve pane --split` in a real tmux, a hook request from a script that plays the
agent, keys typed into the pane, and the decision back at the hook in Claude's protocol.

One private tmux server (-L, -f /dev/null). The first pane of its session runs a shell that runs
`approve pane --split` (TMUX is set there, so the pane opens in a split beside it). The agent is
played by this test: it runs `approve hook claude` as a subprocess with TMUX unset, so no popup
can open and the pane's socket is the only way to a human; it shares XDG_RUNTIME_DIR (a short
private folder: a Unix socket address holds 107 bytes) with the pane. Capturing the pane's tmux
pane shows what the reviewer sees; keys sent to it are what the reviewer types.
"""

from __future__ import annotations

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
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from approve.journal import iter_records, verify

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

CEPH = "ceph osd purge 3 --yes-i-really-mean-it"
SESSION_ID = "sess-pane-e2e"
TOOL_USE_ID = "toolu_pane_e2e"
WIDTH, HEIGHT = 200, 50
DEADLINE_S = 20.0
COUNTDOWN = re.compile(r"approve unlocks in (\d+) s \(reading floor (\d+) s\)")
SPLIT_SAYS = re.compile(
    r"approve pane opened in tmux pane (%\d+)\.\n"
    r"Close it with ctrl\+q inside it, or: tmux kill-pane -t (%\d+)\n"
)


class Setup:
    """A private tmux server whose shell opened `approve pane --split`, and the agent's hook."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.runtime = Path(tempfile.mkdtemp(prefix="apv-", dir="/tmp"))
        os.chmod(self.runtime, 0o700)
        self.tmux_socket = f"approve-pane-{os.getpid()}-{self.runtime.name}"
        self.journal = workdir / "journal.jsonl"
        self.pane = ""  # the tmux pane id the split opened, e.g. %1
        self.hooks: list[subprocess.Popen[bytes]] = []

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}
        env.pop("APPROVE_CONFIG", None)
        env["XDG_RUNTIME_DIR"] = str(self.runtime)
        env["APPROVE_JOURNAL"] = str(self.journal)
        env["APPROVE_NOW"] = "2026-11-22T14:00"  # daytime: no night friction
        env["TEXTUAL_ANIMATIONS"] = "none"
        return env

    def tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.tmux_socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            check=True,
            env=self.env(),
        )
        return done.stdout

    def panes(self) -> dict[str, int]:
        """The session's panes: id -> width."""
        listed = self.tmux("list-panes", "-t", "agent", "-F", "#{pane_id} #{pane_width}")
        return {
            pane: int(width)
            for pane, width in (line.split() for line in listed.split("\n") if line)
        }

    def open_pane(self) -> str:
        """Start the session; its shell runs `approve pane --split`. What the split printed."""
        out, err, rc = (self.workdir / name for name in ("split.out", "split.err", "split.rc"))
        q = shlex.quote
        split = shlex.join([sys.executable, "-m", "approve", "pane", "--split"])
        shell = f"{split} > {q(str(out))} 2> {q(str(err))}; echo $? > {q(str(rc))}; exec sleep 600"
        self.tmux(
            "new-session",
            "-d",
            "-s",
            "agent",
            "-x",
            str(WIDTH),
            "-y",
            str(HEIGHT),
            "sh",
            "-c",
            shell,
        )
        self.wait(lambda: rc.exists() and rc.read_text().strip() != "", "the split command ended")
        assert rc.read_text().strip() == "0", err.read_text()
        said = out.read_text()
        match = SPLIT_SAYS.fullmatch(said)
        assert match is not None, said
        assert match.group(1) == match.group(2)
        self.pane = match.group(1)
        self.wait_for("No request is waiting")  # the pane serves its socket
        return said

    def hook(self, payload: dict[str, Any]) -> subprocess.Popen[bytes]:
        """The agent's hook, with TMUX unset; its answer goes to hook.out."""
        given = self.workdir / "payload.json"
        given.write_text(json.dumps(payload))
        with (
            given.open("rb") as stdin,
            (self.workdir / "hook.out").open("wb") as stdout,
            (self.workdir / "hook.err").open("wb") as stderr,
        ):
            process = subprocess.Popen(
                [sys.executable, "-m", "approve", "hook", "claude"],
                stdin=stdin,
                stdout=stdout,
                stderr=stderr,
                env=self.env(),
                cwd=self.workdir,
            )
        self.hooks.append(process)
        return process

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.pane)

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", self.pane, *keys)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", self.pane, "-l", text)

    def wait(self, condition: Callable[[], bool], what: str, timeout: float = DEADLINE_S) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                shown = self.screen() if self.pane else ""
                raise AssertionError(f"timed out waiting: {what}; the pane shows:\n{shown}")
            time.sleep(0.1)

    def wait_for(self, *texts: str, timeout: float = DEADLINE_S) -> str:
        shown = ""

        def all_shown() -> bool:
            nonlocal shown
            shown = self.screen()
            return all(text in shown for text in texts)

        self.wait(all_shown, f"{texts!r} on the pane", timeout)
        return shown

    def wait_past_guard(self) -> None:
        """Until the review has been on screen for over 2 s: past its 1.5 s key guard.

        The countdown and the guard count from the same moment (the review drawn), so a
        countdown 3 s below the floor (both rounded to whole seconds) means over 2 s.
        """

        def far_enough() -> bool:
            match = COUNTDOWN.search(self.screen())
            return match is not None and int(match.group(1)) <= int(match.group(2)) - 3

        self.wait(far_enough, "the countdown 3 s into the reading floor")

    def answer(self, hook: subprocess.Popen[bytes]) -> tuple[int, dict[str, Any]]:
        try:
            code = hook.wait(timeout=DEADLINE_S)
        except subprocess.TimeoutExpired:
            err = (self.workdir / "hook.err").read_text()
            raise AssertionError(
                f"the hook never answered; stderr: {err}\nthe pane shows:\n{self.screen()}"
            ) from None
        output = (self.workdir / "hook.out").read_text()
        assert output.count("\n") == 1, output
        inner = json.loads(output)["hookSpecificOutput"]
        assert isinstance(inner, dict)
        return code, inner

    def records(self) -> list[dict[str, Any]]:
        return list(iter_records(self.journal)) if self.journal.exists() else []


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    made = Setup(tmp_path)
    try:
        yield made
    finally:
        server = ["tmux", "-L", made.tmux_socket]
        where = subprocess.run(
            [*server, "display-message", "-p", "#{socket_path}"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        subprocess.run([*server, "kill-server"], capture_output=True, check=False)
        if where:  # tmux leaves its socket file behind
            Path(where).unlink(missing_ok=True)
        for process in made.hooks:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
        shutil.rmtree(made.runtime, ignore_errors=True)


def ceph_payload(workdir: Path) -> dict[str, Any]:
    return {
        "session_id": SESSION_ID,
        "tool_use_id": TOOL_USE_ID,
        "hook_event_name": "PreToolUse",
        "cwd": str(workdir),
        "tool_name": "Bash",
        "tool_input": {"command": CEPH},
    }


def start_review(setup: Setup) -> subprocess.Popen[bytes]:
    """The pane open in its split, and the agent's ceph request on it."""
    setup.open_pane()
    hook = setup.hook(ceph_payload(setup.workdir))
    setup.wait_for(CEPH, "Approve (a)", "approve unlocks in")
    return hook


def assert_origin(record: dict[str, Any]) -> None:
    assert record["origin"]["agent"] == "claude"
    assert record["origin"]["source"] == "hook"
    assert record["origin"]["session_id"] == SESSION_ID
    assert record["origin"]["tool_use_id"] == TOOL_USE_ID


def test_split_opens_the_pane_beside_the_shell_and_says_how_to_close_it(setup: Setup) -> None:
    said = setup.open_pane()
    panes = setup.panes()
    assert set(panes) == {"%0", setup.pane}, panes
    assert 0.35 * WIDTH <= panes[setup.pane] <= 0.45 * WIDTH, panes  # about 40% wide
    assert f"tmux kill-pane -t {setup.pane}" in said
    socket_path = setup.runtime / "approve" / "pane.sock"
    assert stat.S_ISSOCK(socket_path.stat().st_mode)
    assert stat.S_IMODE(socket_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(socket_path.parent.stat().st_mode) == 0o700


def test_approved_in_the_pane(setup: Setup) -> None:
    hook = start_review(setup)
    assert hook.poll() is None  # the hook waits for the human
    # The 1.5 s guard and the reading floor count from the same moment; the floor is longer.
    shown = setup.wait_for("reading floor of", timeout=30)  # "... of 10 s passed"
    assert "approve unlocks in" not in shown
    assert "R3" in shown and "osd.3" in shown
    setup.keys("n")  # visit the finding
    setup.wait_for("1/1 findings stepped to")
    setup.keys("p")
    setup.type("osd.3")
    setup.keys("Enter")
    setup.wait_for("prove: answered")
    setup.keys("a")
    code, answer = setup.answer(hook)
    assert code == 0
    assert answer["permissionDecision"] == "allow", answer
    assert "approved by a human in the approve pane" in answer["permissionDecisionReason"]
    [record] = setup.records()
    assert record["verdict"] == "approved"
    assert_origin(record)
    assert record["gates_passed"] == ["read", "visit", "prove"]
    assert record["challenge_ok"] is True
    assert record["elapsed_s"] >= record["floor_s"]
    assert verify(setup.journal).ok
    setup.wait_for("No request is waiting")  # the pane is ready for the next one


def test_rejected_in_the_pane(setup: Setup) -> None:
    hook = start_review(setup)
    setup.wait_past_guard()
    setup.keys("r")
    code, answer = setup.answer(hook)
    assert code == 0
    assert answer["permissionDecision"] == "deny", answer
    reason = answer["permissionDecisionReason"]
    assert "The verdict in the approve pane: rejected" in reason, reason
    assert "stop, tell the user" in reason
    [record] = setup.records()
    assert record["verdict"] == "rejected"
    assert_origin(record)
    assert verify(setup.journal).ok


def test_pane_closed_while_the_hook_waits(setup: Setup) -> None:
    hook = start_review(setup)
    setup.wait_past_guard()  # keys inside the guard are dropped, ctrl+q included
    pane = setup.pane
    setup.keys("C-q")
    code, answer = setup.answer(hook)
    assert code == 0
    assert answer["permissionDecision"] == "deny", answer
    assert "the approve pane stopped" in answer["permissionDecisionReason"]
    [record] = setup.records()  # journaled once, by the pane
    assert record["verdict"] == "error"
    assert_origin(record)
    setup.wait(lambda: pane not in setup.panes(), "the pane's split to close")
    assert not (setup.runtime / "approve" / "pane.sock").exists()


def test_pane_killed_by_tmux_while_the_hook_waits(setup: Setup) -> None:
    # The other way out that --split prints: the pane gets no chance to answer, so the hook
    # sees the connection close and denies (and journals) by itself.
    hook = start_review(setup)
    setup.tmux("kill-pane", "-t", setup.pane)
    code, answer = setup.answer(hook)
    assert code == 0
    assert answer["permissionDecision"] == "deny", answer
    assert "approve pane" in answer["permissionDecisionReason"]
    [record] = setup.records()
    assert record["verdict"] == "error"
    assert_origin(record)
