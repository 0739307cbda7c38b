"""Cursor's beforeShellExecution hook: `{command, cwd, ...}` on stdin (FACTS.md 1).

Answers `{"permission": allow | deny, "user_message", "agent_message"}`, exit 0. No opinion is
no output at all, leaving Cursor's own allowlist and prompt to decide. (`ask` is not used: it is
reported ignored in Cursor's auto-review mode, so it cannot stand in for a deny.)
"""

from __future__ import annotations

from approve.agents.base import (
    AdapterError,
    Answer,
    Rendered,
    clean,
    optional_text,
    shell_request,
    to_json_line,
)
from approve.model import Origin, Request

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time

if TYPE_CHECKING:
    from typing import Any

EVENT = "beforeShellExecution"


def to_request(payload: dict[str, Any]) -> Request:
    event = payload.get("hook_event_name", EVENT)
    if event != EVENT:
        raise AdapterError(f"approve answers only Cursor's {EVENT} hook, not {event!r}")
    origin = Origin(
        source="hook",
        agent="cursor",
        session_id=optional_text(payload, "conversation_id")
        or optional_text(payload, "session_id"),
        tool_use_id=optional_text(payload, "generation_id"),
        tool_name=EVENT,
        cwd=optional_text(payload, "cwd"),
    )
    return shell_request(payload.get("command"), origin, "Shell")


def render(answer: Answer, payload: dict[str, Any]) -> Rendered:
    del payload
    if answer.decision == "none":
        return Rendered("")
    agent_message = clean(answer.reason)
    output = {
        "permission": answer.decision,
        "user_message": clean(answer.human) if answer.human else agent_message,
        "agent_message": agent_message,
    }
    return Rendered(to_json_line(output))
