"""`approve stats`: a fatigue report with pictures, from the journal.

`compute_stats(records, config)` reduces the journal to numbers in one pass; `render_stats`
turns them into a rich renderable (also used by the pane's stats screen): approvals by hour of
day, time spent against the reading floor and per destructive line, streak lengths, the share of
too-fast approvals, rejects per 100 decisions, and night approvals.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from statistics import median
from typing import Any

from approve.commands.log import add_journal_arguments, journal_and_since
from approve.config import Config, load_config, window_text
from approve.history import APPROVALS, in_window
from approve.journal import JournalError, Row, iter_rows, row_of

STREAK_BUCKETS = ("1", "2", "3-4", "5-9", "10+")
PACE_BUCKETS = ("< 0.6x floor (too fast)", "0.6-1x", "1-2x", "2x or more")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_journal_arguments(parser)


def run(args: argparse.Namespace) -> int:
    config = load_config()
    try:
        path, since_epoch = journal_and_since(args, config)
        stats = compute_stats(iter_rows(path, since_epoch), config)
    except (JournalError, ValueError) as error:
        print(f"approve: {error}", file=sys.stderr)
        return 2
    from rich.console import Console

    Console(highlight=False).print(render_stats(stats, config))
    return 0


@dataclass
class FatigueStats:
    """The journal reduced to the numbers of the fatigue report."""

    decisions: int = 0
    approvals: int = 0  # approve pressed (accepted or refused as too fast)
    rejects: int = 0
    too_fast: int = 0
    by_hour: list[int] = field(default_factory=lambda: [0] * 24)
    pace: list[int] = field(default_factory=lambda: [0] * len(PACE_BUCKETS))
    seconds_per_destructive_line: list[float] = field(default_factory=list)
    streaks: Counter[str] = field(default_factory=Counter)
    longest_streak: int = 0
    low_window_approvals: int = 0
    late_approvals: int = 0
    nights: set[date] = field(default_factory=set)
    first: float | None = None
    last: float | None = None

    @property
    def rejects_per_100(self) -> float:
        return 100 * self.rejects / self.decisions if self.decisions else 0.0

    @property
    def too_fast_share(self) -> float:
        return self.too_fast / self.approvals if self.approvals else 0.0


def _streak_bucket(length: int) -> str:
    if length >= 10:
        return "10+"
    if length >= 5:
        return "5-9"
    if length >= 3:
        return "3-4"
    return str(length)


def compute_stats(rows: Iterable[Row | dict[str, Any]], config: Config) -> FatigueStats:
    """One pass over the decisions, oldest first: journal Rows (fast) or parsed records."""
    stats = FatigueStats()
    streak_break = config.streak_break_minutes * 60
    run_length: dict[str, int] = {}
    last_end: dict[str, float] = {}
    ratio = config.too_fast_ratio
    bucket_cache: dict[int, tuple[int, date]] = {}  # 15-minute bucket -> (local minute, day)
    low, late = config.low_window, config.late_window
    by_hour, pace, per_line = stats.by_hour, stats.pace, stats.seconds_per_destructive_line

    def close(who: str) -> None:
        length = run_length.pop(who, 0)
        if length:
            stats.streaks[_streak_bucket(length)] += 1
            stats.longest_streak = max(stats.longest_streak, length)

    for item in rows:
        row = row_of(item) if isinstance(item, dict) else item
        if row is None:
            continue
        decided, shown, verdict, who, too_fast, elapsed, floor, lines = row
        if verdict == "auto-allowed":
            continue  # nobody reviewed it: not part of anyone's fatigue
        stats.decisions += 1
        if stats.first is None:
            stats.first = decided
        stats.last = decided
        start = shown if shown is not None else decided
        if who in last_end and start - last_end[who] >= streak_break:
            close(who)
        last_end[who] = decided
        if verdict == "rejected":
            stats.rejects += 1
            close(who)
            continue
        if verdict not in APPROVALS:
            continue
        stats.approvals += 1
        run_length[who] = run_length.get(who, 0) + 1
        if too_fast:
            stats.too_fast += 1
        # Zone offsets are whole quarter hours, so one conversion per 15-minute bucket will do.
        bucket = int(decided // 900)
        local = bucket_cache.get(bucket)
        if local is None:
            moment = config.local(datetime.fromtimestamp(bucket * 900).astimezone())
            local = (moment.hour * 60 + moment.minute, moment.date())
            bucket_cache[bucket] = local
        minute = local[0] + int(decided - bucket * 900) // 60
        hour = minute // 60
        by_hour[hour] += 1
        if in_window(minute, low):
            stats.low_window_approvals += 1
            stats.nights.add(local[1])
        elif in_window(minute, late):
            stats.late_approvals += 1
            stats.nights.add(date.fromordinal(local[1].toordinal() + (1 if hour >= 12 else 0)))
        if elapsed is not None and floor:
            share = elapsed / floor
            pace[0 if share < ratio else 1 if share < 1 else 2 if share < 2 else 3] += 1
            if lines > 0:
                per_line.append(elapsed / lines)
    for who in list(run_length):
        close(who)
    return stats


_BLOCKS = " ▁▂▃▄▅▆▇█"


def _bar(value: float, largest: float, width: int) -> str:
    if largest <= 0 or value <= 0:
        return ""
    cells = value / largest * width
    full = int(cells)
    part = int((cells - full) * 8)
    return "█" * full + ("▏▎▍▌▋▊▉"[part - 1] if part else "")


def hour_chart(by_hour: list[int], config: Config, height: int = 8) -> Any:
    """Approvals by hour of day as a column chart; night hours in warm colours."""
    from rich.text import Text

    largest = max(by_hour) or 1
    text = Text()
    for row in range(height, 0, -1):
        for hour, count in enumerate(by_hour):
            level = count / largest * height - (row - 1)
            cell = _BLOCKS[max(0, min(8, round(level * 8)))] if level > 0 else " "
            minute = hour * 60
            style = (
                "bold red"
                if in_window(minute, config.low_window)
                else "yellow"
                if in_window(minute, config.late_window)
                else "cyan"
            )
            text.append(cell * 2 + " ", style=style)
        text.append("\n")
    text.append("".join(f"{hour:02d} " for hour in range(24)), style="dim")
    peak = max(range(24), key=lambda hour: by_hour[hour])
    if by_hour[peak]:
        text.append(
            f"\ntallest: {by_hour[peak]} approvals at {peak:02d}:00-{peak:02d}:59; ", style="dim"
        )
        text.append("red: circadian low", style="bold red")
        text.append(", ", style="dim")
        text.append("yellow: late evening", style="yellow")
    return text


def render_stats(stats: FatigueStats, config: Config) -> Any:
    """The fatigue report as one rich renderable."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    if not stats.decisions:
        return Panel(Text("no decisions in the journal for this period"), title="approve stats")

    def span(epoch: float | None) -> str:
        if epoch is None:
            return "?"
        return f"{config.local(datetime.fromtimestamp(epoch).astimezone()):%Y-%m-%d %H:%M}"

    summary = Table.grid(padding=(0, 2))
    summary.add_column(justify="right", style="bold")
    summary.add_column()
    plural = "decision" if stats.decisions == 1 else "decisions"
    summary.add_row(f"{stats.decisions}", f"{plural}, {span(stats.first)} to {span(stats.last)}")
    summary.add_row(f"{stats.approvals}", "approvals (approve pressed)")
    share = stats.too_fast_share
    summary.add_row(
        Text(f"{share:.0%}", style="bold magenta" if share > 0.1 else "green"),
        f"too fast ({stats.too_fast} under {config.too_fast_ratio:g}x the reading floor)  "
        + _bar(share, 1, 30),
    )
    rejects = stats.rejects_per_100
    summary.add_row(
        Text(f"{rejects:.1f}", style="yellow" if rejects < 2 else "green"),
        "rejects per 100 decisions" + ("  (almost never says no)" if rejects < 2 else ""),
    )
    summary.add_row(
        Text(
            str(stats.low_window_approvals), style="bold red" if stats.low_window_approvals else ""
        ),
        f"approvals in the {window_text(config.low_window)} circadian low, "
        f"{stats.late_approvals} late ({window_text(config.late_window)}), "
        f"on {len(stats.nights)} night(s)",
    )
    summary.add_row(str(stats.longest_streak), "longest run of approvals without a reject or break")

    pace = Table(box=None, show_header=False, padding=(0, 1))
    pace.add_column(no_wrap=True)
    pace.add_column(justify="right")
    pace.add_column()
    largest = max(stats.pace) or 1
    for index, (label, count) in enumerate(zip(PACE_BUCKETS, stats.pace, strict=True)):
        style = "magenta" if index == 0 else "yellow" if index == 1 else "green"
        pace.add_row(label, str(count), Text(_bar(count, largest, 30), style=style))
    per_line = stats.seconds_per_destructive_line
    per_line_text = (
        f"median {median(per_line):.1f} s per destructive line "
        f"(floor {config.seconds_per_destructive_line:g} s), over {len(per_line)} reviews"
        if per_line
        else "no timed reviews of destructive lines yet"
    )

    streaks = Table(box=None, show_header=False, padding=(0, 1))
    streaks.add_column(justify="right", no_wrap=True)
    streaks.add_column(justify="right")
    streaks.add_column()
    largest_streak = max(stats.streaks.values(), default=0) or 1
    for label in STREAK_BUCKETS:
        count = stats.streaks.get(label, 0)
        style = "red" if label in ("5-9", "10+") else "yellow" if label == "3-4" else "cyan"
        streaks.add_row(
            f"{label} in a row", str(count), Text(_bar(count, largest_streak, 30), style=style)
        )

    return Group(
        Panel(summary, title="approve stats: fatigue report", title_align="left"),
        Panel(
            hour_chart(stats.by_hour, config),
            title="approvals by hour of day (local)",
            title_align="left",
        ),
        Panel(
            Group(pace, Text(per_line_text, style="dim")),
            title="time spent against the reading floor",
            title_align="left",
        ),
        Panel(streaks, title="streak lengths (approvals in a row)", title_align="left"),
    )
