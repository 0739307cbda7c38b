"""The pane's queue rules (approve.broker.state), driven directly: who may approve, what counts.

No sockets here (see test_broker_socket.py): a fixed clock and a real journal in a tmp dir.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from broker_helpers import read_and_approve, reject
from policy_helpers import CONFIG, at

from approve.broker import LOCAL_STATION, Broker, BrokerError, Pending, make_pairing_code
from approve.config import config_from_text
from approve.history import History, Reviewer
from approve.journal import append, iter_records, record_for, verify
from approve.model import Assessment, Decision, Friction, Request, Tier
from approve.policy import is_fatigued

T0 = at("2026-03-10T14:00").timestamp()  # a Tuesday afternoon, UTC
ALICE = Reviewer(user="alice", name="Alice")  # the pane's own reviewer
BOB = Reviewer(user="bob", name="Bob")
CAROL = Reviewer(user="carol")
ALICE_AGAIN = Reviewer(user="alice", name="Al")  # the same Unix user, another name
CODE = "123-456"


class Clock:
    def __init__(self, start: float = T0) -> None:
        self.value = start

    def __call__(self) -> float:
        return self.value


class Setup:
    """A broker on a fixed clock with a journal in TMP, and every reply it sent."""

    def __init__(self, tmp: Path, *, pair: bool = False, extra_config: str = "") -> None:
        self.clock = Clock()
        self.journal = tmp / "journal.jsonl"
        config = (
            config_from_text(f"timezone: UTC\n{extra_config}", "test") if extra_config else CONFIG
        )
        self.changes = 0
        self.broker = Broker(
            config,
            self.journal,
            clock=self.clock,
            now=lambda: at("2026-03-10T14:00"),
            pair=pair,
            pairing_code=CODE,
            on_change=self._changed,
            reviewer=ALICE,
        )
        self.replies: dict[str, list[dict[str, Any]]] = {}

    def _changed(self) -> None:
        self.changes += 1

    def submit(
        self, text: str = "touch notes.txt", title: str = "t", deadline: float = 60
    ) -> Pending:
        box: list[dict[str, Any]] = []
        pending = self.broker.submit(
            Request(text=text, kind="shell", title=title), T0 + deadline, box.append
        )
        self.replies[pending.id] = box
        return pending

    def join(self, key: str, reviewer: Reviewer) -> None:
        self.broker.join(key, reviewer, CODE)

    def approve(self, pending: Pending, reviewer: Reviewer, key: str) -> Any:
        friction = self.broker.friction_for(pending, reviewer)
        decision = read_and_approve(friction, self.clock())
        return self.broker.record_verdict(pending.id, reviewer, decision, station_key=key)

    def decision_for(self, pending: Pending) -> dict[str, Any]:
        decisions = [m for m in self.replies[pending.id] if m["type"] == "decision"]
        assert len(decisions) == 1, self.replies[pending.id]
        return decisions[0]

    def records(self) -> list[dict[str, Any]]:
        return list(iter_records(self.journal)) if self.journal.exists() else []


@pytest.fixture
def setup(tmp_path: Path) -> Setup:
    return Setup(tmp_path)


def test_submit_queues_the_request_with_its_tier_rung_and_needed(setup: Setup) -> None:
    pending = setup.submit("rm -rf build", title="Bash: rm -rf build")
    assert setup.replies[pending.id] == [{"type": "queued", "id": pending.id}]
    (listed,) = setup.broker.pending()
    assert listed is pending and pending.tier == Tier.HIGH and pending.rung == 2
    assert (
        pending.needed == 1 and pending.needed_more == 1 and pending.title == "Bash: rm -rf build"
    )
    assert setup.changes >= 1


def test_one_approval_decides_a_low_rung_request_and_is_journaled_first(setup: Setup) -> None:
    pending = setup.submit("rm -rf build")
    result = setup.approve(pending, ALICE, LOCAL_STATION)
    assert result.state == "decided" and result.verdict == "approved"
    assert setup.decision_for(pending)["verdict"] == "approved"
    assert setup.broker.pending() == ()
    (record,) = setup.records()
    assert record["verdict"] == "approved" and record["reviewers"] == ["alice"]
    assert record["request_id"] == pending.id
    (entry,) = record["approvals"]
    assert entry["user"] == "alice" and entry["counted"] is True
    assert entry["gates_passed"] == ["read", "visit"] and entry["elapsed_s"] > 0
    assert setup.broker.recent()[-1].verdict == "approved"
    assert verify(setup.journal).ok


def test_an_approval_must_follow_opening_the_request_and_pass_every_gate(setup: Setup) -> None:
    pending = setup.submit("rm -rf build")
    unopened = Decision(verdict="approved", reason="", shown_at=T0 - 60, decided_at=T0)
    result = setup.broker.record_verdict(pending.id, ALICE, unopened, station_key=LOCAL_STATION)
    assert result.state == "refused" and "open the request" in result.message
    friction = setup.broker.friction_for(pending, ALICE)
    partial = dataclasses.replace(read_and_approve(friction, T0), gates_passed=("read",))
    result = setup.broker.record_verdict(pending.id, ALICE, partial, station_key=LOCAL_STATION)
    assert result.state == "refused" and "missing: visit" in result.message
    assert setup.broker.pending() == (pending,) and setup.records() == []


def test_a_failed_challenge_does_not_pass_the_prove_gate(setup: Setup) -> None:
    pending = setup.submit("kubectl delete namespace payments")
    friction = setup.broker.friction_for(pending, ALICE)
    assert "prove" in friction.gates
    wrong = dataclasses.replace(read_and_approve(friction, T0), challenge_ok=False)
    result = setup.broker.record_verdict(pending.id, ALICE, wrong, station_key=LOCAL_STATION)
    assert result.state == "refused" and "prove" in result.message


def test_a_deferred_friction_cannot_be_approved(tmp_path: Path) -> None:
    setup = Setup(tmp_path)
    setup.broker.now = lambda: at("2026-03-10T03:00")  # critical inside the night: deferred
    pending = setup.submit("kubectl delete namespace payments")
    friction = setup.broker.friction_for(pending, ALICE)
    assert "defer" in friction.gates
    result = setup.approve(pending, ALICE, LOCAL_STATION)
    assert result.state == "refused" and "cannot be approved now" in result.message
    result = setup.broker.record_verdict(pending.id, ALICE, reject(T0), station_key=LOCAL_STATION)
    assert result.verdict == "rejected"


def test_a_too_fast_approval_is_journaled_as_too_fast_and_raised_one_rung(setup: Setup) -> None:
    pending = setup.submit("rm -rf build")
    friction = setup.broker.friction_for(pending, ALICE)
    hasty = dataclasses.replace(read_and_approve(friction, T0), shown_at=T0 - 0.5)
    result = setup.broker.record_verdict(pending.id, ALICE, hasty, station_key=LOCAL_STATION)
    assert result.state == "refused" and result.friction is not None
    assert result.friction.rung == friction.rung + 1 and "approved in 0.5 s" in result.message
    (record,) = setup.records()
    assert record["verdict"] == "too-fast" and record["reviewers"] == ["alice"]
    assert setup.broker.pending() == (pending,), "the request waits for a real review"
    assert setup.broker.friction_for(pending, ALICE) == result.friction, "the raise sticks"
    assert setup.approve(pending, ALICE, LOCAL_STATION).verdict == "approved"


def test_pair_mode_one_approval_is_not_enough(tmp_path: Path) -> None:
    setup = Setup(tmp_path, pair=True)
    setup.join("s1", BOB)
    pending = setup.submit("rm -rf build")
    assert pending.needed == 2
    first = setup.approve(pending, ALICE, LOCAL_STATION)
    assert first.state == "waiting" and first.counted and first.needed_more == 1
    assert [m["type"] for m in setup.replies[pending.id]] == ["queued"]
    second = setup.approve(pending, BOB, "s1")
    assert second.state == "decided" and second.verdict == "approved"
    assert setup.decision_for(pending)["verdict"] == "approved"


def test_the_journal_record_holds_both_reviewers_with_their_timings_and_gates(
    tmp_path: Path,
) -> None:
    setup = Setup(tmp_path, pair=True)
    setup.join("s1", BOB)
    pending = setup.submit("rm -rf build")
    setup.approve(pending, ALICE, LOCAL_STATION)
    setup.clock.value += 30
    setup.approve(pending, BOB, "s1")
    (record,) = setup.records()
    assert record["reviewers"] == ["alice", "bob"] and record["verdict"] == "approved"
    alice, bob = record["approvals"]
    assert (alice["user"], alice["reviewer"], alice["station"]) == ("alice", "Alice", "local")
    assert (bob["user"], bob["reviewer"], bob["station"]) == ("bob", "Bob", "s1")
    assert bob["decided_at"] - alice["decided_at"] == pytest.approx(30)
    for entry in (alice, bob):
        assert entry["counted"] is True and entry["why_not"] is None
        assert entry["gates_passed"] == ["read", "visit"] and entry["elapsed_s"] >= entry["floor_s"]
    assert record["shown_at"] == alice["shown_at"], "shown when the first reviewer saw it"
    assert "Alice (alice)" in record["reason"] and "Bob (bob)" in record["reason"]


def test_the_same_unix_user_twice_is_one_person(tmp_path: Path) -> None:
    setup = Setup(tmp_path, pair=True)
    setup.join("s1", ALICE_AGAIN)
    pending = setup.submit("rm -rf build")
    setup.approve(pending, ALICE, LOCAL_STATION)
    result = setup.approve(pending, ALICE_AGAIN, "s1")
    assert result.state == "waiting" and not result.counted and result.needed_more == 1
    assert "same Unix user counts once" in result.message
    assert [a.counted for a in pending.approvals] == [True, False]


def test_same_user_pairs_count_as_two_when_the_config_allows_it(tmp_path: Path) -> None:
    setup = Setup(tmp_path, pair=True, extra_config="allow_same_user_pairs: true\n")
    setup.join("s1", ALICE_AGAIN)
    pending = setup.submit("rm -rf build")
    setup.approve(pending, ALICE, LOCAL_STATION)
    assert setup.approve(pending, ALICE_AGAIN, "s1").verdict == "approved"
    (record,) = setup.records()
    assert record["reviewers"] == ["alice"], "the history still knows one Unix user"
    assert [a["reviewer"] for a in record["approvals"]] == ["Alice", "Al"]


def test_the_same_station_approving_twice_counts_once(tmp_path: Path) -> None:
    setup = Setup(tmp_path, pair=True)
    pending = setup.submit("rm -rf build")
    setup.approve(pending, ALICE, LOCAL_STATION)
    again = setup.approve(pending, ALICE, LOCAL_STATION)
    assert again.state == "waiting" and not again.counted and again.needed_more == 1


def _tired(journal: Path, user: str, approvals: int = 10) -> None:
    """USER approved APPROVALS requests in a row in the last minutes before T0."""
    request = Request(text="touch x", kind="shell")
    plain = Assessment(format="shell", tier=Tier.LOW, counts={}, findings=())
    friction = Friction(rung=1, gates=("read",), reasons=("low",), reading_floor_s=3.0)
    for number in range(approvals):
        decided = T0 - 600 + 30 * number
        decision = Decision(
            verdict="approved",
            reason="ok",
            reviewers=(user,),
            shown_at=decided - 10,
            decided_at=decided,
        )
        append(record_for(request, plain, friction, decision), journal)


def test_a_fatigued_partner_does_not_count(tmp_path: Path) -> None:
    setup = Setup(tmp_path, pair=True)
    _tired(setup.journal, "bob")
    setup.join("s1", BOB)
    setup.join("s2", CAROL)
    pending = setup.submit("rm -rf build")
    setup.approve(pending, ALICE, LOCAL_STATION)
    result = setup.approve(pending, BOB, "s1")
    assert result.state == "waiting" and not result.counted and result.needed_more == 1
    assert "not a fresh second pair of eyes" in result.message
    assert "10 approvals in a row" in result.message
    assert setup.replies[pending.id] == [{"type": "queued", "id": pending.id}]
    assert setup.approve(pending, CAROL, "s2").verdict == "approved"
    record = setup.records()[-1]
    assert record["reviewers"] == ["alice", "carol"]
    assert [(a["user"], a["counted"]) for a in record["approvals"]] == [
        ("alice", True),
        ("bob", False),
        ("carol", True),
    ]
    assert "fresh" in record["approvals"][1]["why_not"]


def test_a_fatigued_first_reviewer_still_counts_with_a_fresh_partner(tmp_path: Path) -> None:
    setup = Setup(tmp_path, pair=True)
    _tired(setup.journal, "bob")
    setup.join("s1", BOB)
    pending = setup.submit("rm -rf build")
    assert setup.approve(pending, BOB, "s1").counted
    assert setup.approve(pending, ALICE, LOCAL_STATION).verdict == "approved"


def test_a_rung_five_friction_for_any_reviewer_asks_for_a_second_person(tmp_path: Path) -> None:
    setup = Setup(tmp_path)
    _tired(setup.journal, "bob", approvals=12)  # +3 for the streak: high starts at R2 -> R5
    setup.join("s1", BOB)
    pending = setup.submit("rm -rf build")
    assert pending.needed == 1
    friction = setup.broker.friction_for(pending, BOB)
    assert friction.rung == 5 and "second" in friction.gates and pending.needed == 2
    result = setup.approve(pending, BOB, "s1")
    assert result.state == "waiting" and result.needed_more == 1


def test_a_reject_by_either_reviewer_decides_at_once(tmp_path: Path) -> None:
    setup = Setup(tmp_path, pair=True)
    setup.join("s1", BOB)
    pending = setup.submit("rm -rf build")
    setup.approve(pending, ALICE, LOCAL_STATION)
    result = setup.broker.record_verdict(pending.id, BOB, reject(T0), station_key="s1")
    assert result.state == "decided" and result.verdict == "rejected"
    decision = setup.decision_for(pending)
    assert decision["verdict"] == "rejected" and "Bob (bob)" in decision["reason"]
    (record,) = setup.records()
    assert record["verdict"] == "rejected" and record["reviewers"] == ["bob"]
    assert [a["user"] for a in record["approvals"]] == ["alice"], "the earlier approval is kept"


def test_a_defer_decides_at_once(setup: Setup) -> None:
    pending = setup.submit()
    deferred = Decision(verdict="deferred", reason="after the freeze", decided_at=T0)
    result = setup.broker.record_verdict(pending.id, ALICE, deferred, station_key=LOCAL_STATION)
    assert result.verdict == "deferred" and setup.decision_for(pending)["verdict"] == "deferred"


def test_a_request_is_decided_once(setup: Setup) -> None:
    pending = setup.submit()
    setup.broker.record_verdict(pending.id, ALICE, reject(T0), station_key=LOCAL_STATION)
    with pytest.raises(BrokerError, match="already decided"):
        setup.broker.record_verdict(pending.id, ALICE, reject(T0), station_key=LOCAL_STATION)
    with pytest.raises(BrokerError, match="already decided"):
        setup.approve(pending, ALICE, LOCAL_STATION)
    assert setup.broker.cancel(pending.id, "gone") is False
    assert len(setup.records()) == 1 and len(setup.replies[pending.id]) == 2


def test_only_a_joined_station_gives_verdicts(setup: Setup) -> None:
    pending = setup.submit()
    with pytest.raises(BrokerError, match="join with the pairing code"):
        setup.broker.record_verdict(pending.id, BOB, reject(T0), station_key="s9")
    with pytest.raises(BrokerError, match="wrong pairing code"):
        setup.broker.join("s9", BOB, "999-999")
    with pytest.raises(BrokerError, match="join with the pairing code"):
        setup.broker.open(pending.id, "s9")
    with pytest.raises(BrokerError, match="belongs to"):
        setup.broker.record_verdict(pending.id, BOB, reject(T0), station_key=LOCAL_STATION)
    assert setup.broker.pending() == (pending,)
    setup.broker.join("s9", BOB, "123456")  # the dash is optional
    assert [s.reviewer for s in setup.broker.stations()] == [ALICE, BOB]


def test_wrong_pairing_codes_lock_joining_for_a_while(setup: Setup) -> None:
    for number in range(10):
        with pytest.raises(BrokerError, match="wrong pairing code"):
            setup.broker.join(f"x{number}", BOB, "000-000")
    with pytest.raises(BrokerError, match="locked"):
        setup.broker.join("s1", BOB, CODE)
    setup.clock.value += 61
    setup.broker.join("s1", BOB, CODE)


def test_a_station_that_leaves_leaves_its_approval_and_the_request_waits(tmp_path: Path) -> None:
    setup = Setup(tmp_path, pair=True)
    setup.join("s1", BOB)
    pending = setup.submit("rm -rf build")
    setup.approve(pending, BOB, "s1")
    setup.broker.leave("s1")
    assert setup.broker.pending() == (pending,) and pending.needed_more == 1
    assert setup.approve(pending, ALICE, LOCAL_STATION).verdict == "approved"


def test_cancel_and_expiry_are_journaled_as_timeouts_without_reviewers(setup: Setup) -> None:
    gone = setup.submit(title="gone")
    late = setup.submit(title="late", deadline=5)
    kept = setup.submit(title="kept", deadline=600)
    assert setup.broker.cancel(gone.id, "the hook disconnected")
    setup.clock.value += 10
    assert setup.broker.expire() == 1
    assert setup.broker.pending() == (kept,)
    assert setup.decision_for(gone)["verdict"] == "timeout"
    assert setup.decision_for(late)["reason"] == "nobody decided before the hook's deadline"
    records = setup.records()
    assert [(r["title"], r["verdict"], r["reviewers"]) for r in records] == [
        ("gone", "timeout", []),
        ("late", "timeout", []),
    ]


def test_close_answers_every_waiting_requester_with_an_error(setup: Setup) -> None:
    waiting = [setup.submit(title=f"r{n}") for n in range(3)]
    setup.broker.close("ctrl+q")
    for pending in waiting:
        decision = setup.decision_for(pending)
        assert decision["verdict"] == "error" and "the approve pane stopped" in decision["reason"]
    assert [r["verdict"] for r in setup.records()] == ["error"] * 3
    late = setup.submit(title="after")
    assert setup.decision_for(late)["verdict"] == "error" and setup.broker.pending() == ()


def test_a_journal_that_cannot_be_written_turns_an_approval_into_an_error(tmp_path: Path) -> None:
    (tmp_path / "blocker").write_text("a file where the journal's folder should be")
    setup = Setup(tmp_path)
    setup.broker.journal_path = tmp_path / "blocker" / "journal.jsonl"
    pending = setup.submit("rm -rf build")
    result = setup.approve(pending, ALICE, LOCAL_STATION)
    assert result.state == "decided" and result.verdict == "error"
    decision = setup.decision_for(pending)
    assert decision["verdict"] == "error" and "could not be journaled" in decision["reason"]
    assert setup.broker.recent()[-1].verdict == "error"


def test_a_request_that_cannot_be_analyzed_is_an_error_at_once(setup: Setup) -> None:
    box: list[dict[str, Any]] = []
    broken = Request(text='{"resource_changes": [', kind="terraform-json", title="plan")
    pending = setup.broker.submit(broken, T0 + 60, box.append)
    assert [m["type"] for m in box] == ["queued", "decision"]
    assert box[1]["verdict"] == "error" and "could not be analyzed" in box[1]["reason"]
    (record,) = setup.records()
    assert record["verdict"] == "error" and record["tier"] == "critical"
    assert pending.verdict == "error" and setup.broker.pending() == ()


def test_a_broken_requester_callback_does_not_stop_the_decision(setup: Setup) -> None:
    def gone(message: dict[str, Any]) -> None:
        raise BrokenPipeError

    pending = setup.broker.submit(Request(text="touch x", kind="shell"), T0 + 60, gone)
    result = setup.broker.record_verdict(pending.id, ALICE, reject(T0), station_key=LOCAL_STATION)
    assert result.verdict == "rejected" and len(setup.records()) == 1


def test_pairing_codes_are_six_random_digits() -> None:
    codes = {make_pairing_code() for _ in range(50)}
    assert all(len(c) == 7 and c[3] == "-" and (c[:3] + c[4:]).isdigit() for c in codes)
    assert len(codes) > 40


# ------------------------------------------------------------------ is_fatigued


def test_a_fresh_reviewer_by_day_is_not_fatigued() -> None:
    assert is_fatigued(History(), at("2026-03-10T14:00"), CONFIG) is None


@pytest.mark.parametrize(
    ("moment", "says"),
    [("2026-03-10T02:41", "02:41 is inside the 02:00-05:59"), ("2026-03-10T23:10", "late")],
)
def test_the_night_window_is_fatigue(moment: str, says: str) -> None:
    reason = is_fatigued(History(), at(moment), CONFIG)
    assert reason is not None and says in reason


def test_the_late_window_counts_only_while_it_raises_the_rung() -> None:
    config = config_from_text("timezone: UTC\nnight:\n  late_raise: 0\n", "test")
    assert is_fatigued(History(), at("2026-03-10T23:10"), config) is None


@pytest.mark.parametrize(
    ("history", "says"),
    [
        (History(streak=10), "10 approvals in a row"),
        (History(stretch_minutes=95), "95 minutes of reviewing"),
        (History(active_hours=17), "active for 17 h"),
    ],
)
def test_top_streak_long_stretch_and_long_day_are_fatigue(history: History, says: str) -> None:
    reason = is_fatigued(history, at("2026-03-10T14:00"), CONFIG)
    assert reason is not None and reason.startswith(says)


def test_just_below_the_top_thresholds_is_not_fatigue() -> None:
    history = History(streak=9, stretch_minutes=89, active_hours=16)
    assert is_fatigued(history, at("2026-03-10T14:00"), CONFIG) is None
