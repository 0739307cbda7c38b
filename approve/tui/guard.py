"""The guard against early input: keys, clicks and pastes that reach a review too soon are dropped.

Keys reach the App before any widget, and a key buffered while the agent was talking (or typed
for the previous request just as a new one appears) must never act on the review now on
screen. So the app asks the review it shows whether input may pass yet (ReviewPanel.guard_open)
and drops everything until it may, counting what it dropped.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from textual import events
from textual.app import App

from approve.tui.review_panel import ReviewPanel

ReturnType = TypeVar("ReturnType")

_EARLY_KINDS = (events.Key, events.Paste, events.MouseDown, events.MouseUp, events.Click)
# Leaving is always allowed: it approves nothing (a review closed without a decision is a
# reject, and a pane that closes denies every waiting hook).
_ALWAYS_ALLOWED_KEYS = frozenset({"ctrl+q"})


class GuardedApp(App[ReturnType], Generic[ReturnType]):
    """An App whose input waits for its current review's guard (see `guarded_review`)."""

    def guarded_review(self) -> ReviewPanel | None:
        """The review whose guard applies now; None lets input through."""
        return None

    async def on_event(self, event: events.Event) -> None:
        leaving = isinstance(event, events.Key) and event.key in _ALWAYS_ALLOWED_KEYS
        if isinstance(event, _EARLY_KINDS) and not event.is_forwarded and not leaving:
            review = self.guarded_review()
            if review is not None:
                if not review.guard_open():
                    review.ignored_early += 1
                    event.stop()
                    event.prevent_default()
                    return
                if isinstance(event, events.Key):
                    review.note_key()
        await super().on_event(event)
