"""Real `approve hook AGENT` processes against a pane served in this process: how they end.

A Broker and PaneServer (the pane's own machinery, without its screen) run in an event loop
thread on a socket at $XDG_RUNTIME_DIR/approve/pane.sock under a short private folder; the hooks
are real subprocesses with that XDG_RUNTIME_DIR and TMUX unset, so the pane is their only way to
a human. Nobody reviews here: these tests are about the pane stopping and the deadline passing,
and what each hook then prints in its agent's protocol.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from broker_helpers import LoopThread, daytime_config, short_dir

from approve.broker import Broker, PaneServer
from approve.broker.server import EXPIRE_EVERY_S
from approve.journal import iter_records, verify

FIXTURES = Path(__file__).parent / "fixtures" / "hooks"
DESTRUCTIVE = {
    "claude": "claude_bash_destructive.json",
    "codex": "codex_bash_destructive.json",
    "gemini": "gemini_shell_destructive.json",
    "cursor": "cursor_shell_destructive.json",
}
# The fields each agent's payload names its session and tool call with.
ID_FIELDS = {
    "claude": ("session_id", "tool_use_id"),
    "codex": ("session_id", "tool_use_id"),
    "gemini": ("session_id", None),  # Gemini's payload has no tool call id
    "cursor": ("conversation_id", "generation_id"),
}
DAYTIME = "2026-11-22T14:00"


class ServedPane:
    """The pane's Broker and PaneServer on a real socket, in an event loop thread."""

    def __init__(self, runtime: Path, journal: Path, *, expire_every: float) -> None:
        self.path = runtime / "approve" / "pane.sock"
        self.journal = journal
        self.loop = LoopThread()
        self.broker = Broker(daytime_config(), journal, pairing_code="123-456")
        self.server = PaneServer(self.broker, self.path, expire_every=expire_every)
        self.loop.run(self.server.start())
        self.stopped = False

    def waiting(self) -> int:
        return self.loop.call(lambda: len(self.broker.pending()))

    def wait_until_waiting(self, count: int, hooks: list[HookProcess], timeout: float) -> None:
        give_up = time.monotonic() + timeout
        while self.waiting() != count:
            ended = [hook for hook in hooks if hook.process.poll() is not None]
            if ended:
                hook = ended[0]
                raise AssertionError(
                    f"the {hook.agent} hook ended before the pane decided: "
                    f"{hook.stdout_text()!r} {hook.stderr_text()!r}"
                )
            if time.monotonic() > give_up:
                raise AssertionError(f"{self.waiting()} requests queued, not {count}")
            time.sleep(0.05)

    def stop(self, why: str) -> None:
        if not self.stopped:
            self.stopped = True
            self.loop.run(self.server.stop(why))

    def close(self) -> None:
        try:
            self.stop("the test ended")
        finally:
            self.loop.close()


@dataclass
class HookProcess:
    """One `approve hook AGENT` subprocess, its output going to files (a pipe could fill)."""

    agent: str
    payload: dict[str, Any]
    process: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path

    def stdout_text(self) -> str:
        return self.stdout.read_text(encoding="utf-8")

    def stderr_text(self) -> str:
        return self.stderr.read_text(encoding="utf-8", errors="replace")

    def wait(self, timeout: float) -> int:
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"the {self.agent} hook did not answer within {timeout} s"
            ) from None

    def ids(self) -> tuple[str | None, str | None]:
        session_key, call_key = ID_FIELDS[self.agent]
        call = self.payload.get(call_key) if call_key else None
        return self.payload.get(session_key), call


class Hooks:
    """Starts hook processes with the pane's XDG_RUNTIME_DIR and a shared journal."""

    def __init__(self, workdir: Path, runtime: Path, journal: Path) -> None:
        self.workdir = workdir
        self.runtime = runtime
        self.journal = journal
        self.config: Path | None = None
        self.started: list[HookProcess] = []

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}
        env.pop("APPROVE_CONFIG", None)
        env["XDG_RUNTIME_DIR"] = str(self.runtime)  # where the hook looks for the pane
        env["APPROVE_JOURNAL"] = str(self.journal)
        env["APPROVE_NOW"] = DAYTIME  # no night friction decides anything here
        if self.config is not None:
            env["APPROVE_CONFIG"] = str(self.config)
        return env

    def start(self, agent: str, number: int) -> HookProcess:
        payload = json.loads((FIXTURES / DESTRUCTIVE[agent]).read_text())
        session_key, call_key = ID_FIELDS[agent]
        payload[session_key] = f"{agent}-session-{number}"
        if call_key is not None:
            payload[call_key] = f"{agent}-call-{number}"
        name = f"{agent}-{number}"
        stdin = self.workdir / f"{name}.in.json"
        stdin.write_text(json.dumps(payload))
        stdout, stderr = self.workdir / f"{name}.out", self.workdir / f"{name}.err"
        with stdin.open("rb") as given, stdout.open("wb") as out, stderr.open("wb") as err:
            process = subprocess.Popen(
                [sys.executable, "-m", "approve", "hook", agent],
                stdin=given,
                stdout=out,
                stderr=err,
                env=self.env(),
            )
        hook = HookProcess(agent, payload, process, stdout, stderr)
        self.started.append(hook)
        return hook

    def kill_all(self) -> None:
        for hook in self.started:
            if hook.process.poll() is None:
                hook.process.kill()
                hook.process.wait(timeout=10)


@pytest.fixture
def runtime() -> Iterator[Path]:
    folder = short_dir()  # mkdtemp: mode 0700, and short enough for a Unix socket address
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def hooks(tmp_path: Path, runtime: Path) -> Iterator[Hooks]:
    made = Hooks(tmp_path, runtime, tmp_path / "journal.jsonl")
    yield made
    made.kill_all()


def served(hooks: Hooks, expire_every: float = EXPIRE_EVERY_S) -> ServedPane:
    return ServedPane(hooks.runtime, hooks.journal, expire_every=expire_every)


def denial(agent: str, stdout: str) -> str:
    """The reason of the deny in STDOUT, checked to be exactly AGENT's deny; fails otherwise."""
    assert stdout.endswith("\n") and stdout.count("\n") == 1, f"one JSON line: {stdout!r}"
    answer = json.loads(stdout)
    if agent in ("claude", "codex"):
        assert list(answer) == ["hookSpecificOutput"], answer
        inner = answer["hookSpecificOutput"]
        assert inner["hookEventName"] == "PreToolUse"
        assert inner["permissionDecision"] == "deny", answer
        reason = inner["permissionDecisionReason"]
    elif agent == "gemini":
        assert set(answer) == {"decision", "reason"}, answer
        assert answer["decision"] == "deny", answer
        reason = answer["reason"]
    else:
        assert set(answer) == {"permission", "user_message", "agent_message"}, answer
        assert answer["permission"] == "deny", answer
        assert answer["user_message"]
        reason = answer["agent_message"]
    assert isinstance(reason, str) and reason.strip()
    return reason


def journal(path: Path) -> list[dict[str, Any]]:
    return list(iter_records(path)) if path.exists() else []


def by_origin(records: list[dict[str, Any]], hook: HookProcess) -> list[dict[str, Any]]:
    """The records of HOOK's request, found by its agent and ids."""
    session, call = hook.ids()
    found = []
    for record in records:
        origin = record["origin"]
        if origin["agent"] != hook.agent or origin["session_id"] != session:
            continue
        if call is not None and origin["tool_use_id"] != call:
            continue
        found.append(record)
    return found


def test_the_pane_stopped_while_hooks_wait_every_hook_denies_in_its_protocol(
    hooks: Hooks,
) -> None:
    pane = served(hooks)
    try:
        started = [hooks.start(agent, n) for agent in DESTRUCTIVE for n in (1, 2)]
        pane.wait_until_waiting(len(started), started, timeout=60)
        stopping = time.monotonic()
        pane.stop("the reviewer closed it")
        for hook in started:
            assert hook.wait(timeout=10) == 0, hook.stderr_text()
        took = time.monotonic() - stopping
    finally:
        pane.close()
    assert took < 5, f"the hooks took {took:.1f} s to answer after the pane stopped"
    for hook in started:
        reason = denial(hook.agent, hook.stdout_text())
        assert "the approve pane stopped" in reason, reason
    records = journal(hooks.journal)
    assert len(records) == len(started)
    assert all(record["verdict"] == "error" for record in records), records
    assert all(record["reviewers"] == [] for record in records)  # nobody's streak moves
    for hook in started:
        [record] = by_origin(records, hook)
        assert "the approve pane stopped (the reviewer closed it)" in record["reason"]
        assert record["origin"]["source"] == "hook"
    assert verify(hooks.journal).ok
    assert not pane.path.exists()  # the socket went with the pane


def test_a_hook_whose_deadline_passes_while_the_pane_waits_denies_and_is_journaled_once(
    hooks: Hooks,
) -> None:
    hooks.config = hooks.workdir / "config.yaml"
    hooks.config.write_text("hook_deadline_seconds: 5\n")
    pane = served(hooks)
    try:
        started_at = time.monotonic()
        started = [hooks.start(agent, 1) for agent in DESTRUCTIVE]
        pane.wait_until_waiting(len(started), started, timeout=30)
        for hook in started:
            assert hook.wait(timeout=15) == 0, hook.stderr_text()
        took = time.monotonic() - started_at
        assert pane.waiting() == 0  # the pane let them go
    finally:
        pane.close()
    assert 4.5 <= took < 12, f"answered after {took:.1f} s, with a 5 s deadline"
    for hook in started:
        reason = denial(hook.agent, hook.stdout_text())
        assert "timeout" in reason, reason
    records = journal(hooks.journal)
    for hook in started:
        [record] = by_origin(records, hook)
        assert record["verdict"] == "timeout"
        assert record["reason"] == "nobody decided before the hook's deadline"
        assert "request_id" in record  # the pane's record: the hook added none of its own
    assert len(records) == len(started)  # neither the hooks nor the stop added one
    assert verify(hooks.journal).ok


def test_a_hook_that_gives_up_before_a_late_pane_answers_is_journaled_once(
    hooks: Hooks,
) -> None:
    # A pane whose event loop is late (here: its expiry timer runs once a minute) has not
    # answered `timeout` when the hook's grace runs out, so the hook gives up by itself.
    hooks.config = hooks.workdir / "config.yaml"
    hooks.config.write_text("hook_deadline_seconds: 5\n")
    pane = served(hooks, expire_every=60.0)
    try:
        hook = hooks.start("claude", 1)
        pane.wait_until_waiting(1, [hook], timeout=30)
        assert hook.wait(timeout=15) == 0, hook.stderr_text()
        pane.wait_until_waiting(0, [], timeout=10)  # the disconnect took it out of the queue
    finally:
        pane.close()
    assert "deadline" in denial("claude", hook.stdout_text())
    assert [r["verdict"] for r in journal(hooks.journal)] == ["timeout"]


def test_a_hook_killed_while_the_pane_holds_its_request_is_journaled_once(hooks: Hooks) -> None:
    """The agent stops a hook (SIGTERM, e.g. the user interrupted) while the pane holds its
    request: the hook still denies, and the outcome is journaled once, by the pane."""
    pane = served(hooks)
    try:
        hook = hooks.start("claude", 1)
        pane.wait_until_waiting(1, [hook], timeout=30)
        hook.process.send_signal(signal.SIGTERM)
        assert hook.wait(timeout=15) == 0, hook.stderr_text()
        pane.wait_until_waiting(0, [], timeout=10)
    finally:
        pane.close()
    assert "SIGTERM" in denial("claude", hook.stdout_text())
    records = journal(hooks.journal)
    assert [r["verdict"] for r in records] == ["timeout"]
    assert "disconnected" in records[0]["reason"]
