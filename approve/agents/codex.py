"""Codex CLI's PreToolUse hook (experimental): Bash commands (FACTS.md 1).

Codex accepts only two answers here: `deny` with a non-empty reason, or `allow` together with
`updatedInput`. A bare `allow` (and `ask`) is invalid, and an invalid answer fails OPEN: the
command runs. So a deny always carries a reason, and both "no opinion" and a human's approval
print nothing and exit 0: Codex's own approval rules then decide, which is what "approved by
approve" should mean there. We never send `updatedInput`: echoing the input back would be an
input rewrite, a capability we do not need and whose exact shape we cannot check here.
"""

from __future__ import annotations

from approve.agents.base import (
    Answer,
    Rendered,
    as_mapping,
    clean,
    shell_request,
    to_json_line,
    unknown_tool,
)
from approve.agents.claude import EVENT, origin_of
from approve.model import Request

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time

if TYPE_CHECKING:
    from typing import Any

FALLBACK_REASON = "approve refused this command; stop and wait for the human"


def to_request(payload: dict[str, Any]) -> Request:
    origin = origin_of(payload, "codex")
    tool = payload.get("tool_name")
    tool_input = as_mapping(payload.get("tool_input"), "tool_input")
    if tool == "Bash":
        return shell_request(tool_input.get("command"), origin, tool)
    raise unknown_tool(tool)


def render(answer: Answer, payload: dict[str, Any]) -> Rendered:
    del payload
    if answer.decision != "deny":
        return Rendered("")
    output = {
        "hookSpecificOutput": {
            "hookEventName": EVENT,
            "permissionDecision": "deny",
            "permissionDecisionReason": clean(answer.reason).strip() or FALLBACK_REASON,
        }
    }
    return Rendered(to_json_line(output))
