"""Where a pane's requests come from: the broker in this process, or a pane joined over its socket.

The pane app shows rows and reviews and sends the reviewer's verdicts; it never decides what a
verdict means. LocalSource hands them to the Broker directly (the pane's own keyboard is its
LOCAL_STATION); a joined station (approve pane --join) uses a source over the socket with the
same shape, so one app serves both.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from approve.broker.state import LOCAL_STATION, Broker, Outcome, VerdictResult
from approve.broker.station import QueueItem, StationClient, queue_items
from approve.fatigue import FatigueMeter, fatigue_meter
from approve.history import Reviewer, load_history
from approve.model import Assessment, Decision, Friction, Request, Tier


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One waiting request as the queue shows it."""

    id: str
    title: str
    tier: Tier
    rung: int
    arrived_at: float  # epoch seconds
    needed: int
    approvals: tuple[str, ...]  # who has approved so far
    approved_by_me: bool  # this station approved: it waits for someone else


@dataclass(frozen=True, slots=True)
class Opened:
    """A request opened for review at this station, with this reviewer's own friction."""

    id: str
    request: Request
    assessment: Assessment
    friction: Friction


class PaneSource(Protocol):
    """What the pane app needs from wherever its requests come from."""

    reviewer: Reviewer
    pairing_code: str | None  # shown on the pane that owns the socket; None on a joined station

    def rows(self) -> list[QueueRow]: ...

    def recent(self) -> list[Outcome]: ...

    def station_names(self) -> list[str]: ...

    def subscribe(self, listener: Callable[[], None]) -> None: ...

    def meter(self) -> FatigueMeter | str: ...

    def ended(self) -> str | None: ...

    async def open(self, request_id: str) -> Opened: ...

    async def verdict(self, request_id: str, decision: Decision) -> VerdictResult: ...


class LocalSource:
    """The broker of the pane that owns the socket, reviewed from its own keyboard."""

    def __init__(self, broker: Broker) -> None:
        self.broker = broker
        self.reviewer = broker.reviewer
        self.pairing_code: str | None = broker.pairing_code

    def rows(self) -> list[QueueRow]:
        return [
            QueueRow(
                id=pending.id,
                title=pending.title,
                tier=pending.tier,
                rung=pending.rung,
                arrived_at=pending.arrived_at,
                needed=pending.needed,
                approvals=tuple(str(a.reviewer) for a in pending.counted),
                approved_by_me=any(a.station_key == LOCAL_STATION for a in pending.approvals),
            )
            for pending in self.broker.pending()
        ]

    def recent(self) -> list[Outcome]:
        return list(self.broker.recent())

    def station_names(self) -> list[str]:
        return [str(station.reviewer) for station in self.broker.stations()]

    def subscribe(self, listener: Callable[[], None]) -> None:
        self.broker.add_listener(listener)

    def ended(self) -> str | None:
        return None  # the pane that owns the socket ends only when its app does

    def meter(self) -> FatigueMeter | str:
        """This reviewer's fatigue now, from the journal (or why it cannot be read)."""
        from approve.journal import JournalError

        now = self.broker.now()
        config = self.broker.config
        try:
            history = load_history(self.broker.journal_path, now, self.reviewer, config)
        except JournalError as error:
            return f"fatigue: the journal cannot be read ({error})"
        return fatigue_meter(history, now, config)

    async def open(self, request_id: str) -> Opened:
        pending, friction = self.broker.open(request_id, LOCAL_STATION)
        return Opened(pending.id, pending.request, pending.assessment, friction)

    async def verdict(self, request_id: str, decision: Decision) -> VerdictResult:
        return self.broker.record_verdict(
            request_id, self.reviewer, decision, station_key=LOCAL_STATION
        )


JOIN_TIMEOUT_S = 10.0


class RemoteSource:
    """A pane joined over the socket (`approve pane --join`): the queue as the pane pushes it.

    The reviewer's fatigue is judged by the pane that owns the journal, for each review (the
    friction it sends says why), so this source has no meter of its own.
    """

    def __init__(self, client: StationClient) -> None:
        self.client = client
        self.reviewer = Reviewer(user="?")
        self.pairing_code: str | None = None
        self._items: list[QueueItem] = []
        self._received_at = time.time()
        self._mine: set[str] = set()  # requests this station approved: it does not see them again
        self._outcomes: list[Outcome] = []
        self._listeners: list[Callable[[], None]] = []
        client.on_push = self._pushed

    async def connect(self) -> None:
        """Join the pane (BrokerError for a wrong pairing code or no pane; TimeoutError when a
        pane that is stopped or stuck does not answer)."""
        import asyncio

        try:
            self.reviewer = await asyncio.wait_for(self.client.connect(), JOIN_TIMEOUT_S)
        except TimeoutError:
            await self.client.close()
            raise TimeoutError(
                f"the approve pane at {self.client.path} did not answer within "
                f"{JOIN_TIMEOUT_S:.0f} s"
            ) from None

    def _pushed(self, message: dict[str, Any]) -> None:
        if message.get("type") == "queue":
            self._items = queue_items(message)
            self._received_at = time.time()
        self._notify()

    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener()

    def rows(self) -> list[QueueRow]:
        return [
            QueueRow(
                id=item.id,
                title=item.title,
                tier=item.tier,
                rung=item.rung,
                arrived_at=self._received_at - item.age_s,
                needed=item.needed,
                approvals=item.approvals,
                approved_by_me=item.id in self._mine,
            )
            for item in self._items
        ]

    def recent(self) -> list[Outcome]:
        return list(self._outcomes)

    def station_names(self) -> list[str]:
        return [str(self.reviewer)]

    def subscribe(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def meter(self) -> FatigueMeter | str:
        return "fatigue: judged by the pane for each review"

    def ended(self) -> str | None:
        return self.client.closed_reason

    async def open(self, request_id: str) -> Opened:
        opened = await self.client.open(request_id)
        return Opened(opened.id, opened.request, opened.assessment, opened.friction)

    async def verdict(self, request_id: str, decision: Decision) -> VerdictResult:
        reply = await self.client.send_verdict(request_id, decision)
        if reply.state == "waiting":
            self._mine.add(request_id)
        if reply.state == "decided":
            title = next((i.title for i in self._items if i.id == request_id), request_id)
            tier = next((i.tier for i in self._items if i.id == request_id), Tier.CRITICAL)
            self._outcomes.append(
                Outcome(
                    id=request_id,
                    title=title,
                    tier=tier,
                    verdict=reply.verdict or "error",
                    reason=reply.message,
                    reviewers=(str(self.reviewer),),
                    decided_at=time.time(),
                )
            )
        return VerdictResult(
            state=reply.state,
            message=reply.message,
            verdict=reply.verdict,
            needed_more=reply.needed_more,
            counted=reply.counted,
            friction=reply.friction,
        )
