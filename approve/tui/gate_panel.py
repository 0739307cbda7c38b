"""The gate panel: what each gate asks, the countdown, the challenge and reason inputs.

It shows the GateTracker's state and collects typed answers; the screen decides when approve
enables by asking the tracker. RetypeInput refuses pastes: a challenge is proof of reading only
when the reviewer types it.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Static

from approve.sanitize import sanitize
from approve.tui.gates import MIN_EXPLANATION, GateTracker, clock_time

PASTE_REFUSED = "paste refused: type the answer yourself, character by character"

_GATE_TITLES = {
    "read": "read",
    "visit": "visit",
    "prove": "prove",
    "explain": "explain",
    "second": "second person",
    "defer": "defer",
}


class RetypeInput(Input):
    """An Input that will not take pasted text, by bracketed paste or by the paste key."""

    class PasteRefused(Message):
        """Somebody tried to paste into a challenge."""

    def _on_paste(self, event: events.Paste) -> None:
        event.prevent_default()
        event.stop()
        self.post_message(self.PasteRefused())

    def action_paste(self) -> None:
        self.post_message(self.PasteRefused())


class GatePanel(Vertical):
    """Gate status lines, the challenge, the reason, the message line and the verdict buttons."""

    DEFAULT_CSS = """
    GatePanel { height: auto; background: $panel; padding: 0 1; }
    GatePanel #gate-status { height: auto; }
    GatePanel #challenge-prompt { height: auto; color: $foreground; text-style: bold; }
    GatePanel #challenge-warning { height: auto; color: $text-warning; }
    GatePanel #gate-message { height: auto; color: $text-error; }
    GatePanel RetypeInput, GatePanel #explain {
        height: 1; border: none; padding: 0 1; margin: 0 0 1 0; background: $boost;
    }
    GatePanel RetypeInput:focus, GatePanel #explain:focus {
        border: none; background: $primary 30%;
    }
    GatePanel #verdicts { height: 1; margin-bottom: 1; }
    GatePanel Button { min-width: 13; margin-right: 2; }
    """

    def __init__(self, tracker: GateTracker, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.tracker = tracker
        self._last_status = ""

    def compose(self) -> ComposeResult:
        tracker = self.tracker
        yield Static(id="gate-status")
        if "prove" in tracker.gates and tracker.challenge is not None:
            yield Static(Text(sanitize(tracker.challenge.prompt)), id="challenge-prompt")
            if tracker.challenge.warning:
                yield Static(Text(tracker.challenge.warning), id="challenge-warning")
            answer = RetypeInput(
                placeholder="type the answer, then enter", id="challenge", select_on_focus=False
            )
            answer.cursor_blink = False
            yield answer
        if "explain" in tracker.gates:
            reason = Input(
                placeholder=f"why approve? at least {MIN_EXPLANATION} characters",
                id="explain",
                select_on_focus=False,
            )
            reason.cursor_blink = False
            yield reason
        yield Static(id="gate-message")
        with Horizontal(id="verdicts"):
            yield Button(
                "Approve (a)", id="approve", variant="success", disabled=True, compact=True
            )
            yield Button("Reject (r)", id="reject", variant="error", compact=True)
            yield Button("Defer (d)", id="defer", variant="default", compact=True)

    def show_status(self, now: float) -> None:
        tracker = self.tracker
        text = Text()
        if not tracker.gates:
            text.append("no gates: approve when ready", style="dim")
        for gate in tracker.gates:
            passed = tracker.passed(gate, now)
            text.append("✓ " if passed else "• ", style="bold green" if passed else "bold")
            text.append(f"{_GATE_TITLES[gate]}: ", style="bold")
            text.append(self._gate_detail(gate, passed, now))
            text.append("\n")
        text.rstrip()
        status = self.query("#gate-status")
        # Redraw only on change: the timer ticks four times a second.
        if status and text.plain != self._last_status:
            self._last_status = text.plain
            status.first(Static).update(text)
        approve = self.query("#approve")
        if approve:  # an Input's first Changed can arrive before the buttons are mounted
            approve.first(Button).disabled = not tracker.can_approve(now)

    def _gate_detail(self, gate: str, passed: bool, now: float) -> str:
        tracker = self.tracker
        if gate == "read":
            floor = tracker.friction.reading_floor_s
            if passed:
                return f"reading floor of {floor:.0f} s passed"
            return f"approve unlocks in {tracker.reading_left(now):.0f} s (reading floor {floor:.0f} s)"
        if gate == "visit":
            total = len(tracker.must_visit)
            done = total - tracker.visits_left()
            return f"{done}/{total} findings stepped to" + ("" if passed else " (press n)")
        if gate == "prove":
            if tracker.challenge is None:
                return "no question can be read from this plan: reject it"
            return "answered" if passed else "answer below (p), then enter"
        if gate == "explain":
            length = len(tracker.explanation.strip())
            return "reason given" if passed else f"reason {length}/{MIN_EXPLANATION} chars (e)"
        if gate == "second":
            return (
                "a second reviewer must approve too: open `approve pane`; here only reject or defer"
            )
        if gate == "defer":
            when = clock_time(tracker.friction.defer_until) or "after a rest"
            return f"not now: it can come back at {when}; emergency override needs explain + second person"
        return ""

    def say(self, message: str) -> None:
        self.query_one("#gate-message", Static).update(Text(message))
