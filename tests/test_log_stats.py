"""`approve log`, `approve stats` and `approve policy explain` on a real journal."""

from __future__ import annotations

import json
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from policy_helpers import CONFIG, assessment, at

from approve import journal
from approve.cli import main
from approve.commands.stats import compute_stats, render_stats
from approve.history import History
from approve.model import Decision, Request, Tier
from approve.policy import policy


def _journal(path: Path) -> None:
    """Ten decisions: approvals at 14:00.., two of them too fast, a reject, three at 02:xx."""
    plan = assessment(Tier.HIGH, words=60)  # floor 12 + 7.2 = 19.2 s
    moments = [at("2026-11-20T14:00") + timedelta(minutes=2 * k) for k in range(6)]
    moments += [at("2026-11-21T02:10") + timedelta(minutes=2 * k) for k in range(4)]
    for index, moment in enumerate(moments):
        friction = policy(plan, History(), moment, None, CONFIG)
        took = 2.0 if index in (1, 2) else 30.0
        verdict = "rejected" if index == 4 else "too-fast" if took < 10 else "approved"
        shown = moment.timestamp() - took
        decision = Decision(verdict, "", ("ana",), shown, shown + 1, moment.timestamp())
        request = Request(
            text=f"terraform destroy -target=aws_db_instance.db{index} password=hunter2"
        )
        journal.append(journal.record_for(request, plan, friction, decision, host="box"), path)


def test_stats_numbers(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    _journal(path)
    stats = compute_stats(journal.iter_records(path), CONFIG)
    assert stats.decisions == 10 and stats.approvals == 9 and stats.rejects == 1
    assert stats.too_fast == 2 and stats.too_fast_share == pytest.approx(2 / 9)
    assert stats.rejects_per_100 == 10.0
    assert stats.by_hour[14] == 5 and stats.by_hour[2] == 4
    assert stats.low_window_approvals == 4 and len(stats.nights) == 1
    assert stats.pace[0] == 2  # the two too-fast ones are under 0.6 x the floor
    assert stats.seconds_per_destructive_line.count(30.0) == 7
    # runs: 4 approvals, reject, 1 approval; then a night break: 4 more
    assert stats.streaks == {"3-4": 2, "1": 1} and stats.longest_streak == 4


def test_stats_render_is_a_reusable_renderable(tmp_path: Path) -> None:
    from rich.console import Console

    path = tmp_path / "j.jsonl"
    _journal(path)
    console = Console(record=True, width=100)
    console.print(render_stats(compute_stats(journal.iter_records(path), CONFIG), CONFIG))
    text = console.export_text()
    for heading in (
        "approvals by hour of day",
        "reading floor",
        "streak lengths",
        "too fast",
        "rejects per 100",
    ):
        assert heading in text
    assert "22%" in text  # 2 of 9 approvals too fast


def test_log_table_json_and_filters(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "j.jsonl"
    _journal(path)
    assert main(["log", "--journal", str(path), "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 10 and all("hunter2" not in json.dumps(r) for r in rows)
    assert main(["log", "--journal", str(path), "--json", "--verdict", "rejected"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1
    since = ["--since", "2026-11-21T00:00Z"]
    assert main(["log", "--journal", str(path), "--json", *since]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 4
    assert (
        main(
            ["log", "--journal", str(path), "--now", "2026-11-21T03:00Z", "--since", "2h", "--json"]
        )
        == 0
    )
    assert len(capsys.readouterr().out.splitlines()) == 4
    assert main(["log", "--journal", str(path)]) == 0
    table = capsys.readouterr().out
    assert "10 decisions" in table and "too-fast" in table and "rejected" in table
    assert main(["log", "--journal", str(tmp_path / "none.jsonl")]) == 2


def test_stats_cli_on_an_empty_period(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "j.jsonl"
    _journal(path)
    assert main(["stats", "--journal", str(path), "--since", "2030-01-01T00:00Z"]) == 0
    assert "no decisions" in capsys.readouterr().out


def test_policy_explain_prints_rung_gates_floor_and_reasons(
    tmp_path: Path, approve_cmd: list[str]
) -> None:
    result = subprocess.run(
        [
            *approve_cmd,
            "policy",
            "explain",
            "--now",
            "2026-11-22T02:41",
            "--tier",
            "high",
            "--streak",
            "3",
            "--journal",
            str(tmp_path / "none.jsonl"),
        ],
        capture_output=True,
        text=True,
        env={
            "APPROVE_CONFIG": str(_utc_config(tmp_path)),
            "PATH": "/usr/bin:/bin",
            "COLUMNS": "200",
        },
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("R5")  # high 2 + low window 2 + 4th in a row 1
    assert "02:41 is inside the 02:00-05:59 circadian low" in out
    assert "4th approval in a row" in out
    assert "reading floor:" in out and "gates:" in out


def _utc_config(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text("timezone: UTC\n")
    return path


def test_policy_explain_uses_the_journal_history(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APPROVE_CONFIG", str(_utc_config(tmp_path)))
    monkeypatch.setenv("APPROVE_NOW", "2026-11-20T14:11Z")
    path = tmp_path / "j.jsonl"
    _journal(path)
    monkeypatch.setattr("approve.history.Reviewer.current", classmethod(lambda cls: cls("ana")))
    assert main(["policy", "explain", "--tier", "low", "--journal", str(path)]) == 0
    out = capsys.readouterr().out
    # six decisions 14:00-14:10; the reject at 14:08 left a streak of 1 -> this is the 2nd
    assert "signals: streak 1," in out and out.startswith("R1")


def test_log_names_both_pair_reviewers_and_keeps_the_what_column_at_80(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "j.jsonl"
    plan = assessment(Tier.CRITICAL, words=20)
    moment = at("2026-11-20T14:00")
    friction = policy(plan, History(), moment, None, CONFIG)
    decision = Decision("approved", "approved by alice and bob", ("root",), None, None, 1.0)
    record = journal.record_for(
        Request(text="kubectl delete ns payments"), plan, friction, decision
    )
    record["approvals"] = [
        {"reviewer": "alice", "user": "root", "counted": True},
        {"reviewer": "bob", "user": "root", "counted": True},
    ]
    journal.append(record, path)
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["log", "--journal", str(path)]) == 0
    table = capsys.readouterr().out
    assert "alice, bob" in table and "1 decision" in table
    assert "kubectl" in table  # the "what" column keeps room for the command
