"""The pane app: the review of the oldest waiting request, with the queue, the last decisions and
the reviewer's fatigue meter around it.

It shows what its PaneSource gives it and sends the reviewer's verdicts back; the broker decides
what each verdict means (counted or not, decided or waiting for a second person, too fast).
Requests are reviewed oldest first, and the one on screen never changes under the reviewer's
fingers: a new arrival only joins the queue (with a bell and a tmux message when the pane is
not focused). Each new review starts behind the guard, so keys meant for the last one are
dropped.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from approve.errors import reason as error_reason
from approve.model import Assessment, Friction, Request
from approve.sanitize import sanitize
from approve.tui.app import HelpScreen
from approve.tui.guard import GuardedApp
from approve.tui.pane.source import PaneSource
from approve.tui.pane.widgets import MeterView, QueueView, RecentView
from approve.tui.review_panel import GUARD_S, ReviewPanel
from approve.tui.themes import install_themes, next_theme

_HERE = Path(__file__).parent
METER_EVERY_S = 20.0  # the fatigue meter reads the journal: not on every tick
METER_AFTER_CHANGE_S = 1.0  # after a change, at most this late
IDLE_TEXT = "No request is waiting. Agents' hooks send their requests here"


class StatsScreen(ModalScreen[None]):
    """`approve stats` inside the pane: the fatigue report over the journal."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,s,q", "dismiss", "Close")]
    DEFAULT_CSS = """
    StatsScreen { align: center middle; }
    StatsScreen > VerticalScroll { width: 96%; height: 92%; background: $panel;
        border: round $primary; padding: 0 1; }
    """

    def __init__(self, report: object) -> None:
        super().__init__()
        self.report = report

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(self.report)  # type: ignore[arg-type]

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)


class PaneApp(GuardedApp[None]):
    """Reviews requests from SOURCE one at a time until closed (ctrl+q)."""

    # Absolute, so a subclass elsewhere finds them too (Textual resolves relative paths against
    # the file of the class that is run).
    CSS_PATH = [_HERE.parent / "review.tcss", _HERE / "pane.tcss"]  # noqa: RUF012 (read once)
    TITLE = "approve pane"
    ENABLE_COMMAND_PALETTE = False

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("o", "reopen", "Reopen", show=False),
        Binding("s", "stats", "Stats"),
        Binding("t", "cycle_theme", "Theme"),
        Binding("question_mark", "help", "Help"),
        Binding("ctrl+q", "quit", "Quit (waiting hooks are denied)"),
    ]

    def __init__(
        self,
        source: PaneSource,
        *,
        now: Callable[[], datetime] | None = None,
        theme: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        guard_s: float = GUARD_S,
        start: Callable[[], Awaitable[None]] | None = None,
        stop: Callable[[], Awaitable[None]] | None = None,
        stats: Callable[[], object] | None = None,
        where: str = "",
        tmux_messages: bool = True,
    ) -> None:
        """START and STOP run when the app starts and ends (the socket server's life);
        STATS builds the report shown by `s`; WHERE says where requests come from. CLOCK
        times the gates, WALL (epoch seconds) dates decisions and ages: tests pin both."""
        super().__init__()
        self.source = source
        self.now = now or (lambda: datetime.now().astimezone())
        self.clock = clock
        self.wall = wall
        self.guard_s = guard_s
        self._start, self._stop, self._stats = start, stop, stats
        self.where = where
        self.tmux_messages = tmux_messages
        self.review: ReviewPanel | None = None
        self.review_id: str | None = None
        self.focused_terminal = True
        self._opening: str | None = None
        self._seen: set[str] = set()
        self._meter_at = -METER_EVERY_S
        self.theme_short = install_themes(self, theme, self.now())

    # -- layout --------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="pane-top"):
            yield QueueView(id="queue")
            yield RecentView(id="recent")
            yield MeterView(id="meter")
        with Vertical(id="review-area"):
            idle = Text(IDLE_TEXT + (f" ({self.where})" if self.where else "") + ".", style="dim")
            yield Static(idle, id="idle")
        yield Static(id="pane-message")
        yield Footer()

    async def on_mount(self) -> None:
        if self._start is not None:
            try:
                await self._start()
            except Exception as error:  # e.g. another pane already serves the socket
                self.exit(return_code=2, message=f"approve: {error}")
                return
        self.source.subscribe(self._changed)
        self.set_interval(1.0, self._tick)
        self._sync()

    async def on_unmount(self) -> None:
        if self._stop is not None:
            await self._stop()

    # -- following the source ------------------------------------------------------------------

    def _changed(self) -> None:
        """The source changed (called from within the broker): redraw once it is done."""
        self.call_later(self._sync)

    def _tick(self) -> None:
        self._show_status()

    def _sync(self) -> None:
        ended = self.source.ended()
        if ended is not None:  # a joined station whose pane went away
            self._close_review()
            self.query_one("#idle", Static).update(Text(f"{ended}. ctrl+q leaves.", style="bold"))
            self._show_status()
            return
        rows = self.source.rows()
        ids = {row.id for row in rows}
        arrived = ids - self._seen
        self._seen = ids
        if arrived and not self.focused_terminal:
            self._announce(len(arrived))
        if self.review_id is not None and self.review_id not in ids:
            self._gone(self.review_id)
        if self.review is None and self._opening is None and not self._covered():
            waiting = [row for row in rows if not row.approved_by_me]
            if waiting:
                self._open(waiting[0].id)
        # A decision changes the meter: read it again soon, but not on every one of a burst.
        self._meter_at = min(self._meter_at, self.clock() - METER_EVERY_S + METER_AFTER_CHANGE_S)
        self._show_status()

    def _show_status(self) -> None:
        wall = self.wall()
        self.query_one(QueueView).show(self.source.rows(), wall, self.review_id)
        self.query_one(RecentView).show(self.source.recent(), wall)
        if self.clock() - self._meter_at >= METER_EVERY_S:
            self._meter_at = self.clock()
            self.query_one(MeterView).show(
                self.source.meter(),
                str(self.source.reviewer),
                self.source.station_names(),
                self.source.pairing_code,
            )

    def _gone(self, request_id: str) -> None:
        """The request on screen left the queue without our verdict: decided elsewhere, or its
        hook gave up."""
        outcome = next((o for o in reversed(self.source.recent()) if o.id == request_id), None)
        if outcome is None:
            self._say(f"request {request_id} left the queue")
        else:
            self._say(f"request {request_id}: {outcome.verdict} ({sanitize(outcome.reason)})")
        self._close_review()

    def _announce(self, count: int) -> None:
        """A request arrived while the pane is not focused: ring, and tell tmux."""
        self.bell()
        if self.tmux_messages and os.environ.get("TMUX"):
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                subprocess.run(
                    ["tmux", "display-message", f"approve: {count} request(s) waiting for review"],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    timeout=2,
                    check=False,
                )

    def on_app_focus(self, event: events.AppFocus) -> None:
        self.focused_terminal = True

    def on_app_blur(self, event: events.AppBlur) -> None:
        self.focused_terminal = False

    # -- the review on screen ------------------------------------------------------------------

    @work(group="open", exclusive=True)
    async def _open(self, request_id: str) -> None:
        self._opening = request_id
        try:
            opened = await self.source.open(request_id)
        except Exception as error:  # gone meanwhile, or the journal cannot be read: say so
            self._say(error_reason(error))
            return
        finally:
            self._opening = None
        if self._covered():
            return  # opened again when the reviewer comes back from the other screen
        if self.review is None and any(row.id == request_id for row in self.source.rows()):
            await self._show_review(opened.id, opened.request, opened.assessment, opened.friction)
        else:
            self._sync()

    async def _show_review(
        self, request_id: str, request: Request, assessment: Assessment, friction: Friction
    ) -> None:
        idle = self.query_one("#idle", Static)
        idle.display = False
        panel = ReviewPanel(
            request,
            assessment,
            friction,
            wall_start=self.wall(),
            clock=self.clock,
            guard_s=self.guard_s,
            reviewer=str(self.source.reviewer),
            passable=frozenset({"second"}),  # the broker counts the second person
        )
        self.review, self.review_id = panel, request_id
        await self.query_one("#review-area", Vertical).mount(panel)
        self._show_status()

    def _close_review(self) -> None:
        if self.review is not None:
            self.review.remove()
        self.review, self.review_id = None, None
        self.query_one("#idle", Static).display = True

    def guarded_review(self) -> ReviewPanel | None:
        return self.review

    def _covered(self) -> bool:
        """Another screen (stats, help) hides the review: nothing may start being read."""
        return len(self.screen_stack) > 1

    def _uncovered(self, result: object = None) -> None:
        """Back from the stats or help screen: time spent there was not spent reading, so the
        review on screen starts again behind its guard, and a waiting request may open."""
        del result
        if self.review is not None:
            self.review.restart_guard()
        self._sync()

    @on(ReviewPanel.Decided)
    async def _decided(self, message: ReviewPanel.Decided) -> None:
        panel, request_id = message.panel, self.review_id
        if panel is not self.review or request_id is None:
            return  # a review already replaced
        try:
            result = await self.source.verdict(request_id, message.decision)
        except Exception as error:  # not taken: the broker's own error, or the journal's
            self._say(error_reason(error))
            self._close_review()
            self._sync()
            return
        self._say(sanitize(result.message))
        if result.state == "refused":
            # Not accepted (too fast, a gate missing): review it again, at the friction given.
            friction = result.friction or panel.friction
            self._close_review()
            await self._show_review(request_id, panel.request, panel.assessment, friction)
            if self.review is not None:
                self.review.say(sanitize(result.message))
            return
        self._close_review()
        self._sync()

    def _say(self, message: str) -> None:
        self.query_one("#pane-message", Static).update(Text(message))

    # -- other keys ----------------------------------------------------------------------------

    def action_reopen(self) -> None:
        """Open again the oldest request this station approved that still waits for a second
        person: its reviewer can still reject or defer it, so nothing waits on a partner who
        left."""
        if self.review is not None or self._opening is not None:
            self._say("finish the review on screen first")
            return
        mine = [row for row in self.source.rows() if row.approved_by_me]
        if not mine:
            self._say("nothing you approved is waiting")
            return
        self._open(mine[0].id)

    def action_stats(self) -> None:
        if self._stats is None:
            self._say("no journal to report on here")
            return
        try:
            report = self._stats()
        except Exception as error:  # a report that fails is a message, never a crash
            self._say(f"the stats report failed: {error}")
            return
        self.push_screen(StatsScreen(report), self._uncovered)

    def action_cycle_theme(self) -> None:
        self.theme_short = next_theme(self, self.theme_short)
        self._say(f"theme: {self.theme_short}")

    def action_help(self) -> None:
        self.push_screen(HelpScreen(), self._uncovered)
