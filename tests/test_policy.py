"""The fatigue policy: rungs, gates, floors, deferrals and the too-fast rule."""

from __future__ import annotations

from dataclasses import replace

import pytest
from policy_helpers import CONFIG, assessment, at

from approve.config import config_from_text
from approve.history import History
from approve.model import Decision, Tier
from approve.policy import GATES, judge_approval, policy, reading_floor

NOON = at("2026-11-22T12:00")


@pytest.mark.parametrize(
    ("tier", "rung"), [(Tier.SAFE, 0), (Tier.LOW, 1), (Tier.HIGH, 2), (Tier.CRITICAL, 3)]
)
def test_rung_starts_from_the_tier_by_day(tier: Tier, rung: int) -> None:
    friction = policy(assessment(tier), History(), NOON, None, CONFIG)
    assert friction.rung == rung
    assert friction.gates == GATES[:rung]
    assert friction.defer_until is None


def test_gates_are_cumulative() -> None:
    friction = policy(assessment(Tier.CRITICAL), History(streak=2), NOON, None, CONFIG)
    assert friction.rung == 4
    assert friction.gates == ("read", "visit", "prove", "explain")


def test_night_windows_raise_the_rung() -> None:
    late = policy(assessment(Tier.LOW), History(), at("2026-11-22T23:10"), None, CONFIG)
    low = policy(assessment(Tier.LOW), History(), at("2026-11-22T02:41"), None, CONFIG)
    morning = policy(assessment(Tier.LOW), History(), at("2026-11-22T06:00"), None, CONFIG)
    assert (late.rung, low.rung, morning.rung) == (2, 3, 1)
    assert any("23:10 is late" in r for r in late.reasons)
    assert any("02:41 is inside the 02:00-05:59 circadian low" in r for r in low.reasons)


def test_safe_requests_stay_at_rung_zero_even_at_night() -> None:
    friction = policy(
        assessment(Tier.SAFE), History(streak=20), at("2026-11-22T03:00"), None, CONFIG
    )
    assert friction.rung == 0 and friction.gates == ()


@pytest.mark.parametrize(
    ("streak", "raise_by"), [(0, 0), (1, 0), (2, 1), (3, 1), (4, 2), (8, 2), (9, 3)]
)
def test_streak_thresholds_count_this_approval(streak: int, raise_by: int) -> None:
    friction = policy(assessment(Tier.LOW), History(streak=streak), NOON, None, CONFIG)
    assert friction.rung == 1 + raise_by
    if raise_by:
        position = streak + 1
        assert any(
            f"approval in a row: +{raise_by}" in r and str(position) in r for r in friction.reasons
        )


def test_headline_names_the_hour_and_the_streak() -> None:
    friction = policy(assessment(Tier.LOW), History(streak=3), at("2026-11-22T02:41"), None, CONFIG)
    assert friction.headline.startswith("02:41, 4th approval in a row: ")


@pytest.mark.parametrize(("minutes", "raise_by"), [(29, 0), (30, 1), (59, 1), (60, 2), (90, 3)])
def test_continuous_reviewing_raises(minutes: float, raise_by: int) -> None:
    history = History(stretch_minutes=minutes, idle_minutes=1)
    friction = policy(assessment(Tier.LOW), history, NOON, None, CONFIG)
    assert friction.rung == 1 + raise_by


def test_sixty_minutes_defers_high_until_a_break() -> None:
    history = History(stretch_minutes=61, idle_minutes=2, last_stretch_minutes=59)
    friction = policy(assessment(Tier.HIGH), history, NOON, None, CONFIG)
    assert friction.rung == 6 and friction.gates[-1] == "defer"
    assert friction.defer_until == "2026-11-22T12:08+00:00"  # 10-minute break, 2 already taken
    assert "break" in friction.reasons[0]
    low = policy(assessment(Tier.LOW), history, NOON, None, CONFIG)
    assert low.defer_until is None


def test_after_ninety_minutes_critical_needs_fifteen_minutes_of_break() -> None:
    # A 12-minute break ended the stretch, but not enough for a critical review.
    history = History(stretch_minutes=0, idle_minutes=12, last_stretch_minutes=95)
    critical = policy(assessment(Tier.CRITICAL), history, NOON, None, CONFIG)
    assert critical.rung == 6
    assert critical.defer_until == "2026-11-22T12:03+00:00"
    high = policy(assessment(Tier.HIGH), history, NOON, None, CONFIG)
    assert high.rung == 2
    rested = policy(
        assessment(Tier.CRITICAL), replace(history, idle_minutes=15), NOON, None, CONFIG
    )
    assert rested.rung == 3


def test_long_active_span_raises_then_defers() -> None:
    raised = policy(assessment(Tier.LOW), History(active_hours=17), NOON, None, CONFIG)
    assert raised.rung == 2 and any("active for 17 h" in r for r in raised.reasons)
    high = policy(assessment(Tier.HIGH), History(active_hours=25), NOON, None, CONFIG)
    assert high.rung == 6 and high.defer_until is not None
    low = policy(assessment(Tier.LOW), History(active_hours=25), NOON, None, CONFIG)
    assert low.rung == 2


def test_night_approvals_on_three_of_seven_nights_raise() -> None:
    assert policy(assessment(Tier.LOW), History(night_count=2), NOON, None, CONFIG).rung == 1
    friction = policy(assessment(Tier.LOW), History(night_count=3), NOON, None, CONFIG)
    assert friction.rung == 2
    assert any("3 of the last 7 nights" in r for r in friction.reasons)


def test_critical_in_the_low_window_is_deferred_until_morning() -> None:
    friction = policy(assessment(Tier.CRITICAL), History(), at("2026-11-22T02:07"), None, CONFIG)
    assert friction.rung == 6
    assert friction.defer_until == "2026-11-22T06:00+00:00"
    assert friction.reasons[0].startswith("critical change at 02:07")
    assert "second reviewer" in friction.reasons[0]


def test_critical_in_the_low_window_without_deferral_needs_a_second_person() -> None:
    config = config_from_text("timezone: UTC\nnight: {critical_deferred: false}\n")
    friction = policy(assessment(Tier.CRITICAL), History(), at("2026-11-22T02:07"), None, config)
    assert friction.rung == 5 and friction.gates[-1] == "second"


def test_reading_floor_formula() -> None:
    assert reading_floor(0, 0, CONFIG) == 3.0
    assert reading_floor(600, 0, CONFIG) == pytest.approx(120.0)
    assert reading_floor(10, 3, CONFIG) == pytest.approx(3 + 3 * 7.2)
    friction = policy(
        assessment(Tier.HIGH, words=300, destructive=2), History(), NOON, None, CONFIG
    )
    assert friction.reading_floor_s == pytest.approx(60 + 14.4)


def test_more_than_400_destructive_lines_asks_for_a_split_or_a_second_person() -> None:
    friction = policy(assessment(Tier.HIGH, destructive=401), History(), NOON, None, CONFIG)
    assert friction.rung == 5
    assert any("split the plan" in r for r in friction.reasons)
    assert policy(assessment(Tier.HIGH, destructive=400), History(), NOON, None, CONFIG).rung == 2


def test_rung_is_capped_at_six() -> None:
    history = History(streak=50, stretch_minutes=59, idle_minutes=0, active_hours=20, night_count=7)
    friction = policy(assessment(Tier.LOW), history, at("2026-11-22T03:00"), None, CONFIG)
    assert friction.rung == 6 and len(friction.gates) == 6
    assert friction.defer_until is not None


def test_reasons_are_sentences_in_order_of_weight() -> None:
    history = History(streak=9)
    friction = policy(assessment(Tier.LOW), history, at("2026-11-22T23:00"), None, CONFIG)
    # +3 for the streak outweighs the tier (1) and the hour (+1)
    assert friction.reasons[0].startswith("10th approval in a row: +3")
    assert all(" " in r and r[0].isalnum() for r in friction.reasons)


def test_seed_is_deterministic_and_wording_varies() -> None:
    history = History(streak=3)
    first = policy(assessment(Tier.LOW), history, NOON, None, CONFIG, identity="abc")
    again = policy(assessment(Tier.LOW), history, NOON, None, CONFIG, identity="abc")
    assert first == again
    headlines = {
        policy(assessment(Tier.CRITICAL), History(), NOON, None, CONFIG, identity=str(n)).headline
        for n in range(60)
    }
    assert len(headlines) >= 4
    seeds = {
        policy(assessment(Tier.LOW), history, NOON, None, CONFIG, identity=str(n)).challenge_seed
        for n in range(20)
    }
    assert len(seeds) == 20


def _decision(seconds: float | None, verdict: str = "approved") -> Decision:
    shown = 1_000.0
    return Decision(
        verdict=verdict,
        reason="",
        shown_at=shown if seconds is not None else None,
        decided_at=shown + seconds if seconds is not None else None,
    )


def test_too_fast_approval_is_shown_again_one_rung_higher() -> None:
    friction = policy(assessment(Tier.HIGH, words=60), History(), NOON, None, CONFIG)
    floor = friction.reading_floor_s  # 12 + 7.2 = 19.2 s
    again = judge_approval(friction, _decision(0.6 * floor - 0.1), CONFIG)
    assert again is not None
    assert again.rung == friction.rung + 1
    assert again.gates == GATES[: again.rung]
    assert again.reasons[0].startswith("approved in 11.4 s, but reading it takes at least 19 s")
    assert again.challenge_seed != friction.challenge_seed
    assert judge_approval(friction, _decision(0.6 * floor + 0.1), CONFIG) is None
    assert judge_approval(friction, _decision(0.5, "rejected"), CONFIG) is None


def test_approval_without_timing_is_refused() -> None:
    friction = policy(assessment(Tier.LOW), History(), NOON, None, CONFIG)
    again = judge_approval(friction, _decision(None), CONFIG)
    assert again is not None and "no timing" in again.reasons[0]


def test_too_fast_at_the_top_rung_stays_deferred() -> None:
    friction = policy(assessment(Tier.CRITICAL), History(), at("2026-11-22T02:07"), None, CONFIG)
    again = judge_approval(friction, _decision(0.2), CONFIG)
    assert again is not None and again.rung == 6 and again.defer_until == friction.defer_until
