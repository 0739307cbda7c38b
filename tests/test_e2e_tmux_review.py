"""End to end: `approve review` in a real tmux pane, driven by send-keys, read by capture-pane.

The input is piped in (so keys must come from /dev/tty), the Decision goes to a file through
`--print json`, and the exit status is written by the shell. Each test runs its own tmux server.
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

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
APPROVE = str(Path(sys.executable).with_name("approve"))


class Pane:
    """One detached tmux session of a fixed size on a private server."""

    def __init__(self, socket: str, workdir: Path) -> None:
        self.socket = socket
        self.workdir = workdir

    def tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout

    def start(self, command: str) -> None:
        self.tmux("new-session", "-d", "-s", "t", "-x", "120", "-y", "34", command)

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.tmux("send-keys", "-t", "t", *(("-l",) if literal else ()), *keys)

    def screen(self) -> str:
        try:
            return self.tmux("capture-pane", "-p", "-t", "t")
        except subprocess.CalledProcessError:
            err = self.workdir / "err"
            return "(the session ended) " + (err.read_text() if err.exists() else "")

    def wait_for(self, *texts: str, timeout: float = 40.0) -> str:
        """The screen once every text is on it (generous: the test machine may be busy)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.screen()
            if all(text in shown for text in texts):
                return shown
            time.sleep(0.1)
        raise AssertionError(f"{texts!r} never all appeared; the screen:\n{self.screen()}")

    def wait_file(self, path: Path, timeout: float = 40.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if path.exists() and path.read_text().strip():
                return path.read_text()
            time.sleep(0.1)
        raise AssertionError(f"{path.name} never written; the screen:\n{self.screen()}")


@pytest.fixture
def pane(tmp_path: Path) -> Iterator[Pane]:
    socket = f"approve-e2e-{os.getpid()}-{tmp_path.name}"
    made = Pane(socket, tmp_path)
    yield made
    subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True, check=False)
    socket_dir = Path(os.environ.get("TMUX_TMPDIR") or "/tmp") / f"tmux-{os.getuid()}"
    (socket_dir / socket).unlink(missing_ok=True)  # kill-server leaves the file behind


def review_command(pane: Pane, source: Path, *options: str) -> str:
    out, rc = pane.workdir / "decision.json", pane.workdir / "rc"
    args = " ".join(shlex.quote(o) for o in options)
    return (
        f"cat {shlex.quote(str(source))} | {shlex.quote(APPROVE)} review - {args} --print json"
        f" > {shlex.quote(str(out))} 2> {shlex.quote(str(pane.workdir / 'err'))};"
        f" echo $? > {shlex.quote(str(rc))}; sleep 5"
    )


def test_piped_plan_is_approved_with_keys_from_the_terminal(pane: Pane) -> None:
    source = pane.workdir / "notes.txt"
    source.write_text("Release notes for 1.4.\nNothing here is a command.\n")
    pane.start(review_command(pane, source, "--format", "text", "--now", "2026-11-22T14:00"))
    shown = pane.wait_for("Findings (1)", "LOW", "Release notes for 1.4.", "Approve (a)")
    assert "approve unlocks in" in shown or "floor of 3 s passed" in shown  # R1: a countdown
    pane.keys("a")  # inside the 1.5 s guard and the reading floor: must not approve
    time.sleep(0.5)
    assert not (pane.workdir / "rc").exists()
    pane.wait_for("reading floor of 3 s passed")
    time.sleep(1.0)  # past the 1.5 s guard even if the first paint was slow
    pane.keys("a")
    assert pane.wait_file(pane.workdir / "rc").strip() == "0"
    decision = json.loads((pane.workdir / "decision.json").read_text())
    assert decision["verdict"] == "approved"
    assert decision["gates_passed"] == ["read"]
    journal = Path(os.environ["XDG_STATE_HOME"]) / "approve" / "journal.jsonl"
    record = json.loads(journal.read_text().splitlines()[-1])  # journaled before the answer
    assert record["verdict"] == "approved" and record["gates_passed"] == ["read"]


def test_escape_sequence_is_shown_and_reject_exits_1(pane: Pane) -> None:
    source = pane.workdir / "cmd.sh"
    source.write_text('echo "\x1b[2Kall good"\n')
    pane.start(review_command(pane, source, "--now", "2026-11-22T14:00"))
    shown = pane.wait_for("CRITICAL", "all good", "Approve (a)")
    assert "␛[2K" in shown  # the escape is drawn visibly, never obeyed
    time.sleep(2.5)  # past the 1.5 s guard, with room for a busy machine
    pane.keys("a")  # gates not passed: stays open
    pane.wait_for("approve is locked")
    pane.keys("r")
    assert pane.wait_file(pane.workdir / "rc").strip() == "1"
    decision = json.loads((pane.workdir / "decision.json").read_text())
    assert decision["verdict"] == "rejected"


def test_no_terminal_exits_2_and_says_what_to_do(tmp_path: Path) -> None:
    source = tmp_path / "notes.txt"
    source.write_text("Release notes.\n")
    done = subprocess.run(
        ["setsid", "-w", APPROVE, "review", str(source), "--format", "text"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert "approve pane" in done.stderr and "tmux" in done.stderr
    assert done.stdout == ""


def test_demo_shows_the_three_scenarios_one_after_another(pane: Pane) -> None:
    out, rc = pane.workdir / "demo.txt", pane.workdir / "rc"
    pane.start(
        f"{shlex.quote(APPROVE)} demo --theme dark > {shlex.quote(str(out))}"
        f" 2> {shlex.quote(str(pane.workdir / 'err'))}; echo $? > {shlex.quote(str(rc))}; sleep 5"
    )
    for expected in ("ceph osd purge 7", "must be replaced", "infra/prod/database.tf"):
        shown = pane.wait_for(expected, "Approve (a)")
        assert "02:07" in shown  # the demo clock: night friction shows in the header
        time.sleep(2.5)
        pane.keys("r")
    assert pane.wait_file(rc).strip() == "0"
    lines = out.read_text().splitlines()
    assert len(lines) == 3 and all("rejected" in line for line in lines)
