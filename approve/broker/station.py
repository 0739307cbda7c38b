"""A reviewer station's side of the pane socket (`approve pane --join`), for an asyncio app.

    station = StationClient(path, code="482-913", name="bob")
    reviewer = await station.connect()            # joins; BrokerError for a wrong code
    async for push in station:                    # queue updates, until the pane goes
        ...                                       # push["type"] == "queue": push["items"]
    opened = await station.open(request_id)       # the request, its analysis, OUR friction
    reply = await station.send_verdict(request_id, decision)

The pane answers a station's messages in the order it sent them, and pushes `queue` and
`closed` messages in between; a reader task sorts the two apart. No Textual here.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from approve.broker.protocol import (
    MAX_MESSAGE_BYTES,
    BrokerError,
    PaneUnavailable,
    ProtocolError,
    assessment_from_wire,
    decision_to_wire,
    decode,
    default_socket_path,
    encode,
    friction_from_wire,
    object_field,
    request_from_wire,
)
from approve.history import Reviewer
from approve.model import Assessment, Decision, Friction, Request, Tier

PUSHES = frozenset({"queue", "closed"})
# An opened request carries the request's text (up to MAX_MESSAGE_BYTES) and its analysis too.
MAX_INCOMING_BYTES = 4 * MAX_MESSAGE_BYTES
_END = object()  # the push queue's end-of-stream marker


@dataclass(frozen=True, slots=True)
class QueueItem:
    """One waiting request as the `queue` push lists it."""

    id: str
    title: str
    tier: Tier
    rung: int
    age_s: float
    needed: int
    needed_more: int
    approvals: tuple[str, ...]  # who has approved (counted)

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> QueueItem:
        approvals = data.get("approvals") or []
        return cls(
            id=str(data.get("id", "")),
            title=str(data.get("title", "")),
            tier=_tier(data.get("tier")),
            rung=_int(data.get("rung")),
            age_s=float(data.get("age_s") or 0.0),
            needed=_int(data.get("needed"), 1),
            needed_more=_int(data.get("needed_more"), 1),
            approvals=tuple(str(a) for a in approvals) if isinstance(approvals, list) else (),
        )


def queue_items(push: dict[str, Any]) -> list[QueueItem]:
    """The items of a `queue` push."""
    items = push.get("items")
    if not isinstance(items, list):
        return []
    return [QueueItem.from_wire(item) for item in items if isinstance(item, dict)]


@dataclass(frozen=True, slots=True)
class OpenedRequest:
    """A request opened for review: what to show, and the friction this reviewer must pass."""

    id: str
    request: Request
    assessment: Assessment
    friction: Friction
    needed: int
    needed_more: int
    approvals: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class VerdictReply:
    """The pane's answer to a verdict: see approve.broker.state.VerdictResult."""

    state: str  # decided | waiting | refused
    message: str
    verdict: str | None = None
    needed_more: int = 0
    counted: bool = False
    friction: Friction | None = None  # refused: review again at this friction


class StationClient:
    """A joined reviewer station. Use from one asyncio loop."""

    def __init__(
        self,
        path: Path | None = None,
        code: str = "",
        name: str | None = None,
        *,
        on_push: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.path = path or default_socket_path()
        self.code = code
        self.name = name
        self.on_push = on_push  # called for each push instead of queueing it for `async for`
        self.reviewer: Reviewer | None = None
        self.closed_reason: str | None = None
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._replies: deque[asyncio.Future[dict[str, Any]]] = deque()
        self._pushes: asyncio.Queue[object] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def connect(self) -> Reviewer:
        """Connect and join with the pairing code: who the pane takes us for.

        PaneUnavailable when no pane runs at the path; BrokerError when it refuses us.
        """
        try:
            self._reader, self._writer = await asyncio.open_unix_connection(
                str(self.path), limit=MAX_INCOMING_BYTES
            )
        except (FileNotFoundError, ConnectionRefusedError, NotADirectoryError):
            raise PaneUnavailable(f"no approve pane is running at {self.path}") from None
        except OSError as error:
            raise PaneUnavailable(f"cannot reach {self.path}: {error.strerror or error}") from None
        self._task = asyncio.create_task(self._read_loop())
        reply = await self._ask({"type": "join", "code": self.code, "name": self.name})
        if reply.get("type") != "joined":
            await self.close()
            raise BrokerError(_reason(reply, "the pane did not let this station join"))
        data = reply.get("reviewer") if isinstance(reply.get("reviewer"), dict) else {}
        assert isinstance(data, dict)
        self.reviewer = Reviewer(user=str(data.get("user", "?")), name=data.get("name") or None)
        return self.reviewer

    async def open(self, request_id: str) -> OpenedRequest:
        """Open a waiting request; BrokerError when it is gone (decided, timed out)."""
        reply = await self._ask({"type": "open", "id": request_id})
        if reply.get("type") != "request":
            raise BrokerError(_reason(reply, f"the pane did not open request {request_id}"))
        try:
            approvals = reply.get("approvals") or []
            return OpenedRequest(
                id=str(reply.get("id")),
                request=request_from_wire(object_field(reply, "request")),
                assessment=assessment_from_wire(object_field(reply, "assessment")),
                friction=friction_from_wire(object_field(reply, "friction")),
                needed=_int(reply.get("needed"), 1),
                needed_more=_int(reply.get("needed_more"), 1),
                approvals=tuple(str(a) for a in approvals) if isinstance(approvals, list) else (),
            )
        except ProtocolError as error:
            raise BrokerError(f"the pane sent a broken request: {error}") from None

    async def send_verdict(self, request_id: str, decision: Decision) -> VerdictReply:
        """Send this reviewer's verdict. A refusal (gates, too fast) is a reply, not an error;
        BrokerError when the pane rejects the message (e.g. already decided)."""
        reply = await self._ask(
            {
                "type": "verdict",
                "id": request_id,
                "verdict": decision.verdict,
                "decision": decision_to_wire(decision),
            }
        )
        kind = reply.get("type")
        if kind == "verdict-refused":
            raw = reply.get("friction")
            try:
                friction = friction_from_wire(raw) if isinstance(raw, dict) else None
            except ProtocolError:
                friction = None
            return VerdictReply("refused", _reason(reply, "refused"), friction=friction)
        if kind != "verdict-ok":
            raise BrokerError(_reason(reply, "the pane did not take the verdict"))
        verdict = reply.get("verdict")
        return VerdictReply(
            state=str(reply.get("state")),
            message=str(reply.get("message") or ""),
            verdict=verdict if isinstance(verdict, str) else None,
            needed_more=_int(reply.get("needed_more")),
            counted=reply.get("counted") is True,
        )

    async def ping(self) -> bool:
        try:
            return (await self._ask({"type": "ping"})).get("type") == "pong"
        except BrokerError:
            return False

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[dict[str, Any]]:
        while True:
            item = await self._pushes.get()
            if item is _END:
                self._pushes.put_nowait(_END)  # a second iterator ends too
                return
            assert isinstance(item, dict)
            yield item

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._writer.wait_closed(), timeout=1.0)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        self._end("the station closed")

    async def __aenter__(self) -> StationClient:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ------------------------------------------------------------------ plumbing

    async def _ask(self, message: dict[str, Any]) -> dict[str, Any]:
        if self._writer is None or self._writer.is_closing() or self.closed_reason is not None:
            raise BrokerError(self.closed_reason or "the station is not connected")
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._replies.append(future)  # appended and written with no await between: same order
        self._writer.write(encode(message))
        await self._writer.drain()
        return await future

    async def _read_loop(self) -> None:
        assert self._reader is not None
        reason = "the approve pane closed the connection"
        try:
            while True:
                line = await self._reader.readline()
                if not line.endswith(b"\n"):
                    break
                try:
                    message = decode(line)
                except ProtocolError as error:
                    reason = f"the approve pane sent a broken message: {error}"
                    break
                if message["type"] in PUSHES:
                    if message["type"] == "closed":
                        reason = _reason(message, reason)
                    self._push(message)
                elif self._replies:
                    future = self._replies.popleft()
                    if not future.done():
                        future.set_result(message)
        except (ConnectionError, ValueError) as error:
            reason = f"the connection to the approve pane failed: {error}"
        finally:
            if self._writer is not None:
                self._writer.close()
            self._end(reason)

    def _push(self, message: dict[str, Any]) -> None:
        if self.on_push is not None:
            with contextlib.suppress(Exception):
                self.on_push(message)
        else:
            self._pushes.put_nowait(message)

    def _end(self, reason: str) -> None:
        if self.closed_reason is None:
            self.closed_reason = reason
            self._pushes.put_nowait(_END)
        while self._replies:
            future = self._replies.popleft()
            if not future.done():
                future.set_exception(BrokerError(self.closed_reason))


def _reason(message: dict[str, Any], default: str) -> str:
    reason = message.get("reason")
    return reason if isinstance(reason, str) and reason else default


def _int(value: object, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _tier(value: object) -> Tier:
    try:
        return Tier.parse(str(value))
    except ValueError:
        return Tier.CRITICAL
