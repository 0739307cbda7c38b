"""Summarise a reviewer's recent decisions into the fatigue signals the policy reads.

The journal holds what happened; the policy needs a handful of numbers: how many approvals in a
row, how long this stretch of reviewing has lasted, how long the reviewer has been active since
their last long rest, and on how many recent nights they approved things. `summarize` computes
them from journal records with the clock as an input, so it is a pure function and testable.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from approve.config import Config, Window

# Verdicts in which the reviewer pressed approve. A too-fast approval was refused, but it is the
# reflex the streak measures, so it counts.
APPROVALS = frozenset({"approved", "too-fast"})
# Verdicts that show the reviewer was at the keyboard (timeouts and errors do not).
ACTIVITY = frozenset({"approved", "too-fast", "rejected", "deferred"})


@dataclass(frozen=True, slots=True)
class Reviewer:
    """Who reviews: the Unix user (the identity) and an optional display name."""

    user: str
    name: str | None = None

    @property
    def id(self) -> str:
        return self.user

    def __str__(self) -> str:
        return f"{self.name} ({self.user})" if self.name else self.user

    @classmethod
    def current(cls) -> Reviewer:
        """The Unix user running approve; $APPROVE_REVIEWER_NAME adds a display name."""
        try:
            user = getpass.getuser()
        except (KeyError, OSError):  # no passwd entry (containers): the numeric id still names us
            user = f"uid{os.getuid()}"
        return cls(user=user, name=os.environ.get("APPROVE_REVIEWER_NAME") or None)


@dataclass(frozen=True, slots=True)
class Event:
    """One past decision, as much as the fatigue signals need."""

    shown: float  # epoch seconds when the review was shown (== decided when unknown)
    decided: float  # epoch seconds when it was decided
    verdict: str
    tier: str
    reviewers: tuple[str, ...]
    rung: int = 0

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Event | None:
        """The event in a journal record, or None for fences and records without a time."""
        decided = record.get("decided_at")
        if not isinstance(decided, int | float):
            return None
        shown = record.get("shown_at")
        verdict = record.get("verdict")
        reviewers = record.get("reviewers") or ()
        return cls(
            shown=float(shown) if isinstance(shown, int | float) else float(decided),
            decided=float(decided),
            verdict=verdict if isinstance(verdict, str) else "error",
            tier=str(record.get("tier", "critical")),
            reviewers=tuple(str(r) for r in reviewers) if isinstance(reviewers, list) else (),
            rung=int(record.get("rung", 0) or 0),
        )


@dataclass(frozen=True, slots=True)
class History:
    """The fatigue signals at one moment. All zero for a fresh reviewer."""

    streak: int = 0  # approvals in a row before this request (rejects reset, breaks halve)
    stretch_minutes: float = 0.0  # continuous reviewing up to now; 0 while on a break
    idle_minutes: float | None = None  # since the last decision; None when there was none
    last_stretch_minutes: float = 0.0  # the stretch that ended at the last decision
    active_hours: float = 0.0  # since the first activity after the last long rest
    night_count: int = 0  # recent nights (see config night.history_nights) with a night approval
    recent: tuple[Event, ...] = ()  # the latest decisions, newest last


def in_window(minute: int, window: Window) -> bool:
    """Whether a minute of the day lies in a window (end minute included; may wrap midnight)."""
    start, end = window
    if start <= end:
        return start <= minute <= end
    return minute >= start or minute <= end


def night_of(moment: datetime, config: Config) -> date | None:
    """The night a local moment belongs to (named by its morning's date), or None by day."""
    minute = moment.hour * 60 + moment.minute
    if not (in_window(minute, config.low_window) or in_window(minute, config.late_window)):
        return None
    return moment.date() + timedelta(days=1) if moment.hour >= 12 else moment.date()


def tonight(moment: datetime) -> date:
    """The morning date of the night nearest to a local moment (this night, or the next)."""
    return moment.date() + timedelta(days=1) if moment.hour >= 12 else moment.date()


def summarize(
    records: Iterable[Mapping[str, Any]],
    now: datetime,
    reviewer: Reviewer | None,
    config: Config,
    keep_recent: int = 20,
) -> History:
    """The fatigue signals at NOW from journal records (any order; later ones are ignored).

    Only the reviewer's own decisions count (every human decision when reviewer is None).
    """
    now_s = now.timestamp()
    events: list[Event] = []
    for record in records:
        event = Event.from_record(record)
        if event is None or event.decided > now_s or event.verdict not in ACTIVITY:
            continue
        if not event.reviewers or (reviewer is not None and reviewer.id not in event.reviewers):
            continue
        events.append(event)
    if not events:
        return History()
    events.sort(key=lambda e: (e.shown, e.decided))

    streak_break = config.streak_break_minutes * 60
    stretch_break = config.session_break_minutes * 60
    rest = config.idle_gap_hours * 3600
    streak = 0
    stretch_start = span_start = events[0].shown
    end = events[0].shown
    for event in events:
        gap = event.shown - end
        if gap >= rest:
            streak = 0
            span_start = event.shown
        elif gap >= streak_break:
            streak //= 2
        if gap >= stretch_break:
            stretch_start = event.shown
        if event.verdict in APPROVALS:
            streak += 1
        elif event.verdict == "rejected":
            streak = 0
        end = max(end, event.decided)

    idle = max(0.0, now_s - end)
    if idle >= rest:
        streak = 0
    elif idle >= streak_break:
        streak //= 2
    last_stretch = end - stretch_start
    stretch = (now_s - stretch_start) if idle < stretch_break else 0.0
    active = (now_s - span_start) if idle < rest else 0.0

    local_now = config.local(now)
    first_night = tonight(local_now) - timedelta(days=config.history_nights - 1)
    nights: set[date] = set()
    horizon = now_s - (config.history_nights + 1) * 86400
    for event in events:
        if event.verdict in APPROVALS and event.decided >= horizon:
            night = night_of(
                config.local(datetime.fromtimestamp(event.decided, now.tzinfo)), config
            )
            if night is not None and night >= first_night:
                nights.add(night)

    return History(
        streak=streak,
        stretch_minutes=stretch / 60,
        idle_minutes=idle / 60,
        last_stretch_minutes=last_stretch / 60,
        active_hours=active / 3600,
        night_count=len(nights),
        recent=tuple(events[-keep_recent:]),
    )


def history_horizon(now: datetime, config: Config) -> datetime:
    """How far back the journal must be read for `summarize` to see everything that matters."""
    days = max(config.history_nights + 1, config.defer_after_hours / 24 + 1)
    return now - timedelta(days=days)


def load_history(
    path: Path | None, now: datetime, reviewer: Reviewer | None, config: Config
) -> History:
    """The fatigue signals at NOW from the journal at PATH (the default journal for None).

    Reads only the recent end of the file, backwards. A missing journal is a fresh reviewer;
    an unreadable one raises JournalError (the caller fails closed).
    """
    from approve.journal import default_journal_path, recent_records

    target = path or default_journal_path()
    if not target.exists():
        return History()
    records = recent_records(target, history_horizon(now, config).timestamp())
    return summarize(records, now, reviewer, config)
