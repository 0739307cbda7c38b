"""The review screen: shows one request, enforces the gates its Friction names, returns a Decision.

It decides nothing about risk or friction: it receives the Request, the Assessment and the
Friction, and only the keyboard and mouse of this screen can pass the gates. Keys (and clicks
and pastes) that arrive before the screen is drawn, or within GUARD_S of it, are dropped, so a
key buffered while the agent was talking never approves anything.
"""

from __future__ import annotations

import getpass
import time
from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Static

from approve.model import Assessment, Decision, Friction, Request
from approve.tui.challenge import make_challenge
from approve.tui.findings import FindingDetail, FindingsList
from approve.tui.gate_panel import PASTE_REFUSED, GatePanel, RetypeInput
from approve.tui.gates import GateTracker
from approve.tui.header import HeaderBar
from approve.tui.plan_view import PlanView
from approve.tui.themes import ORDER, load_themes, pick_theme

GUARD_S = 1.5  # DESIGN.md: keys within 1.5 s of the screen being drawn are ignored
MIN_WIDTH, MIN_HEIGHT = 60, 16
NARROW_WIDTH = 110

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


class ReviewApp(App[Decision]):
    """One review. `run()` returns the Decision, or None if the app was closed without one."""

    CSS_PATH = "review.tcss"
    TITLE = "approve"
    ENABLE_COMMAND_PALETTE = False

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "next_finding", "Next"),
        Binding("N,shift+n", "previous_finding", "Prev"),
        Binding("g", "first_line", "Top", show=False),
        Binding("G,shift+g", "last_line", "Bottom", show=False),
        Binding("slash", "search", "Search"),
        Binding("p", "focus_input('challenge')", "Prove", show=False),
        Binding("e", "focus_input('explain')", "Explain", show=False),
        Binding("a", "approve", "Approve"),
        Binding("r", "reject", "Reject"),
        Binding("d", "defer", "Defer"),
        Binding("t", "cycle_theme", "Theme"),
        Binding("question_mark", "help", "Help"),
        Binding("escape", "leave_input", "Back", show=False),
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
        self.request = request
        self.assessment = assessment
        self.friction = friction
        self.now = now
        self.clock = clock
        self.guard_s = guard_s
        self.reviewer = reviewer or _login_name()
        self.lines = request.text.split("\n")
        if request.text.endswith("\n"):
            self.lines.pop()
        challenge = make_challenge(assessment, friction.challenge_seed, request.text)
        self.tracker = GateTracker(friction, assessment, challenge)
        self.ignored_early = 0  # keys, clicks and pastes dropped by the guard
        self.first_key_at: float | None = None
        self.current_finding = -1
        self._started_clock = clock()
        self._themes = load_themes()
        for theme_value in self._themes.values():
            self.register_theme(theme_value)
        self.theme_short = pick_theme(theme, now)
        self.theme = self._themes[self.theme_short].name

    # -- layout --------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="too-small")
        yield HeaderBar(self.assessment, self.friction, self.request.title, id="header")
        with Horizontal(id="body"):
            yield PlanView(self.lines, self.assessment.findings, id="plan")
            with Vertical(id="side"):
                yield Static(
                    Text(f"Findings ({len(self.assessment.findings)})"), id="findings-title"
                )
                yield FindingsList(self.assessment.findings, id="findings")
                yield FindingDetail(id="detail")
                yield GatePanel(self.tracker, id="gates")
        search = Input(placeholder="search the plan: enter finds the next match", id="search")
        search.cursor_blink = False
        yield search
        yield Footer()

    def on_mount(self) -> None:
        detail = self.query_one(FindingDetail)
        if self.assessment.findings:
            detail.update(Text("press n to step to the first finding", style="dim"))
        else:
            detail.show(None)
        self.query_one(PlanView).focus()
        self._layout_for(self.size.width, self.size.height)
        self._refresh_gates()
        self.set_interval(0.25, self._refresh_gates)
        self.call_after_refresh(self._mark_drawn)

    def _mark_drawn(self) -> None:
        if self.tracker.shown_at is None:
            self.tracker.shown_at = self.clock()
            self._refresh_gates()

    def on_resize(self, event: events.Resize) -> None:
        self._layout_for(event.size.width, event.size.height)

    def _layout_for(self, width: int, height: int) -> None:
        too_small = width < MIN_WIDTH or height < MIN_HEIGHT
        self.screen.set_class(too_small, "-too-small")
        self.screen.set_class(width < NARROW_WIDTH, "-narrow")
        if too_small:
            self.query_one("#too-small", Static).update(
                Text(
                    f"The terminal is {width}x{height}; the review needs at least "
                    f"{MIN_WIDTH}x{MIN_HEIGHT}.\nMake the window larger (or press r to reject).",
                    justify="center",
                )
            )

    # -- the guard against early and buffered input --------------------------------------------

    def _guard_open(self) -> bool:
        shown = self.tracker.shown_at
        return shown is not None and self.clock() - shown >= self.guard_s

    async def on_event(self, event: events.Event) -> None:
        early_kinds = (events.Key, events.Paste, events.MouseDown, events.MouseUp, events.Click)
        if isinstance(event, early_kinds) and not event.is_forwarded:
            if not self._guard_open():
                self.ignored_early += 1
                event.stop()
                event.prevent_default()
                return
            if self.first_key_at is None and isinstance(event, events.Key):
                self.first_key_at = self.clock()
        await super().on_event(event)

    # -- moving around -------------------------------------------------------------------------

    def _go_to_finding(self, index: int) -> None:
        findings = self.assessment.findings
        if not findings:
            self._say("no findings to step to")
            return
        index %= len(findings)
        self.current_finding = index
        plan = self.query_one(PlanView)
        plan.go_to_line(findings[index].line - 1)
        listing = self.query_one(FindingsList)
        listing.current = index
        self._visit([*plan.findings_at(findings[index].line - 1), index])
        self.query_one(FindingDetail).show(findings[index], visited=True)

    def _visit(self, indexes: list[int]) -> None:
        self.tracker.visit(indexes)
        self.query_one(PlanView).mark_visited(indexes)
        self.query_one(FindingsList).mark_visited(indexes)
        self._refresh_gates()

    def action_next_finding(self) -> None:
        self._go_to_finding(self.current_finding + 1)

    def action_previous_finding(self) -> None:
        start = self.current_finding if self.current_finding >= 0 else 0
        self._go_to_finding(start - 1)

    def action_first_line(self) -> None:
        self.query_one(PlanView).go_to_line(0)

    def action_last_line(self) -> None:
        self.query_one(PlanView).go_to_line(len(self.lines) - 1)

    @on(FindingsList.Chosen)
    def _finding_chosen(self, message: FindingsList.Chosen) -> None:
        self._go_to_finding(message.index)

    @on(PlanView.LineClicked)
    def _line_clicked(self, message: PlanView.LineClicked) -> None:
        indexes = self.query_one(PlanView).findings_at(message.line)
        if indexes:
            self.current_finding = indexes[0]
            self.query_one(FindingsList).current = indexes[0]
            self._visit(list(indexes))
            self.query_one(FindingDetail).show(self.assessment.findings[indexes[0]], True)

    # -- search --------------------------------------------------------------------------------

    def action_search(self) -> None:
        search = self.query_one("#search", Input)
        search.add_class("-open")
        search.focus()

    @on(Input.Submitted, "#search")
    def _search_submitted(self, message: Input.Submitted) -> None:
        term = message.value
        plan = self.query_one(PlanView)
        plan.set_search(term)
        if not term:
            return
        found = find_line(self.lines, term, plan.cursor_line + 1)
        if found is None:
            self._say(f"not found: {term}")
        else:
            plan.go_to_line(found)
            self._say(f"match on line {found + 1} (enter: next)")

    def action_leave_input(self) -> None:
        search = self.query_one("#search", Input)
        if search.has_class("-open"):
            search.remove_class("-open")
        self.query_one(PlanView).focus()

    def action_focus_input(self, name: str) -> None:
        found = self.query(f"#{name}")
        if found:
            found.first().focus()
        else:
            self._say(f"no {name} gate on this review")

    # -- gates ---------------------------------------------------------------------------------

    def _refresh_gates(self) -> None:
        self.query_one(GatePanel).show_status(self.clock())

    def _say(self, message: str) -> None:
        self.query_one(GatePanel).say(message)

    @on(RetypeInput.PasteRefused)
    def _paste_refused(self) -> None:
        self._say(PASTE_REFUSED)

    @on(Input.Changed, "#challenge")
    def _challenge_changed(self) -> None:
        self.tracker.challenge_ok = False  # an edit after a right answer needs a new enter
        self._refresh_gates()

    @on(Input.Submitted, "#challenge")
    def _challenge_submitted(self, message: Input.Submitted) -> None:
        challenge = self.tracker.challenge
        if challenge is None:
            return
        if challenge.check(message.value):
            self.tracker.challenge_ok = True
            self._say("right: the challenge is passed")
            self.query_one(PlanView).focus()
        else:
            self.tracker.challenge_ok = False
            self._say("that does not match: read it again, character by character")
        self._refresh_gates()

    @on(Input.Changed, "#explain")
    def _explain_changed(self, message: Input.Changed) -> None:
        self.tracker.explanation = message.value
        self._refresh_gates()

    @on(Input.Submitted, "#explain")
    def _explain_submitted(self) -> None:
        self.query_one(PlanView).focus()

    # -- verdicts ------------------------------------------------------------------------------

    @on(Button.Pressed, "#approve")
    def action_approve(self) -> None:
        now = self.clock()
        if not self.tracker.can_approve(now):
            blockers = self.tracker.blockers(now)
            self._say("approve is locked: " + "; ".join(blockers))
            return
        gates = ", ".join(self.tracker.gates) or "none"
        self._finish("approved", f"approved by the reviewer after the gates: {gates}")

    @on(Button.Pressed, "#reject")
    def action_reject(self) -> None:
        self._finish("rejected", "rejected by the reviewer")

    @on(Button.Pressed, "#defer")
    def action_defer(self) -> None:
        when = self.friction.defer_until
        self._finish("deferred", f"deferred by the reviewer{' until ' + when if when else ''}")

    def _finish(self, verdict: str, reason: str) -> None:
        now = self.clock()
        tracker = self.tracker
        decision = Decision(
            verdict=verdict,
            reason=reason,
            reviewers=(self.reviewer,),
            shown_at=self._wall(tracker.shown_at),
            first_key_at=self._wall(self.first_key_at),
            decided_at=self._wall(now),
            gates_passed=tracker.passed_gates(now),
            challenge=tracker.challenge.prompt if tracker.challenge else None,
            challenge_ok=tracker.challenge_ok if tracker.challenge else None,
            explanation=tracker.explanation.strip() or None,
        )
        self.exit(decision)

    def _wall(self, moment: float | None) -> float | None:
        """A clock reading as seconds since the epoch, anchored on the review's `now`."""
        if moment is None:
            return None
        return round(self.now.timestamp() + (moment - self._started_clock), 3)

    # -- look ----------------------------------------------------------------------------------

    def action_cycle_theme(self) -> None:
        position = ORDER.index(self.theme_short)
        self.theme_short = ORDER[(position + 1) % len(ORDER)]
        self.theme = self._themes[self.theme_short].name
        self._say(f"theme: {self.theme_short}")

    def action_help(self) -> None:
        self.push_screen(HelpScreen())


def find_line(lines: list[str], term: str, start: int) -> int | None:
    """The first line at or after start (wrapping) that holds term, case-insensitively."""
    needle = term.lower()
    count = len(lines)
    for offset in range(count):
        number = (start + offset) % count
        if needle in lines[number].lower():
            return number
    return None


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
