"""The decision journal: chained, fsynced appends; torn writes fenced; edits detected."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from policy_helpers import CONFIG, assessment, at

from approve import journal
from approve.history import History
from approve.model import Decision, Origin, Request, Tier
from approve.policy import policy


def _fill(path: Path, count: int, tag: str = "x") -> None:
    for number in range(count):
        journal.append({"v": 1, "n": number, "tag": tag, "decided_at": float(number)}, path)


def test_appends_form_a_chain(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "journal.jsonl"
    written = [journal.append({"n": n}, path) for n in range(3)]
    assert written[0]["prev"] == journal.GENESIS
    assert written[1]["prev"] == written[0]["hash"] and written[2]["prev"] == written[1]["hash"]
    result = journal.verify(path)
    assert result.ok and result.records == 3 and result.last_hash == written[2]["hash"]
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    lines = path.read_bytes().splitlines()
    assert [json.loads(line)["n"] for line in lines] == [0, 1, 2]


def test_default_path_follows_xdg_state_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("APPROVE_JOURNAL", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert journal.default_journal_path() == tmp_path / "approve" / "journal.jsonl"
    monkeypatch.delenv("XDG_STATE_HOME")
    assert str(journal.default_journal_path()).endswith(".local/state/approve/journal.jsonl")


def test_unwritable_journal_raises_so_the_caller_denies(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(journal.JournalError, match="cannot open the journal"):
        journal.append({"n": 1}, blocker / "journal.jsonl")


def test_torn_last_line_is_fenced_on_the_next_append(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    _fill(path, 3)
    whole = path.read_bytes()
    path.write_bytes(whole + b'{"n":3,"tag":"x","v":1,"pre')  # a write cut short
    broken = journal.verify(path)
    assert not broken.ok and broken.line == 4 and "incomplete last line" in (broken.why or "")
    journal.append({"n": 4}, path)
    result = journal.verify(path)
    assert result.ok and result.records == 4 and result.fences == 1
    assert path.read_bytes().startswith(whole)  # nothing before the tear was lost
    assert [r.get("n") for r in journal.iter_records(path)] == [0, 1, 2, 4]


def test_a_whole_record_missing_only_its_newline_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    _fill(path, 2)
    path.write_bytes(path.read_bytes()[:-1])
    journal.append({"n": 2}, path)
    result = journal.verify(path)
    assert result.ok and result.records == 3 and result.fences == 0


def test_a_damaged_complete_last_line_stops_appends(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    _fill(path, 2)
    path.write_bytes(path.read_bytes().replace(b'"n":1', b'"n":7'))
    with pytest.raises(journal.JournalError, match="approve verify"):
        journal.append({"n": 2}, path)


def _worker(path: str, worker: int, count: int) -> None:
    for number in range(count):
        journal.append({"worker": worker, "n": number, "decided_at": time.time()}, Path(path))


def test_eight_processes_append_at_once(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_worker, args=(str(path), w, 200)) for w in range(8)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(120)
        assert process.exitcode == 0
    result = journal.verify(path)
    assert result.ok, result
    assert result.records == 1600
    seen = {(r["worker"], r["n"]) for r in journal.iter_records(path)}
    assert len(seen) == 1600


_LOOP = """
import sys
from pathlib import Path
from approve import journal
path = Path(sys.argv[1])
big = "y" * 1_000_000  # big records: a kill may land inside the write
n = 0
while True:
    journal.append({"n": n, "pad": big}, path)
    n += 1
    print(n, flush=True)
"""


def test_sigkill_in_a_loop_of_appends_leaves_a_journal_that_verifies_after_the_next(
    tmp_path: Path,
) -> None:
    path = tmp_path / "journal.jsonl"
    for round_number in range(4):
        process = subprocess.Popen(
            [sys.executable, "-c", _LOOP, str(path)], stdout=subprocess.PIPE, text=True
        )
        assert process.stdout is not None
        process.stdout.readline()  # at least one append done
        time.sleep(0.05 * round_number)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        process.stdout.close()
        journal.append({"after_kill": round_number}, path)
        result = journal.verify(path)
        assert result.ok, result
    records = list(journal.iter_records(path))
    assert [r["after_kill"] for r in records if "after_kill" in r] == [0, 1, 2, 3]


def test_editing_any_record_makes_verify_fail_at_that_record(
    tmp_path: Path, approve_cmd: list[str]
) -> None:
    path = tmp_path / "journal.jsonl"
    _fill(path, 5)
    ok = subprocess.run(
        [*approve_cmd, "verify", "--journal", str(path)], capture_output=True, text=True
    )
    assert ok.returncode == 0, ok.stderr
    assert "ok: 5 records" in ok.stdout
    original = path.read_bytes().splitlines(keepends=True)
    for index in range(5):
        lines = list(original)
        lines[index] = lines[index].replace(b'"tag":"x"', b'"tag":"y"')
        edited = tmp_path / f"edited{index}.jsonl"
        edited.write_bytes(b"".join(lines))
        result = subprocess.run(
            [*approve_cmd, "verify", "--journal", str(edited)], capture_output=True, text=True
        )
        assert result.returncode == 1, result.stdout
        assert f"line {index + 1}:" in result.stdout and "hash does not match" in result.stdout


def test_removed_or_reordered_records_break_the_chain(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    _fill(path, 4)
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(lines[0] + lines[2] + lines[3])
    result = journal.verify(path)
    assert not result.ok and result.line == 2 and "prev does not match" in (result.why or "")
    path.write_bytes(lines[1] + lines[0])
    assert journal.verify(path).line == 1


def test_verify_cli_exit_2_when_missing(tmp_path: Path, approve_cmd: list[str]) -> None:
    result = subprocess.run(
        [*approve_cmd, "verify", "--journal", str(tmp_path / "none.jsonl")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and "no journal" in result.stderr


def test_record_for_carries_the_decision_and_redacts_secrets(tmp_path: Path) -> None:
    text = (
        "curl -H 'Authorization: Bearer abcdef0123456789' "
        "https://admin:hunter2@db.example.com/ && aws rds delete-db-instance --db-instance-identifier prod"
    )
    request = Request(
        text=text,
        kind="shell",
        origin=Origin(source="hook", agent="claude", session_id="s1", tool_use_id="t1", cwd="/w"),
    )
    plan = assessment(Tier.CRITICAL, words=20)
    now = at("2026-11-22T02:41")
    friction = policy(plan, History(streak=3), now, None, CONFIG, identity=request.identity)
    shown = now.timestamp()
    decision = Decision(
        verdict="rejected",
        reason="not at this hour",
        reviewers=("ana",),
        shown_at=shown,
        first_key_at=shown + 2,
        decided_at=shown + 30,
        gates_passed=("read",),
        explanation="token=s3cr3tvalue was in it",
    )
    record = journal.record_for(request, plan, friction, decision, host="box")
    written = journal.append(record, tmp_path / "journal.jsonl")
    line = (tmp_path / "journal.jsonl").read_text()
    for secret in ("abcdef0123456789", "hunter2", "s3cr3tvalue"):
        assert secret not in line
    assert "[REDACTED" in written["excerpt"] and "[REDACTED" in written["explanation"]
    assert written["input_sha256"] == request.identity
    assert written["origin"] == {
        "source": "hook",
        "agent": "claude",
        "session_id": "s1",
        "tool_use_id": "t1",
        "cwd": "/w",
    }
    assert written["verdict"] == "rejected" and written["tier"] == "critical"
    assert written["rung"] == 6 and written["reasons"] == list(friction.reasons)
    assert written["elapsed_s"] == 30.0 and written["too_fast"] is False
    assert written["t"] == "2026-11-22T02:41:30.000Z" and written["host"] == "box"


def test_recent_records_reads_backwards_to_the_horizon(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    _fill(path, 50)
    recent = journal.recent_records(path, 40.0)
    assert [r["n"] for r in recent] == list(range(40, 50))
    assert len(journal.recent_records(path, 0.0)) == 50
