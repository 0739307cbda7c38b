"""What every agent adapter shares: the answer values, and turning tool calls into Requests.

A tool call becomes the text a human would have to read to judge it: a shell command as it
will run, a file edit as a unified diff against the file on disk now (a new file is all
additions), a plan as its text. Anything that cannot be turned into exactly that raises
AdapterError, and the hook denies: an edit we could not diff is an edit nobody reviewed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from approve.model import Origin, Request

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import Any

# Bigger files are refused rather than diffed: nobody reviews a 16 MB diff in a popup.
MAX_FILE_BYTES = 16 * 1024 * 1024
NO_NEWLINE = "\\ No newline at end of file\n"


class AdapterError(ValueError):
    """The agent's request cannot be turned into something reviewable: the hook denies."""


@dataclass(frozen=True, slots=True)
class Answer:
    """The hook's answer before it is put into an agent's words.

    decision: "allow" (a human approved, or auto_allow_safe on a safe request), "deny", or
    "none" (no opinion: the agent's own permission rules apply).
    """

    decision: str
    reason: str = ""  # for the agent: what was refused, why, and what to do now
    human: str = ""  # for the person, where the protocol has a separate message (Cursor)

    def __post_init__(self) -> None:
        if self.decision not in ("allow", "deny", "none"):
            raise ValueError(f"unknown hook decision {self.decision!r}")


@dataclass(frozen=True, slots=True)
class Rendered:
    """What the hook process writes to stdout and the status it exits with."""

    stdout: str
    exit_code: int = 0


def to_json_line(value: Mapping[str, Any]) -> str:
    """One JSON object on one line, ASCII only: nothing in it can play tricks on a terminal."""
    import json

    return json.dumps(value, ensure_ascii=True, separators=(",", ":")) + "\n"


def clean(text: str) -> str:
    """TEXT with control, bidi and zero-width characters made visible (approve.sanitize)."""
    from approve.sanitize import sanitize

    return sanitize(text)


def as_mapping(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise AdapterError(f"{what} is not a JSON object")
    return value


def optional_text(payload: Mapping[str, Any], key: str) -> str | None:
    value = payload.get(key)
    return value if isinstance(value, str) and value else None


def required_text(payload: Mapping[str, Any], key: str, what: str) -> str:
    value = payload.get(key)
    if not isinstance(value, str):
        raise AdapterError(f"{what}: `{key}` is missing or not a string")
    return value


def command_text(value: object) -> str:
    """A shell command as text; an argv list (some agents send one) joined as the shell would."""
    if isinstance(value, str) and value.strip():
        return value
    if isinstance(value, list) and value and all(isinstance(word, str) for word in value):
        import shlex

        return shlex.join(value)
    raise AdapterError("the command is missing, empty or not a string")


def first_line(text: str, limit: int = 80) -> str:
    line = text.strip().split("\n", 1)[0]
    return line if len(line) <= limit else line[: limit - 3] + "..."


def shell_request(command: object, origin: Origin, tool: str) -> Request:
    text = command_text(command)
    return Request(text=text, kind="shell", origin=origin, title=f"{tool}: {first_line(text)}")


def plan_request(plan: object, origin: Origin) -> Request:
    if not isinstance(plan, str) or not plan.strip():
        raise AdapterError("the plan is missing, empty or not a string")
    return Request(text=plan, kind="text", origin=origin, title="Plan")


def resolve_path(file_path: object, cwd: str | None) -> str:
    if not isinstance(file_path, str) or not file_path:
        raise AdapterError("the edit names no file (`file_path` missing or not a string)")
    if "\x00" in file_path:
        raise AdapterError("the file path holds a NUL byte")
    if not os.path.isabs(file_path):
        file_path = os.path.join(cwd or os.getcwd(), file_path)
    return os.path.normpath(file_path)


def read_current(path: str) -> str | None:
    """The file's text now; None when it does not exist. AdapterError when it cannot be read."""
    import stat

    try:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            # A directory cannot be read; a FIFO or device could block the hook past its deadline.
            raise AdapterError(f"cannot read {path} to show the change: not a regular file")
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise AdapterError(
            f"cannot read {path} to show the change: {error.strerror or error}"
        ) from None
    if len(data) > MAX_FILE_BYTES:
        raise AdapterError(
            f"{path} is over {MAX_FILE_BYTES // (1024 * 1024)} MB: too big to review"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise AdapterError(f"{path} is not UTF-8 text: the change cannot be shown") from None


def unified_diff(path: str, old: str | None, new: str) -> str:
    """The change from OLD (None: no file yet) to NEW as a unified diff."""
    import difflib

    before = [] if old is None else old.splitlines(keepends=True)
    after = new.splitlines(keepends=True)
    lines = difflib.unified_diff(
        before, after, fromfile="/dev/null" if old is None else path, tofile=path
    )
    out: list[str] = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n" + NO_NEWLINE)
    return "".join(out)


def _replaced(content: str, old: object, new: object, replace_all: object, path: str) -> str:
    if not isinstance(old, str) or not isinstance(new, str):
        raise AdapterError(f"an edit to {path} lacks `old_string` or `new_string`")
    if old == "":
        raise AdapterError(f"an edit to {path} has an empty `old_string` for an existing file")
    count = content.count(old)
    if count == 0:
        raise AdapterError(f"an edit to {path}: `old_string` is not in the file as it is now")
    if count > 1 and replace_all is not True:
        raise AdapterError(
            f"an edit to {path}: `old_string` occurs {count} times and replace_all is not set"
        )
    return content.replace(old, new) if replace_all is True else content.replace(old, new, 1)


def edit_request(
    tool: str,
    path: str,
    edits: Iterable[Mapping[str, Any]],
    origin: Origin,
) -> Request:
    """Old/new string replacements applied in order to the file on disk, shown as a diff."""
    current = read_current(path)
    listed = list(edits)
    if not listed:
        raise AdapterError(f"an edit to {path} holds no changes")
    if current is None:
        # Creating a file through an edit: only an empty old_string means "the whole file".
        first = listed[0]
        if first.get("old_string") != "" or not isinstance(first.get("new_string"), str):
            raise AdapterError(f"an edit to {path}, which does not exist")
        content = str(first["new_string"])
        rest = listed[1:]
    else:
        content = current
        rest = listed
    for edit in rest:
        content = _replaced(
            content, edit.get("old_string"), edit.get("new_string"), edit.get("replace_all"), path
        )
    return diff_request(tool, path, current, content, origin)


def write_request(tool: str, path: str, content: object, origin: Origin) -> Request:
    if not isinstance(content, str):
        raise AdapterError(f"a write to {path} has no `content` string")
    return diff_request(tool, path, read_current(path), content, origin)


def diff_request(tool: str, path: str, old: str | None, new: str, origin: Origin) -> Request:
    text = unified_diff(path, old, new)
    if not text:  # the file already holds exactly this: nothing would change
        return Request(
            text=f"no change to {path}\n", kind="text", origin=origin, title=f"{tool}: {path}"
        )
    return Request(text=text, kind="diff", origin=origin, title=f"{tool}: {path}")


def edits_of(tool_input: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The edits of a MultiEdit, parsed tolerantly (it is a legacy tool); AdapterError if none."""
    edits = tool_input.get("edits")
    if not isinstance(edits, list) or not all(isinstance(edit, dict) for edit in edits):
        raise AdapterError("a MultiEdit without a list of edits")
    return edits


def unknown_tool(tool: object) -> AdapterError:
    return AdapterError(f"approve does not know how to review the tool {tool!r}")
