"""Claude Code's PreToolUse hook: Bash, Edit, MultiEdit, Write and ExitPlanMode (FACTS.md 1).

Answers with `hookSpecificOutput.permissionDecision` (allow | deny) and its reason, exit 0.
No opinion is no output at all: Claude's own permission rules and prompt then apply.
"""

from __future__ import annotations

from approve.agents.base import (
    AdapterError,
    Answer,
    Rendered,
    as_mapping,
    clean,
    edit_request,
    edits_of,
    optional_text,
    plan_request,
    resolve_path,
    shell_request,
    to_json_line,
    unknown_tool,
    write_request,
)
from approve.model import Origin, Request

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time

if TYPE_CHECKING:
    from typing import Any

EVENT = "PreToolUse"


def origin_of(payload: dict[str, Any], agent: str = "claude") -> Origin:
    return Origin(
        source="hook",
        agent=agent,
        session_id=optional_text(payload, "session_id"),
        tool_use_id=optional_text(payload, "tool_use_id"),
        tool_name=optional_text(payload, "tool_name"),
        cwd=optional_text(payload, "cwd"),
    )


def to_request(payload: dict[str, Any]) -> Request:
    event = payload.get("hook_event_name", EVENT)
    if event != EVENT:
        raise AdapterError(f"approve answers only {EVENT} hooks, not {event!r}")
    origin = origin_of(payload)
    tool = payload.get("tool_name")
    tool_input = as_mapping(payload.get("tool_input"), "tool_input")
    if tool == "Bash":
        return shell_request(tool_input.get("command"), origin, tool)
    if tool == "ExitPlanMode":
        return plan_request(tool_input.get("plan"), origin)
    if tool in ("Write", "Edit", "MultiEdit"):
        path = resolve_path(tool_input.get("file_path"), origin.cwd)
        if tool == "Write":
            return write_request(tool, path, tool_input.get("content"), origin)
        edits = edits_of(tool_input) if tool == "MultiEdit" else [tool_input]
        return edit_request(tool, path, edits, origin)
    raise unknown_tool(tool)


def render(answer: Answer, payload: dict[str, Any]) -> Rendered:
    del payload  # Claude's answer needs nothing from the request
    if answer.decision == "none":
        return Rendered("")
    output = {
        "hookSpecificOutput": {
            "hookEventName": EVENT,
            "permissionDecision": answer.decision,
            "permissionDecisionReason": clean(answer.reason),
        }
    }
    return Rendered(to_json_line(output))
