"""History: the fatigue signals computed from journal records, with the clock as an input."""

from __future__ import annotations

from datetime import datetime, timedelta

from policy_helpers import CONFIG, at

from approve.history import History, Reviewer, summarize

ANA = Reviewer("ana")


def record(
    moment: datetime, verdict: str = "approved", who: str = "ana", took: float = 20
) -> dict[str, object]:
    return {
        "shown_at": moment.timestamp() - took,
        "decided_at": moment.timestamp(),
        "verdict": verdict,
        "tier": "high",
        "reviewers": [who],
    }


def test_no_records_is_a_fresh_reviewer() -> None:
    assert summarize([], at("2026-11-22T12:00"), ANA, CONFIG) == History()


def test_streak_counts_approvals_and_a_reject_resets_it() -> None:
    start = at("2026-11-22T12:00")
    records = [record(start + timedelta(minutes=m)) for m in range(5)]
    now = start + timedelta(minutes=5)
    assert summarize(records, now, ANA, CONFIG).streak == 5
    records[3]["verdict"] = "rejected"
    assert summarize(records, now, ANA, CONFIG).streak == 1


def test_a_ten_minute_break_halves_the_streak_and_six_hours_reset_it() -> None:
    start = at("2026-11-22T12:00")
    records = [record(start + timedelta(minutes=m)) for m in range(6)]
    last = start + timedelta(minutes=5)
    assert summarize(records, last + timedelta(minutes=9), ANA, CONFIG).streak == 6
    assert summarize(records, last + timedelta(minutes=10), ANA, CONFIG).streak == 3
    assert summarize(records, last + timedelta(hours=6), ANA, CONFIG).streak == 0
    # a break between two runs halves the first: 6 // 2 + 2
    more = [record(last + timedelta(minutes=30 + m)) for m in range(2)]
    assert summarize(records + more, last + timedelta(minutes=32), ANA, CONFIG).streak == 5


def test_stretch_of_continuous_reviewing_ends_with_a_break() -> None:
    start = at("2026-11-22T12:00")
    records = [record(start + timedelta(minutes=5 * k), took=30) for k in range(10)]
    now = start + timedelta(minutes=47)
    history = summarize(records, now, ANA, CONFIG)
    assert round(history.stretch_minutes, 1) == 47.5  # from the first review shown at 11:59:30
    assert round(history.idle_minutes or 0, 1) == 2.0
    on_break = summarize(records, start + timedelta(minutes=60), ANA, CONFIG)
    assert on_break.stretch_minutes == 0
    assert round(on_break.last_stretch_minutes, 1) == 45.5


def test_active_span_starts_after_the_last_six_hour_gap() -> None:
    morning = at("2026-11-21T07:00")
    records = [record(morning + timedelta(hours=h)) for h in range(0, 18, 2)]  # 07:00 .. 23:00
    history = summarize(records, at("2026-11-22T00:30"), ANA, CONFIG)
    assert 17.4 < history.active_hours < 17.6


def test_night_approvals_count_distinct_nights_in_the_last_seven() -> None:
    nights = [at(f"2026-11-{day}T02:30") for day in (10, 17, 19, 20)] + [at("2026-11-20T23:30")]
    records = [record(moment) for moment in nights] + [record(at("2026-11-18T14:00"))]
    history = summarize(records, at("2026-11-21T12:00"), ANA, CONFIG)
    # nights of the 17th, 19th, 20th and the evening of the 20th (night of the 21st); not the 10th
    assert history.night_count == 4


def test_only_the_reviewers_own_decisions_count() -> None:
    start = at("2026-11-22T12:00")
    records = [record(start + timedelta(minutes=m), who="bob") for m in range(5)]
    assert summarize(records, start + timedelta(minutes=5), ANA, CONFIG).streak == 0
    assert summarize(records, start + timedelta(minutes=5), None, CONFIG).streak == 5


def test_future_records_and_timeouts_are_ignored() -> None:
    start = at("2026-11-22T12:00")
    records = [record(start), record(start + timedelta(minutes=1), verdict="timeout")]
    records.append(record(start + timedelta(hours=1)))
    history = summarize(records, start + timedelta(minutes=2), ANA, CONFIG)
    assert history.streak == 1 and len(history.recent) == 1
