"""The review app: one request full-screen (approve review, run, the hook's popup), one Decision.

The review itself (plan, findings, gates) is approve.tui.review_panel.ReviewPanel, shared with
the pane; this app adds the footer, themes and help, and drops keys, clicks and pastes that
arrive before the review is drawn or within GUARD_S of it (approve.tui.guard), so a key
buffered while the agent was talking never approves anything.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from approve.model import Assessment, Decision, Friction, Request
from approve.tui.gates import GateTracker
from approve.tui.guard import GuardedApp
from approve.tui.review_panel import GUARD_S, ReviewPanel
from approve.tui.themes import install_themes, next_theme

HELP_TEXT = """\
approve: review what the agent wants to run, then approve or reject it.

  n / N      next / previous finding (stepping to one marks it visited ✓)
  g / G      first / last line         up, down, page up/down  scroll
  /          search the plan (enter: next match, escape: close)
  p          answer the challenge       e  type the reason
  a          approve (only when every gate has passed)
  r          reject                     d  defer (not now)
  t          next theme                 ?  this help      ctrl+q  quit (rejects)

Gates (from the friction ladder):
  read     approve stays disabled until the reading floor has passed
  visit    step to every high and critical finding (n) before approve enables
  prove    retype a resource name or answer a question read from the plan;
           pasting is refused, the name is compared character by character
  explain  type why you approve (at least 20 characters); it is journaled
  second   a second person must approve too: use `approve pane`
  defer    not now: it can come back later

Keys pressed in the first 1.5 s after the screen appears are ignored.
Press escape or ? to close this help."""


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,question_mark,q", "dismiss", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Static { width: auto; max-width: 90%; height: auto; max-height: 90%;
        padding: 1 2; background: $panel; border: round $primary; }
    """

    def compose(self) -> ComposeResult:
        yield Static(Text(HELP_TEXT))

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)


class ReviewApp(GuardedApp[Decision]):
    """One review. `run()` returns the Decision, or None if the app was closed without one."""

    CSS_PATH = "review.tcss"
    TITLE = "approve"
    ENABLE_COMMAND_PALETTE = False

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "cycle_theme", "Theme"),
        Binding("question_mark", "help", "Help"),
    ]

    def __init__(
        self,
        request: Request,
        assessment: Assessment,
        friction: Friction,
        *,
        now: datetime,
        theme: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        guard_s: float = GUARD_S,
        reviewer: str | None = None,
    ) -> None:
        super().__init__()
        self.now = now
        self.review = ReviewPanel(
            request,
            assessment,
            friction,
            wall_start=now.timestamp(),
            clock=clock,
            guard_s=guard_s,
            reviewer=reviewer,
            id="review",
        )
        self.theme_short = install_themes(self, theme, now)

    # What tests and callers read of the review, kept on the app for convenience.
    @property
    def tracker(self) -> GateTracker:
        return self.review.tracker

    @property
    def reviewer(self) -> str:
        return self.review.reviewer

    @property
    def ignored_early(self) -> int:
        return self.review.ignored_early

    @property
    def current_finding(self) -> int:
        return self.review.current_finding

    def compose(self) -> ComposeResult:
        yield self.review
        yield Footer()

    def guarded_review(self) -> ReviewPanel | None:
        return self.review

    @on(ReviewPanel.Decided)
    def _decided(self, message: ReviewPanel.Decided) -> None:
        self.exit(message.decision)

    def action_cycle_theme(self) -> None:
        self.theme_short = next_theme(self, self.theme_short)
        self.review.say(f"theme: {self.theme_short}")

    def action_help(self) -> None:
        # Time behind the help is not reading time: the review starts again behind its guard.
        self.push_screen(HelpScreen(), lambda _: self.review.restart_guard())
