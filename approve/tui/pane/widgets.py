"""The pane's side panels: the queue, the last decisions, the fatigue meter and the pairing code.

Each shows what it is given and nothing else; every text that came from a request (titles,
reasons, names) goes through sanitize, so it is shown, never interpreted.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from approve.broker.state import Outcome
from approve.fatigue import FatigueMeter
from approve.model import Tier
from approve.sanitize import sanitize
from approve.tui.pane.source import QueueRow

TIER_STYLE = {
    Tier.CRITICAL: "bold red",
    Tier.HIGH: "bold yellow",
    Tier.LOW: "cyan",
    Tier.SAFE: "dim",
}
VERDICT_MARK = {
    "approved": ("✓", "green"),
    "rejected": ("✗", "red"),
    "deferred": ("…", "yellow"),
    "timeout": ("⏱", "magenta"),
    "error": ("!", "bold red"),
}


def age_text(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f}s"
    if seconds < 3600:
        return f"{seconds // 60:.0f}m"
    return f"{seconds // 3600:.0f}h"


class QueueView(Static):
    """The waiting requests, oldest first: tier, age, approvals so far, title (one line each:
    pane.tcss cuts long ones with an ellipsis)."""

    def show(self, rows: Sequence[QueueRow], now: float, current: str | None) -> None:
        text = Text()
        text.append(f"Queue ({len(rows)})", style="bold")
        if not rows:
            text.append("\n  nothing waiting", style="dim")
        for row in rows[:8]:
            text.append("\n")
            text.append("▶ " if row.id == current else "  ")
            text.append(f"{row.tier.label:<8}", style=TIER_STYLE.get(row.tier, ""))
            text.append(f" {age_text(now - row.arrived_at):>4} ")
            if row.needed > 1 or row.approvals:
                # Who has approved, and how many more people are needed.
                who = f" {sanitize(', '.join(row.approvals))}" if row.approvals else ""
                text.append(f"{len(row.approvals)}/{row.needed}{who} ", style="bold cyan")
            if row.approved_by_me:
                text.append("✓ ", style="bold green")
            text.append(sanitize(row.title))
        if any(row.approved_by_me for row in rows):
            text.append("\n  ✓ you approved: it waits for a second person (o reopens it)", "dim")
        if len(rows) > 8:
            text.append(f"\n  ... and {len(rows) - 8} more", style="dim")
        self.update(text)


class RecentView(Static):
    """The last decisions, newest first."""

    def show(self, outcomes: Sequence[Outcome], now: float) -> None:
        text = Text()
        text.append("Last decisions", style="bold")
        if not outcomes:
            text.append("\n  none yet", style="dim")
        for outcome in list(reversed(outcomes))[:4]:
            mark, style = VERDICT_MARK.get(outcome.verdict, ("?", ""))
            text.append(f"\n  {mark} ", style=style)
            text.append(f"{outcome.verdict:<8}", style=style)
            text.append(f" {age_text(now - outcome.decided_at):>4} ")
            text.append(sanitize(outcome.title))
            if outcome.reviewers:
                text.append(f"  by {sanitize(', '.join(outcome.reviewers))}", style="dim")
        self.update(text)


class MeterView(Static):
    """The reviewer's fatigue, the stations present and how a partner joins."""

    def show(
        self,
        meter: FatigueMeter | str,
        reviewer: str,
        stations: Sequence[str],
        pairing_code: str | None,
    ) -> None:
        text = Text()
        text.append(f"{sanitize(reviewer)}", style="bold")
        if isinstance(meter, str):
            text.append(f"\n  {sanitize(meter)}", style="dim")
        else:
            for number, line in enumerate(meter.lines()):
                urgent = (number == 0 and meter.window) or (meter.break_due and "off" in line)
                text.append(f"\n  {line}", style="bold yellow" if urgent else "")
            if meter.tired:
                text.append(f"\n  not fresh: {meter.tired}", style="yellow")
        others = [name for name in stations if name != reviewer]
        if others:
            text.append(f"\n  with: {sanitize(', '.join(others))}", style="cyan")
        if pairing_code:
            text.append(f"\n  pairing code {pairing_code}", style="dim")
        self.update(text)
