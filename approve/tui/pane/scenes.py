"""Fixed scenes of the pane, for its snapshot tests and the README's screenshots.

Every clock is pinned (arrivals, ages, the policy's `now` at 14:00 UTC, the gates' clock) and the
journal is a temporary one holding a morning of decisions, so the meter and the stats screen
have something to show and the pictures only change when the pane does.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from approve.broker.state import Broker
from approve.commands.stats import compute_stats, render_stats
from approve.config import config_from_text
from approve.history import Reviewer
from approve.journal import append, iter_rows, record_for
from approve.model import Assessment, Decision, Friction, Origin, Request, Tier
from approve.tui.pane.app import PaneApp
from approve.tui.pane.source import LocalSource

DAY = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)
ARRIVED = DAY.timestamp() - 300.0
CODE = "314-159"
CONFIG = config_from_text("timezone: UTC\nallow_same_user_pairs: true\n", "scene")
COMMANDS = (
    "ceph osd purge 3 --yes-i-really-mean-it",
    "kubectl delete namespace payments",
    "rm -rf /srv/app/cache",
)


class StillClock:
    """A monotonic clock that does not move: the gates' countdowns stay where they are."""

    def __call__(self) -> float:
        return 1000.0


def write_morning(path: Path) -> None:
    """A morning of decisions by alice: approvals, a reject and one approval that was too fast."""
    assessment = Assessment("shell", Tier.HIGH, {"destroy": 1}, (), 1, 6)
    friction = Friction(rung=2, gates=("read", "visit"), reasons=("scene",), reading_floor_s=10.0)
    for index, verdict in enumerate(("approved", "approved", "rejected", "approved", "too-fast")):
        decided = DAY.timestamp() - 3600 + index * 300
        decision = Decision(
            verdict=verdict,
            reason="earlier",
            reviewers=("alice",),
            shown_at=decided - (4 if verdict == "too-fast" else 25),
            decided_at=decided,
            gates_passed=("read", "visit"),
        )
        request = Request(text=f"rm -rf /srv/old-{index}", kind="shell")
        append(record_for(request, assessment, friction, decision), path)


def pane_scene(
    journal: Path, *, pair: bool = False, count: int = 3, theme: str = "dark"
) -> tuple[PaneApp, Broker]:
    """A pane whose queue holds the first COUNT sample commands, reviewed by alice."""
    write_morning(journal)
    broker = Broker(
        CONFIG,
        journal,
        clock=lambda: ARRIVED,
        now=lambda: DAY,
        pair=pair,
        pairing_code=CODE,
        reviewer=Reviewer("alice"),
    )
    for index, command in enumerate(COMMANDS[:count]):
        origin = Origin(source="hook", agent="claude", session_id=f"s{index}", tool_name="Bash")
        request = Request(text=command, kind="shell", origin=origin, title=f"Bash: {command}")
        broker.submit(request, 4_000_000_000.0, lambda message: None)

    def stats() -> object:
        return render_stats(compute_stats(iter_rows(journal), CONFIG), CONFIG)

    app = PaneApp(
        LocalSource(broker),
        now=lambda: DAY,
        theme=theme,
        clock=StillClock(),
        wall=lambda: DAY.timestamp(),
        guard_s=0.0,
        stats=stats,
        where="/run/user/1000/approve/pane.sock",
        tmux_messages=False,
    )
    return app, broker


def pair_scene(journal: Path, theme: str = "dark") -> PaneApp:
    """Pair review: bob has joined; alice approved the oldest request, which now waits for a
    second person, and reviews the next."""
    app, broker = pane_scene(journal, pair=True, count=2, theme=theme)
    broker.join("station-2", Reviewer("alice", "bob"), CODE)
    first = broker.pending()[0]
    friction = broker.friction_for(first, broker.reviewer)
    now = DAY.timestamp()
    passed = tuple(g for g in friction.gates if g not in ("second", "defer"))
    decision = Decision(
        verdict="approved",
        reason="approved in a scene",
        shown_at=now - friction.reading_floor_s - 5,
        first_key_at=now - friction.reading_floor_s,
        decided_at=now,
        gates_passed=passed,
        challenge="retype the name" if "prove" in passed else None,
        challenge_ok=True if "prove" in passed else None,
        explanation="the OSD was drained yesterday" if "explain" in passed else None,
    )
    broker.record_verdict(first.id, broker.reviewer, decision, station_key="local")
    return app


async def review_shown(pilot: object) -> None:
    """Wait until the pane shows its review, then step to the first finding."""
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    app = pilot.app
    assert isinstance(app, PaneApp)
    for _ in range(100):
        if app.review is not None and app.review.tracker.shown_at is not None:
            break
        await pilot.pause(0.05)
    await pilot.press("n")
    await pilot.pause()
