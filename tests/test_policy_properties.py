"""Property tests: more fatigue never means less friction; a reject never adds any."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from policy_helpers import CONFIG, assessment, at

from approve.history import History, Reviewer, summarize
from approve.model import Tier
from approve.policy import policy

EVENING = at("2026-11-21T22:00")  # the night runs 22:00 .. 05:59, 480 minutes
tiers = st.sampled_from(list(Tier))
histories = st.builds(
    History,
    streak=st.integers(0, 30),
    stretch_minutes=st.floats(0, 200),
    idle_minutes=st.one_of(st.none(), st.floats(0, 30)),
    last_stretch_minutes=st.floats(0, 200),
    active_hours=st.floats(0, 40),
    night_count=st.integers(0, 7),
)
night_minutes = st.integers(0, 479)


def rung(tier: Tier, history: History, minute: int, words: int = 60) -> int:
    now = EVENING + timedelta(minutes=minute)
    return policy(assessment(tier, words=words), history, now, None, CONFIG).rung


@given(tiers, histories, night_minutes, night_minutes)
def test_later_at_night_never_lowers_the_rung(tier: Tier, history: History, a: int, b: int) -> None:
    early, late = sorted((a, b))
    assert rung(tier, history, early) <= rung(tier, history, late)


@given(tiers, histories, night_minutes, st.integers(0, 30))
def test_a_longer_streak_never_lowers_the_rung(
    tier: Tier, history: History, minute: int, more: int
) -> None:
    longer = replace(history, streak=history.streak + more)
    assert rung(tier, history, minute) <= rung(tier, longer, minute)


@given(tiers, histories, night_minutes, st.floats(0, 200))
def test_a_longer_session_never_lowers_the_rung(
    tier: Tier, history: History, minute: int, more: float
) -> None:
    longer = replace(history, stretch_minutes=history.stretch_minutes + more)
    assert rung(tier, history, minute) <= rung(tier, longer, minute)


@given(histories, night_minutes, st.integers(0, 3), st.integers(0, 3))
def test_a_higher_tier_never_lowers_the_rung(history: History, minute: int, a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert rung(Tier(low), history, minute) <= rung(Tier(high), history, minute)


@given(tiers, histories, st.integers(0, 1439), st.integers(0, 30))
def test_a_longer_active_span_and_more_nights_never_lower_the_rung(
    tier: Tier, history: History, minute: int, nights: int
) -> None:
    worse = replace(
        history,
        active_hours=history.active_hours + nights,
        night_count=min(7, history.night_count + nights),
    )
    assert rung(tier, history, minute) <= rung(tier, worse, minute)


# A journal of decisions: gaps in minutes between them, and whether each was an approval.
decisions = st.lists(
    st.tuples(
        st.floats(0.1, 400), st.sampled_from(["approved", "rejected", "deferred", "too-fast"])
    ),
    min_size=1,
    max_size=40,
)


def _records(steps: list[tuple[float, str]]) -> list[dict[str, object]]:
    moment = EVENING.timestamp() - 6 * 3600
    records = []
    for gap, verdict in steps:
        moment += gap * 60
        records.append(
            {
                "shown_at": moment - 5,
                "decided_at": moment,
                "verdict": verdict,
                "tier": "high",
                "reviewers": ["ana"],
            }
        )
    return records


@settings(max_examples=200)
@given(decisions, st.integers(0, 39), tiers, st.floats(0, 60))
def test_a_reject_never_raises_the_rung(
    steps: list[tuple[float, str]], index: int, tier: Tier, later: float
) -> None:
    records = _records(steps)
    flipped = [dict(r) for r in records]
    flipped[index % len(flipped)]["verdict"] = "rejected"
    now = EVENING.fromtimestamp(float(records[-1]["decided_at"]), EVENING.tzinfo) + timedelta(  # type: ignore[arg-type]
        minutes=later
    )
    who = Reviewer("ana")
    before = summarize(records, now, who, CONFIG)
    after = summarize(flipped, now, who, CONFIG)
    assert after.streak <= before.streak
    assert after.night_count <= before.night_count
    assert (
        policy(assessment(tier), after, now, who, CONFIG).rung
        <= policy(assessment(tier), before, now, who, CONFIG).rung
    )


spans = st.lists(
    st.tuples(st.integers(1, 60), st.integers(0, 8), st.sampled_from(list(Tier))), max_size=30
)


@given(spans)
def test_fast_destructive_line_count_matches_the_model(items: list[tuple[int, int, Tier]]) -> None:
    from approve.model import Assessment, Finding
    from approve.policy import destructive_line_count

    findings = tuple(Finding(line, line + extra, tier, "r", "why") for line, extra, tier in items)
    plan = Assessment(format="text", tier=Tier.HIGH, counts={}, findings=findings)
    assert destructive_line_count(plan) == plan.destructive_lines
