"""One review: the plan, its findings and the gates, as a widget the review app and the pane share.

It decides nothing about risk or friction: it receives the Request, the Assessment and the
Friction, shows them, lets only this keyboard and mouse pass the gates, and posts a Decided
message with the human's Decision. The guard against early input (keys within GUARD_S of the
panel being drawn are dropped) is applied by the app around it (approve.tui.guard), because
keys reach the app before any widget.
"""

from __future__ import annotations

import getpass
import time
from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Static

from approve.model import Assessment, Decision, Friction, Request
from approve.tui.challenge import make_challenge
from approve.tui.findings import FindingDetail, FindingsList
from approve.tui.gate_panel import PASTE_REFUSED, GatePanel, RetypeInput
from approve.tui.gates import GateTracker
from approve.tui.header import HeaderBar
from approve.tui.plan_view import PlanView

GUARD_S = 1.5  # DESIGN.md: keys within 1.5 s of the review being drawn are ignored
MIN_WIDTH, MIN_HEIGHT = 60, 16
NARROW_WIDTH = 110


class ReviewPanel(Vertical):
    """The review of one request. Posts ReviewPanel.Decided once, with the human's Decision."""

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
        Binding("escape", "leave_input", "Back", show=False),
    ]

    class Decided(Message):
        """The reviewer decided: approved, rejected or deferred."""

        def __init__(self, panel: ReviewPanel, decision: Decision) -> None:
            super().__init__()
            self.panel = panel
            self.decision = decision

    def __init__(
        self,
        request: Request,
        assessment: Assessment,
        friction: Friction,
        *,
        wall_start: float,
        clock: Callable[[], float] = time.monotonic,
        guard_s: float = GUARD_S,
        reviewer: str | None = None,
        passable: frozenset[str] = frozenset(),
        id: str | None = None,
    ) -> None:
        """`wall_start` anchors the clock readings to epoch seconds (the review's `now`);
        `passable` names gates this panel may leave to others (the pane counts `second`)."""
        super().__init__(id=id)
        self.request = request
        self.assessment = assessment
        self.friction = friction
        self.clock = clock
        self.guard_s = guard_s
        self.reviewer = reviewer or login_name()
        self.lines = request.text.split("\n")
        if request.text.endswith("\n"):
            self.lines.pop()
        challenge = make_challenge(assessment, friction.challenge_seed, request.text)
        self.tracker = GateTracker(friction, assessment, challenge, left_to_others=passable)
        self.ignored_early = 0  # keys, clicks and pastes dropped by the guard
        self.first_key_at: float | None = None
        self.current_finding = -1
        self.decided = False
        self._lock_said = False  # the message line shows why approve is locked: keep it current
        self._wall_start = wall_start
        self._started_clock = clock()

    # -- layout --------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="too-small")
        title = self.request.title
        cwd = self.request.origin.cwd
        if cwd and self.request.origin.source == "hook":
            # Where the agent runs it: `rm -rf data` means something else in every folder.
            title = f"{title or ''}  (in {cwd})".strip()
        yield HeaderBar(self.assessment, self.friction, title, id="header")
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

    def on_mount(self) -> None:
        detail = self.query_one(FindingDetail)
        if self.assessment.findings:
            detail.update(Text("press n to step to the first finding", style="dim"))
        else:
            detail.show(None)
        self.query_one(PlanView).focus()
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
        self.set_class(too_small, "-too-small")
        self.set_class(width < NARROW_WIDTH, "-narrow")
        self.screen.set_class(too_small, "-too-small")
        if too_small:
            self.query_one("#too-small", Static).update(
                Text(
                    f"The review has {width}x{height} cells; it needs at least "
                    f"{MIN_WIDTH}x{MIN_HEIGHT}.\nMake the window larger (or press r to reject).",
                    justify="center",
                )
            )

    # -- the guard against early and buffered input (applied by the app) ------------------------

    def guard_open(self) -> bool:
        """Whether input may reach this review: drawn, and GUARD_S has passed since."""
        shown = self.tracker.shown_at
        return shown is not None and self.clock() - shown >= self.guard_s

    def restart_guard(self) -> None:
        """The review was hidden (help, stats): show it anew, as if just drawn. The guard and
        the reading floor count again from when it is visible."""
        self.tracker.shown_at = None
        self._refresh_gates()
        self.call_after_refresh(self._mark_drawn)

    def note_key(self) -> None:
        if self.first_key_at is None:
            self.first_key_at = self.clock()

    # -- moving around -------------------------------------------------------------------------

    def _go_to_finding(self, index: int) -> None:
        findings = self.assessment.findings
        if not findings:
            self.say("no findings to step to")
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
            self.say(f"not found: {term}")
        else:
            plan.go_to_line(found)
            self.say(f"match on line {found + 1} (enter: next)")

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
            self.say(f"no {name} gate on this review")

    # -- gates ---------------------------------------------------------------------------------

    def _refresh_gates(self) -> None:
        now = self.clock()
        self.query_one(GatePanel).show_status(now)
        if self._lock_said:  # keep "approve is locked: read: 12 s left" true as time passes
            blockers = self.tracker.blockers(now)
            text = "approve is locked: " + "; ".join(blockers) if blockers else "approve is open"
            self.query_one(GatePanel).say(text)
            self._lock_said = bool(blockers)

    def say(self, message: str) -> None:
        self._lock_said = False
        self.query_one(GatePanel).say(message)

    @on(RetypeInput.PasteRefused)
    def _paste_refused(self) -> None:
        self.say(PASTE_REFUSED)

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
            self.say("right: the challenge is passed")
            self.query_one(PlanView).focus()
        else:
            self.tracker.challenge_ok = False
            message.input.value = ""  # a fresh try, not the wrong answer with more typed onto it
            self.say("that does not match: read it again, character by character")
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
            self.say("approve is locked: " + "; ".join(blockers))
            self._lock_said = True
            return
        gates = ", ".join(self.tracker.passed_gates(now)) or "none"
        self._finish("approved", f"approved by the reviewer after the gates: {gates}")

    @on(Button.Pressed, "#reject")
    def action_reject(self) -> None:
        self._finish("rejected", "rejected by the reviewer")

    @on(Button.Pressed, "#defer")
    def action_defer(self) -> None:
        when = self.friction.defer_until
        self._finish("deferred", f"deferred by the reviewer{' until ' + when if when else ''}")

    def decision(self, verdict: str, reason: str) -> Decision:
        """The Decision for VERDICT now, with this review's timings, gates and answers."""
        now = self.clock()
        tracker = self.tracker
        return Decision(
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

    def _finish(self, verdict: str, reason: str) -> None:
        if self.decided:
            return  # a review is decided once: a second key press says nothing more
        self.decided = True
        self.post_message(self.Decided(self, self.decision(verdict, reason)))

    def _wall(self, moment: float | None) -> float | None:
        """A clock reading as seconds since the epoch, anchored on the review's start."""
        if moment is None:
            return None
        return round(self._wall_start + (moment - self._started_clock), 3)


def find_line(lines: list[str], term: str, start: int) -> int | None:
    """The first line at or after start (wrapping) that holds term, case-insensitively."""
    needle = term.lower()
    count = len(lines)
    for offset in range(count):
        number = (start + offset) % count
        if needle in lines[number].lower():
            return number
    return None


def login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
