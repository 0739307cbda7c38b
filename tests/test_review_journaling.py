"""What the review journals: a refused too-fast approval is never recorded as approved."""

from __future__ import annotations

from pathlib import Path

from policy_helpers import assessment

from approve.commands.review import judged
from approve.config import default_config
from approve.journal import append, iter_records, record_for
from approve.model import Decision, Friction, Request, Tier

CONFIG = default_config()
FRICTION = Friction(rung=2, gates=("read", "visit"), reasons=("high tier",), reading_floor_s=30.0)


def decision(seconds: float, verdict: str = "approved") -> Decision:
    return Decision(verdict=verdict, reason="ok", shown_at=1000.0, decided_at=1000.0 + seconds)


def test_a_read_approval_stands() -> None:
    journaled, again = judged(FRICTION, decision(25.0), CONFIG)
    assert again is None and journaled.verdict == "approved"


def test_a_too_fast_approval_is_journaled_as_too_fast_and_raised(tmp_path: Path) -> None:
    journaled, again = judged(FRICTION, decision(2.0), CONFIG)
    assert journaled.verdict == "too-fast" and "2.0 s" in journaled.reason
    assert again is not None and again.rung == FRICTION.rung + 1
    journal = tmp_path / "journal.jsonl"
    request = Request(text="kubectl delete deploy web", kind="shell")
    append(record_for(request, assessment(Tier.HIGH), FRICTION, journaled), journal)
    (record,) = iter_records(journal)
    assert record["verdict"] == "too-fast"


def test_a_fast_reject_stands() -> None:
    journaled, again = judged(FRICTION, decision(1.0, verdict="rejected"), CONFIG)
    assert again is None and journaled.verdict == "rejected"
