"""Which of the Friction's gates are passed, and what still blocks approval.

Pure (no Textual): the review screen feeds it what the reviewer did (time shown, findings
visited, challenge answered, reason typed) and asks whether approve may enable. It decides
nothing about how much friction there is: that is the Friction's job (policy).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from approve.model import Assessment, Friction, Tier
from approve.tui.challenge import Challenge

MIN_EXPLANATION = 20
GATE_ORDER = ("read", "visit", "prove", "explain", "second", "defer")


@dataclass
class GateTracker:
    """The reviewer's progress through the gates a Friction names."""

    friction: Friction
    assessment: Assessment
    challenge: Challenge | None
    shown_at: float | None = None  # monotonic seconds when the screen was first drawn
    visited: set[int] = field(default_factory=set)  # indexes into assessment.findings
    challenge_ok: bool = False
    explanation: str = ""
    # Gates another part of the system passes, not this screen: in the pane, `second` is met
    # when another reviewer's approval arrives, so it does not lock this reviewer's approve.
    left_to_others: frozenset[str] = frozenset()

    @property
    def gates(self) -> tuple[str, ...]:
        return tuple(g for g in GATE_ORDER if g in self.friction.gates)

    def __post_init__(self) -> None:
        findings = self.assessment.findings
        worst = [i for i, f in enumerate(findings) if f.severity >= Tier.HIGH]
        self.must_visit: tuple[int, ...] = tuple(worst or range(len(findings)))
        self._must = frozenset(self.must_visit)
        self._visited_must = len(self._must & self.visited)

    def visit(self, indexes: Iterable[int]) -> None:
        """Record findings stepped to (kept as a count too: plans can hold thousands)."""
        for index in indexes:
            if index not in self.visited:
                self.visited.add(index)
                self._visited_must += index in self._must

    def reading_left(self, now: float) -> float:
        if "read" not in self.friction.gates:
            return 0.0
        if self.shown_at is None:
            return self.friction.reading_floor_s
        return max(0.0, self.friction.reading_floor_s - (now - self.shown_at))

    def visits_left(self) -> int:
        if "visit" not in self.friction.gates:
            return 0
        return len(self.must_visit) - self._visited_must

    def passed(self, gate: str, now: float) -> bool:
        if gate == "read":
            return self.shown_at is not None and self.reading_left(now) <= 0
        if gate == "visit":
            return self.visits_left() == 0
        if gate == "prove":
            return self.challenge is not None and self.challenge_ok
        if gate == "explain":
            return len(self.explanation.strip()) >= MIN_EXPLANATION
        return False  # second and defer cannot be passed on this screen

    def passed_gates(self, now: float) -> tuple[str, ...]:
        return tuple(g for g in self.gates if self.passed(g, now))

    def blockers(self, now: float) -> list[str]:
        """What still keeps approve disabled, one short phrase each, in ladder order."""
        out: list[str] = []
        for gate in self.gates:
            if self.passed(gate, now) or gate in self.left_to_others:
                continue
            if gate == "read":
                out.append(f"read: {self.reading_left(now):.0f} s left")
            elif gate == "visit":
                out.append(f"visit: {self.visits_left()} finding(s) not stepped to (n)")
            elif gate == "prove":
                out.append(
                    "prove: answer the question (p)"
                    if self.challenge
                    else "prove: no question can be read from this plan; reject it"
                )
            elif gate == "explain":
                out.append(f"explain: type a reason of at least {MIN_EXPLANATION} characters (e)")
            elif gate == "second":
                out.append("second: a second reviewer must approve too (approve pane)")
            elif gate == "defer":
                when = clock_time(self.friction.defer_until) or "later"
                out.append(f"defer: not now; it can come back at {when}")
        return out

    def can_approve(self, now: float) -> bool:
        return self.shown_at is not None and not self.blockers(now)


def clock_time(moment: str | None) -> str | None:
    """ "06:00" for an ISO-8601 moment (what a tired reader needs), the text itself otherwise."""
    if not moment:
        return None
    try:
        return f"{datetime.fromisoformat(moment):%H:%M}"
    except ValueError:
        return moment
