"""The fatigue policy: how much friction a review needs right now, and why, in plain words.

`policy(assessment, history, now, reviewer, config) -> Friction` is pure: the rung on the
friction ladder (DESIGN.md) starts from the risk tier and is raised by the signals that a person
has stopped reading: the hour (the 02:00-05:59 circadian low, the late evening), a streak of
approvals, a long stretch of reviewing, a long day, several nights of work in a row. Each raise
comes with a sentence the review screen shows ("02:41, 4th approval in a row: retype the name").

`judge_approval(friction, decision)` applies the too-fast rule: an approval quicker than a share
of the reading floor is refused, and the review comes back one rung higher.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from approve.config import Config, default_config, window_text
from approve.history import History, Reviewer, in_window
from approve.model import Assessment, Decision, Friction, Tier

GATES = ("read", "visit", "prove", "explain", "second", "defer")
TOP_RUNG = len(GATES)
DEFER_WEIGHT = 100.0  # a deferral outranks every raise in the list of reasons

# The action each rung asks for, worded four ways: a warning that never changes becomes a reflex
# after the second exposure (Anderson et al. CHI 2015; Vance et al. 2018).
_ACTIONS: dict[str, tuple[str, ...]] = {
    "none": (
        "nothing to do",
        "read-only: no review needed",
        "no friction needed",
        "goes through unreviewed",
    ),
    "read": (
        "read it through before approving",
        "approve unlocks after the reading time",
        "take the time to read every line",
        "read first: approve waits",
    ),
    "visit": (
        "step to each destructive line",
        "visit every finding marked red",
        "walk through each destructive change",
        "go to each destructive finding (n)",
    ),
    "prove": (
        "retype the name",
        "answer a question read from the plan",
        "prove you read it",
        "type what the plan acts on",
    ),
    "explain": (
        "write down why",
        "explain why this is right",
        "say why, for the journal",
        "give a reason to keep with the plan",
    ),
    "second": (
        "a second person must approve too",
        "needs a second reviewer",
        "ask a colleague to approve as well",
        "two people must approve this",
    ),
    "defer": (
        "not now: back at {until}",
        "deferred until {until}",
        "this waits until {until}",
        "sleep on it: back at {until}",
    ),
}


@dataclass(frozen=True, slots=True)
class _Reason:
    weight: float
    text: str  # the full sentence
    short: str  # a few words for the headline ("4th approval in a row"); "" to leave out


def ordinal(number: int) -> str:
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def gates_for(rung: int) -> tuple[str, ...]:
    """The gates of a rung: cumulative, each rung adds one to those below it."""
    return GATES[: max(0, min(rung, TOP_RUNG))]


def destructive_line_count(assessment: Assessment) -> int:
    """Assessment.destructive_lines, written for speed (policy() has a 1 ms budget)."""
    high = int(Tier.HIGH)  # an int: comparing with the enum member is several times slower
    return len({f.line for f in assessment.findings if f.severity >= high})


def reading_floor(words: int, destructive_lines: int, config: Config) -> float:
    """Seconds before approve may enable: max(minimum, words at the wpm) + per destructive line."""
    reading = max(config.minimum_seconds, words / config.words_per_minute * 60)
    return reading + destructive_lines * config.seconds_per_destructive_line


def challenge_seed(identity: str, now: datetime, streak: int) -> int:
    """A deterministic seed from what is asked and when, so tests are repeatable."""
    key = f"{identity}|{now.isoformat(timespec='minutes')}|{streak}"
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:4], "big")


def _identity(assessment: Assessment) -> str:
    # A cheap stand-in for the request's hash when the caller gives none.
    head = [(f.line, f.rule, f.resources) for f in assessment.findings[:50]]
    return repr((assessment.format, int(assessment.tier), assessment.line_count, head))


def _next_morning(local: datetime, minute_of_day: int) -> datetime:
    target = local.replace(hour=minute_of_day // 60, minute=minute_of_day % 60, second=0)
    target = target.replace(microsecond=0)
    return target if target > local else target + timedelta(days=1)


def policy(
    assessment: Assessment,
    history: History,
    now: datetime,
    reviewer: Reviewer | None = None,
    config: Config | None = None,
    *,
    identity: str | None = None,
) -> Friction:
    """The friction this review needs at NOW, with every reason in order of weight.

    `identity` (the request's sha256) seeds the challenge; without it one is derived from the
    assessment. `reviewer` is accepted for symmetry with the journal: the history passed in is
    already that reviewer's own.
    """
    del reviewer  # the history is already per reviewer; kept in the signature for callers
    config = config or default_config()
    local = config.local(now)
    clock = f"{local:%H:%M}"
    minute = local.hour * 60 + local.minute
    tier = assessment.tier
    destructive = destructive_line_count(assessment)
    floor = reading_floor(assessment.word_count, destructive, config)
    seed = challenge_seed(identity or _identity(assessment), now, history.streak)

    base = config.tier_rungs[int(tier)]
    if tier == Tier.SAFE or base == 0:
        text = "read-only: nothing here changes state" if tier == Tier.SAFE else ""
        reasons = (text or f"{tier.label} risk: no review step configured",)
        rung = base if tier == Tier.SAFE else 0
        return Friction(
            rung=rung,
            gates=gates_for(rung),
            reasons=reasons,
            reading_floor_s=floor if rung else 0.0,
            challenge_seed=seed,
            headline=f"{tier.label}: {_ACTIONS['none'][seed % 4]}"
            if rung == 0
            else f"{tier.label}: {_ACTIONS[GATES[rung - 1]][seed % 4]}",
        )

    found: list[_Reason] = [
        _Reason(base, f"{tier.label} risk: starts at R{base} ({GATES[base - 1]})", "")
    ]
    rung = base

    # -- the hour --
    in_low = in_window(minute, config.low_window)
    if in_low and config.low_raise:
        rung += config.low_raise
        found.append(
            _Reason(
                config.low_raise,
                f"{clock} is inside the {window_text(config.low_window)} circadian low, "
                f"when sleepiness peaks: +{config.low_raise}",
                "",
            )
        )
    elif in_window(minute, config.late_window) and config.late_raise:
        rung += config.late_raise
        found.append(
            _Reason(
                config.late_raise,
                f"{clock} is late ({window_text(config.late_window)}), "
                f"alertness is falling: +{config.late_raise}",
                "",
            )
        )

    # -- approvals in a row: this one would be the Nth --
    position = history.streak + 1
    streak_raise = sum(1 for t in config.streak_thresholds if position >= t)
    if streak_raise:
        rung += streak_raise
        found.append(
            _Reason(
                streak_raise,
                f"{ordinal(position)} approval in a row: +{streak_raise}",
                f"{ordinal(position)} approval in a row",
            )
        )

    # -- continuous reviewing --
    stretch = history.stretch_minutes
    session_raise = sum(1 for t in config.session_thresholds if stretch >= t)
    if session_raise:
        rung += session_raise
        minutes = int(stretch)
        found.append(
            _Reason(
                session_raise,
                f"{minutes} minutes of reviewing without a "
                f"{config.session_break_minutes:g}-minute break: +{session_raise}",
                f"{minutes} min without a break",
            )
        )

    # -- a long day --
    if history.active_hours > config.raise_after_hours:
        rung += 1
        hours = int(history.active_hours)
        found.append(
            _Reason(
                1,
                f"active for {hours} h since the last {config.idle_gap_hours:g}-hour rest "
                f"(17 h awake impairs like 0.05% blood alcohol): +1",
                f"{hours} h active",
            )
        )

    # -- night after night --
    if history.night_count >= config.max_nights and config.history_raise:
        rung += config.history_raise
        found.append(
            _Reason(
                config.history_raise,
                f"approvals at night on {history.night_count} of the last "
                f"{config.history_nights} nights: +{config.history_raise}",
                f"night {history.night_count} of {config.history_nights}",
            )
        )

    # -- too much to read at once --
    if destructive > config.max_destructive_lines and rung < config.split_min_rung:
        rung = config.split_min_rung
        found.append(
            _Reason(
                DEFER_WEIGHT / 2,
                f"{destructive} destructive lines, more than the {config.max_destructive_lines} "
                "anyone can review at once: split the plan, or a second reviewer must approve",
                f"{destructive} destructive lines",
            )
        )

    # -- deferrals: hard stops, each with the moment the request may come back --
    raised_to_top = rung >= TOP_RUNG
    defer_until: datetime | None = None

    def defer(until: datetime, text: str, short: str) -> None:
        nonlocal defer_until
        defer_until = max(defer_until, until) if defer_until else until
        found.append(_Reason(DEFER_WEIGHT, text, short))

    idle = history.idle_minutes
    if tier == Tier.CRITICAL and in_low:
        if rung < config.critical_min_rung:
            rung = config.critical_min_rung
            found.append(
                _Reason(
                    DEFER_WEIGHT / 2,
                    f"critical change at {clock}, inside the {window_text(config.low_window)} "
                    "window: a second reviewer must approve too",
                    "critical at night",
                )
            )
        if config.critical_deferred:
            until = _next_morning(local, config.defer_until_minute)
            defer(
                until,
                f"critical change at {clock}, inside the {window_text(config.low_window)} "
                f"window: deferred until {until:%H:%M}; an emergency override needs a second "
                "reviewer and a written reason",
                "critical at night",
            )
    if tier >= Tier.HIGH and history.active_hours > config.defer_after_hours:
        until = local + timedelta(hours=config.idle_gap_hours)
        defer(
            until,
            f"active for {int(history.active_hours)} h (24 h awake impairs like 0.10% blood "
            f"alcohol): {tier.label} changes wait until after a "
            f"{config.idle_gap_hours:g}-hour rest",
            f"{int(history.active_hours)} h active",
        )
    since_last = idle or 0.0
    if tier >= Tier.HIGH and stretch >= config.high_break_at_minutes:
        until = local + timedelta(minutes=max(0.0, config.session_break_minutes - since_last))
        defer(
            until,
            f"{int(stretch)} minutes of reviewing: take a {config.session_break_minutes:g}-minute "
            f"break before the next {tier.label} review (back at {until:%H:%M})",
            f"{int(stretch)} min without a break",
        )
    long_stretch_unrested = (
        idle is not None
        and history.last_stretch_minutes >= config.critical_break_at_minutes
        and idle < config.critical_break_minutes
    )
    if tier == Tier.CRITICAL and (
        stretch >= config.critical_break_at_minutes or long_stretch_unrested
    ):
        until = local + timedelta(minutes=max(0.0, config.critical_break_minutes - since_last))
        defer(
            until,
            f"over {config.critical_break_at_minutes:g} minutes of reviewing: no critical "
            f"change until a {config.critical_break_minutes:g}-minute break "
            f"(back at {until:%H:%M})",
            "",
        )
    if raised_to_top:
        # The raises alone reached the top: defer until the night ends, or after a break.
        if in_low:
            until = _next_morning(local, config.defer_until_minute)
            wait = f"until {until:%H:%M}"
        else:
            until = local + timedelta(minutes=config.session_break_minutes)
            wait = f"for a {config.session_break_minutes:g}-minute break (back at {until:%H:%M})"
        defer(until, f"too many warning signs at once: deferred {wait}", "")
    if defer_until is not None:
        rung = TOP_RUNG

    ordered = sorted(found, key=lambda r: -r.weight)  # stable: ties keep their order
    gates = gates_for(rung)
    until_text = f"{defer_until:%H:%M}" if defer_until else ""
    action = _ACTIONS[gates[-1]][seed % 4].format(until=until_text)
    shorts = [r.short for r in ordered if r.short][:2]
    shorts = list(dict.fromkeys(shorts))
    night = in_low or in_window(minute, config.late_window)
    lead = ", ".join(([clock] if night else []) + shorts) or tier.label
    return Friction(
        rung=rung,
        gates=gates,
        reasons=tuple(r.text for r in ordered),
        reading_floor_s=floor,
        challenge_seed=seed,
        defer_until=defer_until.isoformat(timespec="minutes") if defer_until else None,
        headline=f"{lead}: {action}",
    )


def elapsed_seconds(decision: Decision) -> float | None:
    """Seconds from the review being shown to the decision, when both are known."""
    if decision.shown_at is None or decision.decided_at is None:
        return None
    return max(0.0, decision.decided_at - decision.shown_at)


def is_too_fast(friction: Friction, decision: Decision, config: Config | None = None) -> bool:
    """An approval quicker than too_fast_ratio x the reading floor (or with no timing at all)."""
    if not decision.approved or friction.rung == 0:
        return False
    config = config or default_config()
    elapsed = elapsed_seconds(decision)
    return elapsed is None or elapsed < config.too_fast_ratio * friction.reading_floor_s


def judge_approval(
    friction: Friction, decision: Decision, config: Config | None = None
) -> Friction | None:
    """None when the decision stands; else the friction for showing the review again.

    An approval faster than too_fast_ratio x the reading floor is not accepted: the review is
    shown again one rung higher (with a new challenge), and the first reason says why.
    """
    config = config or default_config()
    if not is_too_fast(friction, decision, config):
        return None
    elapsed = elapsed_seconds(decision)
    limit = config.too_fast_ratio * friction.reading_floor_s
    if elapsed is None:
        why = "the approval carried no timing, so it cannot be shown to be read"
    else:
        why = (
            f"approved in {elapsed:.1f} s, but reading it takes at least "
            f"{friction.reading_floor_s:.0f} s (the limit is {limit:.1f} s)"
        )
    rung = min(friction.rung + 1, TOP_RUNG)
    gates = gates_for(rung)
    seed = (friction.challenge_seed * 1_103_515_245 + 12_345) % 2**32  # a different challenge
    defer_until = friction.defer_until
    if rung == TOP_RUNG and defer_until is None and decision.decided_at is not None:
        back = datetime.fromtimestamp(decision.decided_at).astimezone()
        defer_until = (back + timedelta(minutes=config.session_break_minutes)).isoformat(
            timespec="minutes"
        )
    until = defer_until[11:16] if defer_until else ""
    action = _ACTIONS[gates[-1]][seed % 4].format(until=until)
    return replace(
        friction,
        rung=rung,
        gates=gates,
        reasons=(f"{why}: shown again, one step higher", *friction.reasons),
        challenge_seed=seed,
        defer_until=defer_until,
        headline=f"too fast: {action}",
    )


def is_fatigued(history: History, now: datetime, config: Config | None = None) -> str | None:
    """Why a reviewer is too tired to be the fresh second pair of eyes, or None when they are not.

    Pair review (R5) asks for a second person because the first may be on autopilot; a second
    reviewer who is inside the night window, deep in an approval streak, past the longest
    stretch of continuous reviewing or at the end of a long day adds little to the first.
    Each test uses the policy's own top threshold, so the two always agree.
    """
    config = config or default_config()
    local = config.local(now)
    minute = local.hour * 60 + local.minute
    if config.low_raise and in_window(minute, config.low_window):
        return f"{local:%H:%M} is inside the {window_text(config.low_window)} night window"
    if config.late_raise and in_window(minute, config.late_window):
        return f"{local:%H:%M} is late ({window_text(config.late_window)})"
    top_streak = config.streak_thresholds[-1]
    if history.streak >= top_streak:
        return f"{history.streak} approvals in a row"
    top_stretch = config.session_thresholds[-1]
    if history.stretch_minutes >= top_stretch:
        return f"{int(history.stretch_minutes)} minutes of reviewing without a break"
    if history.active_hours > config.raise_after_hours:
        return f"active for {int(history.active_hours)} h"
    return None
