"""What both ends of the pane socket agree on: where it lives, how messages look, what they mean.

The wire is newline-delimited JSON: one object a line, each with `"v": 1` and a `"type"`, at most
MAX_MESSAGE_BYTES a line. JSON escapes every newline inside strings, so a line is a message.

    requester -> pane   submit {request, deadline}           -> queued {id}, later decision {id,
                                                                 verdict, reason} exactly once
    anyone    -> pane   ping                                 -> pong
    station   -> pane   join {code, name}                    -> joined {reviewer} | error
                        open {id}                            -> request {id, request, assessment,
                                                                 friction, needed, approvals}
                        verdict {id, verdict, decision}      -> verdict-ok {id, state, verdict,
                                                                 needed_more, counted, message}
                                                              | verdict-refused {id, reason,
                                                                 friction}
    pane -> station     queue {items, stations} whenever the queue or the stations change;
                        closed {reason} when the pane stops
    pane -> anyone      error {reason} for whatever it cannot accept

Stdlib and approve.model only: the hook imports this on its fast path.
"""

from __future__ import annotations

import json
import math
import os
import socket
import stat
import struct
from pathlib import Path

from approve.model import FORMATS, Assessment, Decision, Finding, Friction, Origin, Request, Tier

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time

if TYPE_CHECKING:
    from typing import Any

VERSION = 1
MAX_MESSAGE_BYTES = 10 * 1024 * 1024
SOCKET_NAME = "pane.sock"
# sun_path holds 108 bytes on Linux, the terminating NUL included.
MAX_SOCKET_PATH_BYTES = 107

VERDICTS = ("approved", "rejected", "deferred", "timeout", "error")
STATION_VERDICTS = ("approved", "rejected", "deferred")
GATE_NAMES = ("read", "visit", "prove", "explain", "second", "defer")
KINDS = ("auto", *FORMATS)

MAX_TEXT_FIELD = 4096  # titles, reasons, names: anything but the request text itself
MAX_EXPLANATION = 64 * 1024


class BrokerError(Exception):
    """The pane, its socket or a message is not usable; the message says why in one line."""


class PaneUnavailable(BrokerError):
    """No pane answers at the socket (or it cannot take this request): use another way to ask."""


class PaneTimeout(BrokerError):
    """The pane gave no decision by the deadline.

    `queued`: the pane had acknowledged the request, so it journals the timeout itself when
    our connection closes; the hook must not journal it a second time.
    """

    def __init__(self, message: str, *, queued: bool = False) -> None:
        super().__init__(message)
        self.queued = queued


class ProtocolError(BrokerError):
    """A message that breaks the protocol; the reason goes back in an `error` reply."""


# ------------------------------------------------------------------ where the socket lives


def default_socket_path() -> Path:
    """$APPROVE_PANE_SOCKET, else $XDG_RUNTIME_DIR/approve/pane.sock, else
    /tmp/approve-$UID/pane.sock."""
    explicit = os.environ.get("APPROVE_PANE_SOCKET")
    if explicit and os.path.isabs(explicit):
        return Path(explicit)
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isabs(runtime):
        return Path(runtime) / "approve" / SOCKET_NAME
    return Path(f"/tmp/approve-{os.getuid()}") / SOCKET_NAME


def check_socket_path(path: Path) -> None:
    """BrokerError when PATH is too long to bind or connect to (AF_UNIX holds 107 bytes)."""
    if len(os.fsencode(str(path))) > MAX_SOCKET_PATH_BYTES:
        raise BrokerError(
            f"the socket path {path} is longer than the {MAX_SOCKET_PATH_BYTES} bytes a Unix "
            "socket address holds: choose a shorter --socket"
        )


def prepare_socket_dir(directory: Path, group: int | None = None) -> None:
    """Create DIRECTORY if needed; BrokerError unless it is ours and private.

    Whoever can write into the folder could put their own socket where hooks look for the pane,
    so it must be a real folder (not a symlink), owned by us, with no access for others. With
    GROUP (a gid: the station socket of pair review across users) that group may enter and read
    it (0750), never write; without, nobody but us (0700).
    """
    mode, forbidden = (0o700, 0o077) if group is None else (0o750, 0o027)
    try:
        created = not os.path.lexists(directory)
        directory.mkdir(mode=mode, parents=True, exist_ok=True)
        if created and group is not None:  # a folder we just made: give it to the group
            os.chown(directory, -1, group)
            os.chmod(directory, mode)
        info = os.lstat(directory)
    except OSError as error:
        raise BrokerError(
            f"cannot create the socket folder {directory}: {error.strerror or error}"
        ) from None
    if stat.S_ISLNK(info.st_mode):
        raise BrokerError(f"the socket folder {directory} is a symlink: refusing to use it")
    if not stat.S_ISDIR(info.st_mode):
        raise BrokerError(f"{directory} is not a folder: refusing to put the socket there")
    if info.st_uid != os.geteuid():
        raise BrokerError(
            f"the socket folder {directory} belongs to uid {info.st_uid}, not to you: "
            "someone else may have made it; refusing to use it"
        )
    if group is not None and info.st_gid != group:
        raise BrokerError(
            f"the socket folder {directory} belongs to group {info.st_gid}, not {group}: "
            f"run `chgrp {group} {directory}` or remove it"
        )
    if info.st_mode & forbidden:
        raise BrokerError(
            f"the socket folder {directory} is open to others "
            f"(mode {stat.S_IMODE(info.st_mode):04o}): run `chmod {mode:o} {directory}`"
        )


def group_id(name: str) -> int:
    """The gid of the Unix group NAME; BrokerError when there is no such group."""
    import grp

    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        raise BrokerError(f"there is no Unix group {name!r} (pair_group)") from None


def station_socket_path(group: str) -> Path:
    """Where a pane serves the stations of GROUP's members (pair review across users)."""
    return Path(f"/tmp/approve-pair-{group}") / SOCKET_NAME


# ------------------------------------------------------------------ who is at the other end


def peer_credentials(sock: socket.socket) -> tuple[int, int, int]:
    """(pid, uid, gid) of the process at the other end of a connected Unix socket."""
    raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    pid, uid, gid = struct.unpack("3i", raw)
    return pid, uid, gid


def user_name(uid: int) -> str:
    """The login name of UID, or "uid<N>" when it has no passwd entry (containers)."""
    import pwd

    try:
        return pwd.getpwuid(uid).pw_name
    except (KeyError, OverflowError, ValueError):
        return f"uid{uid}"


# ------------------------------------------------------------------ framing


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def encode(message: dict[str, Any]) -> bytes:
    """One message as its line (with the newline), `"v"` first."""
    body = {"v": VERSION, **{key: value for key, value in message.items() if key != "v"}}
    return json.dumps(body, ensure_ascii=False, allow_nan=False).encode("utf-8") + b"\n"


def decode(line: bytes) -> dict[str, Any]:
    """The message on LINE (newline optional); ProtocolError saying what is wrong with it."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError("the message is not UTF-8") from None
    try:
        message = json.loads(text, parse_constant=_no_constants)
    except (ValueError, RecursionError):
        raise ProtocolError("the message is not valid JSON") from None
    if not isinstance(message, dict):
        raise ProtocolError("the message is not a JSON object")
    version = message.get("v")
    if version != VERSION or isinstance(version, bool):
        raise ProtocolError(f"unsupported protocol version {version!r} (this pane speaks v1)")
    kind = message.get("type")
    if not isinstance(kind, str) or not kind:
        raise ProtocolError('the message has no "type"')
    return message


def error_message(reason: str, **extra: Any) -> dict[str, Any]:
    return {"type": "error", "reason": reason, **extra}


# ------------------------------------------------------------------ field checks


def text_field(
    data: dict[str, Any], key: str, *, optional: bool = False, limit: int = MAX_TEXT_FIELD
) -> str | None:
    value = data.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise ProtocolError(f'"{key}" must be a string')
    if len(value) > limit:
        raise ProtocolError(f'"{key}" is longer than {limit} characters')
    return value


def required_text(data: dict[str, Any], key: str, *, limit: int = MAX_TEXT_FIELD) -> str:
    value = text_field(data, key, limit=limit)
    assert value is not None
    return value


def number_field(data: dict[str, Any], key: str, *, optional: bool = False) -> float | None:
    value = data.get(key)
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ProtocolError(f'"{key}" must be a number')
    return float(value)


def object_field(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise ProtocolError(f'"{key}" must be an object')
    return value


def _text_list(data: dict[str, Any], key: str, allowed: tuple[str, ...] | None = None) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ProtocolError(f'"{key}" must be a list of strings')
    if allowed is not None:
        unknown = [item for item in value if item not in allowed]
        if unknown:
            raise ProtocolError(f'"{key}" names unknown entries: {", ".join(unknown[:5])}')
    return list(value)


# ------------------------------------------------------------------ values on the wire


def request_to_wire(request: Request) -> dict[str, Any]:
    origin = request.origin
    return {
        "text": request.text,
        "kind": request.kind,
        "title": request.title,
        "origin": {
            "source": origin.source,
            "agent": origin.agent,
            "session_id": origin.session_id,
            "tool_use_id": origin.tool_use_id,
            "tool_name": origin.tool_name,
            "cwd": origin.cwd,
        },
    }


def request_from_wire(data: dict[str, Any]) -> Request:
    text = required_text(data, "text", limit=MAX_MESSAGE_BYTES)
    kind = data.get("kind", "auto")
    if kind not in KINDS:
        raise ProtocolError(f'"kind" must be one of: {", ".join(KINDS)}')
    title = text_field(data, "title", optional=True)
    raw_origin = data.get("origin") or {}
    if not isinstance(raw_origin, dict):
        raise ProtocolError('"origin" must be an object')
    fields = {
        key: text_field(raw_origin, key, optional=True)
        for key in ("agent", "session_id", "tool_use_id", "tool_name", "cwd")
    }
    source = text_field(raw_origin, "source", optional=True) or "hook"
    origin = Origin(source=source, **fields)
    return Request(text=text, kind=kind, origin=origin, title=title)


def _finding_to_wire(finding: Finding) -> dict[str, Any]:
    return {
        "line": finding.line,
        "end_line": finding.end_line,
        "severity": finding.severity.label,
        "rule": finding.rule,
        "why": finding.why,
        "resources": list(finding.resources),
        "safer": finding.safer,
        "action": finding.action,
        "attack": finding.attack,
    }


def _int_field(data: dict[str, Any], key: str, default: int | None = None) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProtocolError(f'"{key}" must be a whole number')
    return value


def _tier(value: object) -> Tier:
    try:
        return Tier.parse(str(value))
    except ValueError:
        raise ProtocolError(f"unknown tier {value!r}") from None


def _finding_from_wire(data: object) -> Finding:
    if not isinstance(data, dict):
        raise ProtocolError("a finding must be an object")
    return Finding(
        line=_int_field(data, "line"),
        end_line=_int_field(data, "end_line"),
        severity=_tier(data.get("severity")),
        rule=required_text(data, "rule"),
        why=required_text(data, "why"),
        resources=tuple(_text_list(data, "resources")),
        safer=text_field(data, "safer", optional=True),
        action=text_field(data, "action", optional=True),
        attack=data.get("attack") is True,
    )


def assessment_to_wire(assessment: Assessment) -> dict[str, Any]:
    return {
        "format": assessment.format,
        "tier": assessment.tier.label,
        "counts": dict(assessment.counts),
        "findings": [_finding_to_wire(f) for f in assessment.findings],
        "line_count": assessment.line_count,
        "word_count": assessment.word_count,
    }


def assessment_from_wire(data: dict[str, Any]) -> Assessment:
    counts = data.get("counts", {})
    if not isinstance(counts, dict) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in counts.values()
    ):
        raise ProtocolError('"counts" must map names to whole numbers')
    findings = data.get("findings", [])
    if not isinstance(findings, list):
        raise ProtocolError('"findings" must be a list')
    return Assessment(
        format=required_text(data, "format"),
        tier=_tier(data.get("tier")),
        counts={str(k): int(v) for k, v in counts.items()},
        findings=tuple(_finding_from_wire(f) for f in findings),
        line_count=_int_field(data, "line_count", 0),
        word_count=_int_field(data, "word_count", 0),
    )


def friction_to_wire(friction: Friction) -> dict[str, Any]:
    return {
        "rung": friction.rung,
        "gates": list(friction.gates),
        "reasons": list(friction.reasons),
        "reading_floor_s": friction.reading_floor_s,
        "challenge_seed": friction.challenge_seed,
        "defer_until": friction.defer_until,
        "headline": friction.headline,
    }


def friction_from_wire(data: dict[str, Any]) -> Friction:
    return Friction(
        rung=_int_field(data, "rung"),
        gates=tuple(_text_list(data, "gates", GATE_NAMES)),
        reasons=tuple(_text_list(data, "reasons")),
        reading_floor_s=number_field(data, "reading_floor_s") or 0.0,
        challenge_seed=_int_field(data, "challenge_seed", 0),
        defer_until=text_field(data, "defer_until", optional=True),
        headline=text_field(data, "headline", optional=True) or "",
    )


DECISION_FIELDS = (
    "reason",
    "shown_at",
    "first_key_at",
    "decided_at",
    "gates_passed",
    "challenge",
    "challenge_ok",
    "explanation",
)


def decision_to_wire(decision: Decision) -> dict[str, Any]:
    """The evidence a station sends with its verdict (the verdict travels beside it)."""
    return {
        "reason": decision.reason,
        "shown_at": decision.shown_at,
        "first_key_at": decision.first_key_at,
        "decided_at": decision.decided_at,
        "gates_passed": list(decision.gates_passed),
        "challenge": decision.challenge,
        "challenge_ok": decision.challenge_ok,
        "explanation": decision.explanation,
    }


def decision_from_wire(verdict: str, data: dict[str, Any]) -> Decision:
    if verdict not in STATION_VERDICTS:
        raise ProtocolError(f'"verdict" must be one of: {", ".join(STATION_VERDICTS)}')
    challenge_ok = data.get("challenge_ok")
    if challenge_ok is not None and not isinstance(challenge_ok, bool):
        raise ProtocolError('"challenge_ok" must be true, false or null')
    return Decision(
        verdict=verdict,
        reason=text_field(data, "reason", optional=True) or "",
        shown_at=number_field(data, "shown_at", optional=True),
        first_key_at=number_field(data, "first_key_at", optional=True),
        decided_at=number_field(data, "decided_at", optional=True),
        gates_passed=tuple(_text_list(data, "gates_passed", GATE_NAMES)),
        challenge=text_field(data, "challenge", optional=True),
        challenge_ok=challenge_ok,
        explanation=text_field(data, "explanation", optional=True, limit=MAX_EXPLANATION),
    )
