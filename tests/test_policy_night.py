"""Scenario: a night of 40 requests, 23:30 to 03:00, and a reviewer who approves instantly.

The clock is fixed per request; every decision goes through the real journal, and the policy
reads its history back from it, as the review screen and the hook do.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from policy_helpers import CONFIG, assessment, at

from approve import journal
from approve.history import Reviewer, summarize
from approve.model import Decision, Friction, Request, Tier
from approve.policy import judge_approval, policy

TIERS = (Tier.LOW, Tier.HIGH, Tier.LOW, Tier.CRITICAL)
START = at("2026-11-21T23:30")
END = at("2026-11-22T03:00")


def test_a_night_of_instant_approvals(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    ana = Reviewer("ana")
    seen: list[tuple[int, Tier, Friction, Friction | None]] = []
    for index in range(40):
        now = START + (END - START) * index / 39
        tier = TIERS[index % 4]
        request = Request(text=f"request {index}: change the {tier.label} thing")
        history = summarize(journal.iter_records(path) if path.exists() else [], now, ana, CONFIG)
        friction = policy(assessment(tier), history, now, ana, CONFIG, identity=request.identity)
        shown = now.timestamp()
        if friction.rung == 6:
            decision = Decision("deferred", "deferred by the policy", ("ana",), shown, None, shown)
            again = None
        else:
            decision = Decision("approved", "", ("ana",), shown, shown + 0.1, shown + 0.2)
            again = judge_approval(friction, decision, CONFIG)
            assert again is not None, f"request {index}: an instant approval was accepted"
            decision = Decision(
                "too-fast", again.reasons[0], ("ana",), shown, shown + 0.1, shown + 0.2
            )
        journal.append(journal.record_for(request, assessment(tier), friction, decision), path)
        seen.append((index, tier, friction, again))

    rungs = [f.rung for _, _, f, _ in seen]
    # 23:30, first request, low tier: R1 + 1 for the late hour.
    assert rungs[0] == 2 and seen[0][2].reasons[1].startswith("23:30 is late")
    # The third instant approval in a row is raised for the streak.
    assert any("3rd approval in a row: +1" in r for r in seen[2][2].reasons)
    # Rungs never fall during the night, tier by tier.
    for tier in set(TIERS):
        own = [f.rung for _, t, f, _ in seen if t == tier]
        assert own == sorted(own), (tier, own)
    # After 30 minutes of continuous reviewing the session raises too.
    thirty = next(
        i for i, *_ in seen if START + (END - START) * i / 39 >= START + timedelta(minutes=30)
    )
    assert any(
        "minutes of reviewing without a 10-minute break" in r for r in seen[thirty][2].reasons
    )
    # By 00:30 (an hour of reviewing) every high and critical request is deferred for a break.
    for index, tier, friction, _ in seen:
        moment = START + (END - START) * index / 39
        if tier >= Tier.HIGH and moment >= START + timedelta(minutes=60):
            assert friction.rung == 6 and friction.defer_until is not None
        if moment >= at("2026-11-22T02:00"):
            assert friction.rung == 6, (index, friction)
            if tier == Tier.CRITICAL:
                assert friction.defer_until == "2026-11-22T06:00+00:00"
                assert any("inside the 02:00-05:59 window" in r for r in friction.reasons)
    # Every instant approval was refused and shown again one rung higher, saying why.
    for index, _, friction, again in seen:
        if friction.rung < 6:
            assert again is not None and again.rung == friction.rung + 1, index
            assert again.reasons[0].startswith("approved in 0.2 s"), again.reasons[0]
    # The whole night is in the journal, chained.
    result = journal.verify(path)
    assert result.ok and result.records == 40
    verdicts = [r["verdict"] for r in journal.iter_records(path)]
    assert "approved" not in verdicts and verdicts.count("too-fast") >= 5
