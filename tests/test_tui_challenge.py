"""The prove challenge: read from the plan, varied by the seed, checked code point by code point."""

from __future__ import annotations

from tui_helpers import ceph_assessment

from approve.model import Assessment, Finding, Friction, Tier
from approve.tui.challenge import make_challenge
from approve.tui.gates import GateTracker, clock_time


def test_kind_and_wording_vary_with_the_seed() -> None:
    assessment = ceph_assessment()
    challenges = [make_challenge(assessment, seed) for seed in range(40)]
    assert all(c is not None for c in challenges)
    kinds = {c.kind for c in challenges if c}
    prompts = {c.prompt for c in challenges if c}
    assert kinds == {"retype", "count"}
    assert len(prompts) >= 4


def test_answers_come_from_the_plan() -> None:
    assessment = ceph_assessment()  # destroys 2; resources osd.7 and /dev/sdb
    for seed in range(40):
        challenge = make_challenge(assessment, seed)
        assert challenge is not None
        if challenge.kind == "count":
            assert challenge.expected == "2" and challenge.check(" 2 ")
            assert not challenge.check("3")
        else:
            assert challenge.expected in ("osd.7", "/dev/sdb")
            assert not challenge.check(challenge.expected.upper())
            assert not challenge.check(challenge.expected + " ")


def test_retype_is_not_normalised() -> None:
    name = "café"  # precomposed é
    finding = Finding(1, 1, Tier.CRITICAL, "r", "why", (name,))
    assessment = Assessment("shell", Tier.CRITICAL, {}, (finding,), 1, 1)
    challenge = make_challenge(assessment, 0)
    assert challenge is not None and challenge.kind == "retype"
    assert challenge.check("café")
    assert not challenge.check("cafe\u0301")  # e + combining accent looks the same


def test_plan_with_nothing_to_ask_still_gets_a_question_from_its_findings() -> None:
    finding = Finding(7, 7, Tier.HIGH, "shell.rm-rf", "removes a tree")
    assessment = Assessment("shell", Tier.HIGH, {}, (finding,), 9, 20)
    challenge = make_challenge(assessment, 5)
    assert challenge is not None and challenge.expected == "7"


def test_no_findings_means_no_challenge_and_prove_stays_locked() -> None:
    assessment = Assessment("text", Tier.LOW, {}, (), 1, 1)
    friction = Friction(rung=3, gates=("prove",), reasons=("x",))
    tracker = GateTracker(friction, assessment, make_challenge(assessment, 1), shown_at=0.0)
    assert tracker.challenge is None
    assert not tracker.can_approve(100.0)
    assert "reject it" in tracker.blockers(100.0)[0]


def test_defer_time_is_shown_as_a_clock_time() -> None:
    assert clock_time("2026-11-22T06:00+00:00") == "06:00"
    assert clock_time("after a rest") == "after a rest"
    assert clock_time(None) is None


def test_namespace_question_is_read_from_the_plan() -> None:
    text = "kubectl get pods\nkubectl -n payments delete deployment api --force\n"
    finding = Finding(2, 2, Tier.CRITICAL, "kubernetes.delete", "deletes", ("deployment", "api"))
    assessment = Assessment("shell", Tier.CRITICAL, {}, (finding,), 2, 9)
    kinds = {}
    for seed in range(30):
        challenge = make_challenge(assessment, seed, text)
        assert challenge is not None
        kinds[challenge.kind] = challenge
    assert kinds["namespace"].expected == "payments"
    assert "line 2" in kinds["namespace"].prompt
    assert not kinds["namespace"].check("payment")
