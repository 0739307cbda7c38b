"""The fatigue meter: a reviewer's fatigue signals now, as the pane shows them.

Pure: the history (approve.history.summarize), the clock and the config in, a FatigueMeter out.
It reads the same thresholds the policy uses, so what the meter says is due is what the policy
will ask for: the next streak step, the night windows, the stretch of continuous reviewing and
when a break is due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from approve.config import Config, window_text
from approve.history import History, in_window


@dataclass(frozen=True, slots=True)
class FatigueMeter:
    """One reviewer's fatigue at a moment, in words and numbers."""

    clock: str  # local "HH:MM"
    window: str | None  # "night window 02:00-05:59", "late 22:00-01:59", or None
    streak: int
    next_streak_step: int | None  # the streak at which friction rises next; None past the top
    stretch_minutes: float  # continuous reviewing up to now
    next_stretch_step: int | None  # minutes at which friction rises next; None past the top
    break_due: bool  # past the first stretch threshold: a break would reset it
    break_minutes: float  # how long a break resets the stretch
    night_count: int  # recent nights with a night approval
    tired: str | None  # approve.policy.is_fatigued: why this reviewer is not fresh, or None

    def lines(self) -> list[str]:
        """The meter as short lines (they fit a 36-column panel)."""
        out = [self.clock + (f", {self.window}" if self.window else "")]
        streak = f"streak {self.streak}"
        if self.next_streak_step is not None:
            streak += f" (rises at {self.next_streak_step})"
        out.append(streak)
        stretch = f"reviewing {self.stretch_minutes:.0f} min"
        if self.break_due:
            stretch += f": take {self.break_minutes:.0f} min off"
        elif self.next_stretch_step is not None:
            stretch += f" (break at {self.next_stretch_step})"
        out.append(stretch)
        if self.night_count:
            out.append(f"nights with approvals: {self.night_count}")
        return out


def fatigue_meter(history: History, now: datetime, config: Config) -> FatigueMeter:
    """The meter for a reviewer with HISTORY at NOW."""
    from approve.policy import is_fatigued

    local = config.local(now)
    minute = local.hour * 60 + local.minute
    window = None
    if config.low_raise and in_window(minute, config.low_window):
        window = f"night window {window_text(config.low_window)}"
    elif config.late_raise and in_window(minute, config.late_window):
        window = f"late {window_text(config.late_window)}"
    steps = [step for step in config.streak_thresholds if step > history.streak]
    stretch_steps = [step for step in config.session_thresholds if step > history.stretch_minutes]
    return FatigueMeter(
        clock=f"{local:%H:%M}",
        window=window,
        streak=history.streak,
        next_streak_step=steps[0] if steps else None,
        stretch_minutes=history.stretch_minutes,
        next_stretch_step=stretch_steps[0] if stretch_steps else None,
        break_due=history.stretch_minutes >= config.session_thresholds[0],
        break_minutes=config.session_break_minutes,
        night_count=history.night_count,
        tired=is_fatigued(history, now, config),
    )
