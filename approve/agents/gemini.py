"""Gemini CLI's BeforeTool hook: run_shell_command, write_file and replace (FACTS.md 1).

Answers with a top-level `decision` (allow | deny) and `reason`, exit 0. No opinion is no output
at all, so Gemini's own confirmation rules apply.
"""

from __future__ import annotations

from approve.agents.base import (
    Answer,
    Rendered,
    as_mapping,
    clean,
    edit_request,
    resolve_path,
    shell_request,
    to_json_line,
    unknown_tool,
    write_request,
)
from approve.agents.claude import origin_of
from approve.model import Request

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time

if TYPE_CHECKING:
    from typing import Any


def to_request(payload: dict[str, Any]) -> Request:
    origin = origin_of(payload, "gemini")
    tool = payload.get("tool_name")
    tool_input = as_mapping(payload.get("tool_input"), "tool_input")
    if tool == "run_shell_command":
        return shell_request(tool_input.get("command"), origin, tool)
    if tool in ("write_file", "replace"):
        path = resolve_path(tool_input.get("file_path"), origin.cwd)
        if tool == "write_file":
            return write_request(tool, path, tool_input.get("content"), origin)
        expected = tool_input.get("expected_replacements")
        edit = {
            "old_string": tool_input.get("old_string"),
            "new_string": tool_input.get("new_string"),
            # Gemini replaces every occurrence when it expects more than one.
            "replace_all": isinstance(expected, int) and expected > 1,
        }
        return edit_request(tool, path, [edit], origin)
    raise unknown_tool(tool)


def render(answer: Answer, payload: dict[str, Any]) -> Rendered:
    del payload
    if answer.decision == "none":
        return Rendered("")
    return Rendered(to_json_line({"decision": answer.decision, "reason": clean(answer.reason)}))
