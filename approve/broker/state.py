"""The pane's queue: requests waiting for reviewers, and the rules that decide each one once.

`Broker` is plain synchronous state, driven from one thread (the pane's event loop): requesters
submit, stations open requests and give verdicts, a timer expires what waited too long. It does
no socket I/O: it answers requesters through the callback each one submitted with, journals
every outcome before that answer, and calls its listeners (the pane's redraw, the server's
queue push) after every change.

The rules (issue 6, DESIGN.md): only a station approves (the pane's own reviewer, or one that
joined with the pairing code); each reviewer passes the gates of their own friction, from their
own journal history; an approval faster than the reading floor is journaled as `too-fast` and
refused; R5 (and every request in pair mode) needs two distinct people, where the same Unix
user twice is one person unless `allow_same_user_pairs`, and a tired reviewer is not the fresh
second pair of eyes; a reject or defer by any station decides at once; a request is decided
once; a journal that cannot be written turns any verdict into `error`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hmac
import os
import secrets
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from approve.broker.protocol import STATION_VERDICTS, BrokerError, user_name
from approve.config import Config
from approve.errors import reason as error_reason
from approve.history import History, Reviewer, load_history
from approve.model import Assessment, Decision, Friction, Request, Tier

LOCAL_STATION = "local"  # the station key of the pane's own keyboard
RECENT_KEEP = 20
DECIDED_KEEP = 10_000  # ids remembered after their decision, to say "already decided"
PAIR_RUNG = 5  # from this rung on, two people must approve
WRONG_CODES_ALLOWED = 10  # wrong pairing codes, across all connections, within ...
WRONG_CODES_WINDOW_S = 60.0  # ... this many seconds before joining is locked for a while

Reply = Callable[[dict[str, Any]], None]


def local_reviewer(name: str | None = None) -> Reviewer:
    """The reviewer at the pane's own keyboard: our Unix user as the kernel names it.

    The user comes from our uid, exactly as a station's comes from its socket's peer
    credentials, so the pane's reviewer and a station of the same user compare equal.
    """
    chosen = name or os.environ.get("APPROVE_REVIEWER_NAME") or None
    return Reviewer(user=user_name(os.geteuid()), name=chosen)


def make_pairing_code() -> str:
    """A short code a person can read aloud and type: six random digits as `482-913`."""
    number = secrets.randbelow(1_000_000)
    return f"{number // 1000:03d}-{number % 1000:03d}"


def _digits(code: str) -> str:
    return "".join(ch for ch in code if "0" <= ch <= "9")


def _title_of(request: Request, limit: int = 120) -> str:
    text = request.title or request.text.strip().split("\n", 1)[0]
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True, slots=True)
class Station:
    """A place approvals come from: the pane itself, or a station that joined."""

    key: str
    reviewer: Reviewer
    joined_at: float


@dataclass(frozen=True, slots=True)
class Approval:
    """One station's approval of one request, and whether it counts toward the decision."""

    reviewer: Reviewer
    station_key: str
    decision: Decision
    friction: Friction
    counted: bool
    why_not: str | None = None

    def to_record(self) -> dict[str, Any]:
        """The entry in the journal record's "approvals" list."""
        decision = self.decision
        elapsed = (
            round(max(0.0, decision.decided_at - decision.shown_at), 3)
            if decision.decided_at is not None and decision.shown_at is not None
            else None
        )
        return {
            "reviewer": self.reviewer.name or self.reviewer.user,
            "user": self.reviewer.user,
            "station": self.station_key,
            "rung": self.friction.rung,
            "gates": list(self.friction.gates),
            "shown_at": decision.shown_at,
            "first_key_at": decision.first_key_at,
            "decided_at": decision.decided_at,
            "elapsed_s": elapsed,
            "floor_s": round(self.friction.reading_floor_s, 2),
            "gates_passed": list(decision.gates_passed),
            "challenge": decision.challenge,
            "challenge_ok": decision.challenge_ok,
            "explanation": decision.explanation,
            "counted": self.counted,
            "why_not": self.why_not,
        }


@dataclass(eq=False)
class Pending:
    """A request in the queue. The broker changes it; everyone else only reads it."""

    id: str
    request: Request
    assessment: Assessment
    friction: Friction  # the pane reviewer's at arrival: the queue's tier, rung and `needed`
    arrived_at: float
    deadline: float
    needed: int  # approvals from distinct people
    reply: Reply = field(repr=False)
    approvals: list[Approval] = field(default_factory=list)
    frictions: dict[Reviewer, Friction] = field(default_factory=dict)  # as shown to each
    verdict: str | None = None  # set once decided

    @property
    def tier(self) -> Tier:
        return self.assessment.tier

    @property
    def rung(self) -> int:
        return self.friction.rung

    @property
    def title(self) -> str:
        return _title_of(self.request)

    @property
    def counted(self) -> tuple[Approval, ...]:
        return tuple(a for a in self.approvals if a.counted)

    @property
    def needed_more(self) -> int:
        return max(0, self.needed - len(self.counted))

    def age_s(self, now: float) -> float:
        return max(0.0, now - self.arrived_at)


@dataclass(frozen=True, slots=True)
class Outcome:
    """A decided request, for the pane's list of last decisions."""

    id: str
    title: str
    tier: Tier
    verdict: str
    reason: str
    reviewers: tuple[str, ...]
    decided_at: float


@dataclass(frozen=True, slots=True)
class VerdictResult:
    """What became of a station's verdict.

    state: "decided" (the request is decided: `verdict` says how), "waiting" (an approval was
    recorded; `needed_more` approvals from other people are still needed; `counted` says whether
    this one counted, `message` why not) or "refused" (not accepted: `message` says why; review
    again at `friction` when it is given).
    """

    state: str
    message: str
    verdict: str | None = None
    needed_more: int = 0
    counted: bool = False
    friction: Friction | None = None


class Broker:
    """The pending requests in arrival order, the stations, and the decisions they make.

    Not thread-safe: call it from the pane's event loop only (PaneServer does).
    """

    def __init__(
        self,
        config: Config,
        journal_path: Path | None = None,
        *,
        clock: Callable[[], float] = time.time,
        now: Callable[[], datetime] | None = None,
        pair: bool = False,
        pairing_code: str | None = None,
        on_change: Callable[[], None] | None = None,
        reviewer: Reviewer | None = None,
    ) -> None:
        self.config = config
        self.journal_path = journal_path  # None: the user's journal
        self.clock = clock
        self.now: Callable[[], datetime] = now or (lambda: datetime.now().astimezone())
        self.pair = pair
        self.pairing_code = pairing_code or make_pairing_code()
        if not _digits(self.pairing_code):
            raise ValueError("the pairing code must contain digits")
        self.reviewer = reviewer or local_reviewer()
        self.closed = False
        self._queue: dict[str, Pending] = {}  # insertion order is arrival order
        self._decided: OrderedDict[str, str] = OrderedDict()
        self._recent: deque[Outcome] = deque(maxlen=RECENT_KEEP)
        self._stations: dict[str, Station] = {
            LOCAL_STATION: Station(LOCAL_STATION, self.reviewer, clock())
        }
        self._wrong_codes: deque[float] = deque()
        self._listeners: list[Callable[[], None]] = [on_change] if on_change else []

    # ------------------------------------------------------------------ views

    def pending(self) -> tuple[Pending, ...]:
        """The waiting requests, oldest first."""
        return tuple(self._queue.values())

    def stations(self) -> tuple[Station, ...]:
        """The pane's own station first, then the joined ones in joining order."""
        return tuple(self._stations.values())

    def recent(self) -> tuple[Outcome, ...]:
        """The last decisions, newest last."""
        return tuple(self._recent)

    def get(self, request_id: str) -> Pending:
        """The waiting request with this id; BrokerError when unknown or already decided."""
        pending = self._queue.get(request_id)
        if pending is not None:
            return pending
        verdict = self._decided.get(request_id)
        if verdict is not None:
            raise BrokerError(f"request {request_id} is already decided ({verdict})")
        raise BrokerError(f"no request {request_id} is waiting")

    def add_listener(self, listener: Callable[[], None]) -> None:
        """Call LISTENER (no arguments) after every change to the queue or the stations."""
        self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    # ------------------------------------------------------------------ requesters

    def submit(
        self,
        request: Request,
        deadline: float,
        reply: Reply,
        *,
        assessment: Assessment | None = None,
        analysis_error: BaseException | None = None,
    ) -> Pending:
        """Queue REQUEST until DEADLINE (epoch seconds); REPLY gets `queued`, later `decision`.

        Pass ASSESSMENT when it was computed elsewhere (off the event loop), or the
        ANALYSIS_ERROR that computing it raised. A request that cannot be analyzed, or that
        arrives while the pane stops, is decided `error` at once (and journaled).
        """
        problem = (
            f"it could not be analyzed: {error_reason(analysis_error)}" if analysis_error else None
        )
        if self.closed:
            problem = "the approve pane stopped"
        if assessment is None and problem is None:
            try:
                from approve.analyze import analyze

                assessment = analyze(request)
            except Exception as error:
                problem = f"it could not be analyzed: {error_reason(error)}"
        if assessment is None:
            # Nothing was analyzed: journal the worst tier rather than guess "safe".
            assessment = Assessment(format="text", tier=Tier.CRITICAL, counts={}, findings=())
        friction: Friction | None = None
        if problem is None:
            try:
                friction = self._policy_friction(request, assessment, self.reviewer)
            except Exception as error:
                problem = f"the reviewer's history could not be read: {error_reason(error)}"
        if friction is None:
            friction = Friction(rung=0, gates=(), reasons=(problem or "",))
        needed = 2 if self.pair or friction.rung >= PAIR_RUNG else 1
        pending = Pending(
            id=self._new_id(),
            request=request,
            assessment=assessment,
            friction=friction,
            arrived_at=self.clock(),
            deadline=deadline,
            needed=needed,
            reply=reply,
        )
        self._send(pending, {"type": "queued", "id": pending.id})
        if problem is not None:
            self._finish(pending, self._outcome("error", problem), friction)
            return pending
        self._queue[pending.id] = pending
        self._notify()
        return pending

    def cancel(self, request_id: str, why: str) -> bool:
        """Take a waiting request out (its hook gave up): journaled as `timeout`, requester
        told if still there. False when it was not waiting."""
        pending = self._queue.get(request_id)
        if pending is None:
            return False
        self._finish(pending, self._outcome("timeout", why), pending.friction)
        return True

    def expire(self) -> int:
        """Time out every request whose deadline has passed; how many there were."""
        now = self.clock()
        late = [p for p in self._queue.values() if p.deadline <= now]
        for pending in late:
            self.cancel(pending.id, "nobody decided before the hook's deadline")
        return len(late)

    def close(self, why: str = "") -> None:
        """The pane stops: every waiting requester gets `error` (journaled), nothing new queues."""
        self.closed = True
        reason = "the approve pane stopped" + (f" ({why})" if why else "")
        for pending in list(self._queue.values()):
            self._finish(pending, self._outcome("error", reason), pending.friction)

    # ------------------------------------------------------------------ stations

    def join(self, station_key: str, reviewer: Reviewer, code: str) -> Station:
        """Add a station that gave the pairing CODE; BrokerError for a wrong code (too many
        wrong codes from anyone lock joining for a minute)."""
        if station_key in self._stations:
            raise BrokerError("this station has already joined")
        now = self.clock()
        while self._wrong_codes and self._wrong_codes[0] < now - WRONG_CODES_WINDOW_S:
            self._wrong_codes.popleft()
        if len(self._wrong_codes) >= WRONG_CODES_ALLOWED:
            wait = int(self._wrong_codes[0] + WRONG_CODES_WINDOW_S - now) + 1
            raise BrokerError(f"too many wrong pairing codes: joining is locked for {wait} s")
        if not hmac.compare_digest(_digits(code), _digits(self.pairing_code)):
            self._wrong_codes.append(now)
            raise BrokerError("wrong pairing code (it is shown on the pane)")
        station = Station(station_key, reviewer, now)
        self._stations[station_key] = station
        self._notify()
        return station

    def leave(self, station_key: str) -> None:
        """A station went away. Its approvals stay; requests it had not approved wait on."""
        if station_key != LOCAL_STATION and self._stations.pop(station_key, None) is not None:
            self._notify()

    def open(self, request_id: str, station_key: str) -> tuple[Pending, Friction]:
        """A station opens a request to review it: the request and that reviewer's friction."""
        station = self._station(station_key)
        pending = self.get(request_id)
        return pending, self.friction_for(pending, station.reviewer)

    def friction_for(self, pending: Pending, reviewer: Reviewer) -> Friction:
        """REVIEWER's own friction for PENDING, from their own journal history.

        The first call fixes it for that reviewer and request (a too-fast approval raises it);
        later calls return the same. When it asks for a second person, the request needs two.
        Raises JournalError when the history cannot be read.
        """
        friction = pending.frictions.get(reviewer)
        if friction is None:
            friction = self._policy_friction(pending.request, pending.assessment, reviewer)
            pending.frictions[reviewer] = friction
            if "second" in friction.gates and pending.needed < 2 and pending.verdict is None:
                pending.needed = 2
                self._notify()
        return friction

    def record_verdict(
        self, request_id: str, reviewer: Reviewer, decision: Decision, *, station_key: str
    ) -> VerdictResult:
        """REVIEWER's verdict (approved, rejected or deferred) on a request, from STATION_KEY.

        BrokerError when the station has not joined, the reviewer is not the station's, or the
        request is not waiting (unknown, or already decided). A request is decided once.
        """
        station = self._station(station_key)
        if station.reviewer != reviewer:
            raise BrokerError(
                f"station {station_key} belongs to {station.reviewer}, not {reviewer}"
            )
        pending = self.get(request_id)
        verdict = decision.verdict
        if verdict not in STATION_VERDICTS:
            raise BrokerError(f"a station decides approved, rejected or deferred, not {verdict!r}")
        if verdict != "approved":
            return self._reject_or_defer(pending, reviewer, decision)
        friction = pending.frictions.get(reviewer)
        if friction is None:
            return VerdictResult("refused", "open the request and review it before approving")
        refused = self._gates_refusal(friction, decision)
        if refused is not None:
            return VerdictResult("refused", refused, friction=friction)
        from approve.commands.review import judged

        mine = dataclasses.replace(decision, reviewers=(reviewer.id,))
        journaled, again = judged(friction, mine, self.config)
        if again is not None:
            return self._too_fast(pending, reviewer, friction, journaled, again)
        counted, why_not = self._counts(pending, reviewer, station_key)
        pending.approvals.append(Approval(reviewer, station_key, mine, friction, counted, why_not))
        if counted and pending.needed_more == 0:
            final = self._finish(pending, self._approved(pending, mine), pending.friction)
            message = "approved" if final == "approved" else f"not approved: {final}"
            return VerdictResult("decided", message, verdict=final, counted=True)
        self._notify()
        more = pending.needed_more
        if counted:
            message = f"approval recorded: {more} more from another person needed"
        else:
            message = f"approval recorded but not counted: {why_not}"
        return VerdictResult("waiting", message, needed_more=more, counted=counted)

    # ------------------------------------------------------------------ the rules

    def _station(self, station_key: str) -> Station:
        station = self._stations.get(station_key)
        if station is None:
            raise BrokerError("only a reviewer station decides: join with the pairing code first")
        return station

    def _gates_refusal(self, friction: Friction, decision: Decision) -> str | None:
        """Why this approval does not pass the reviewer's own gates, or None."""
        if "defer" in friction.gates:
            until = f" until {friction.defer_until[11:16]}" if friction.defer_until else ""
            return f"deferred{until}: it cannot be approved now; reject or defer it"
        required = [g for g in friction.gates if g not in ("second", "defer")]
        missing = [g for g in required if g not in decision.gates_passed]
        if "prove" in required and decision.challenge_ok is False and "prove" not in missing:
            missing.append("prove")
        if missing:
            return f"not every gate was passed (missing: {', '.join(missing)})"
        return None

    def _too_fast(
        self,
        pending: Pending,
        reviewer: Reviewer,
        friction: Friction,
        journaled: Decision,
        again: Friction,
    ) -> VerdictResult:
        """Journal a too-fast approval and send the reviewer back one rung higher."""
        try:
            self._journal(pending, friction, journaled)
        except Exception as error:
            why = f"the journal cannot be written ({error_reason(error)}), so nothing is approved"
            final = self._finish(pending, self._outcome("error", why), pending.friction)
            return VerdictResult("decided", why, verdict=final)
        pending.frictions[reviewer] = again
        if "second" in again.gates and pending.needed < 2:
            pending.needed = 2
            self._notify()
        return VerdictResult("refused", journaled.reason, friction=again)

    def _counts(
        self, pending: Pending, reviewer: Reviewer, station_key: str
    ) -> tuple[bool, str | None]:
        """Whether a new approval counts, and why not when it does not."""
        mine = self._person(reviewer)
        for earlier in pending.counted:
            if earlier.station_key == station_key or self._person(earlier.reviewer) == mine:
                same = "Unix user" if earlier.reviewer.user == reviewer.user else "person"
                return False, f"{earlier.reviewer} already approved it: the same {same} counts once"
        if pending.counted:
            # This approval would be the second pair of eyes, which must be fresh ones.
            from approve.policy import is_fatigued

            now = self.now()
            tired = is_fatigued(self._history(reviewer, now), now, self.config)
            if tired is not None:
                return False, f"{reviewer} is not a fresh second pair of eyes ({tired})"
        return True, None

    def _person(self, reviewer: Reviewer) -> tuple[str, str]:
        if self.config.allow_same_user_pairs:
            return reviewer.user, reviewer.name or ""
        return reviewer.user, ""

    def _reject_or_defer(
        self, pending: Pending, reviewer: Reviewer, decision: Decision
    ) -> VerdictResult:
        verdict = decision.verdict
        said = f"{verdict} by {reviewer}" + (f": {decision.reason}" if decision.reason else "")
        final_decision = dataclasses.replace(
            decision,
            reason=said,
            reviewers=(reviewer.id,),
            decided_at=decision.decided_at if decision.decided_at is not None else self.clock(),
        )
        friction = pending.frictions.get(reviewer, pending.friction)
        final = self._finish(pending, final_decision, friction)
        return VerdictResult("decided", said, verdict=final)

    def _approved(self, pending: Pending, last: Decision) -> Decision:
        """The request's Decision from its counted approvals; LAST is the one that decided."""
        counted = pending.counted
        users = tuple(dict.fromkeys(a.reviewer.id for a in counted))
        shown = [a.decision.shown_at for a in counted if a.decision.shown_at is not None]
        keys = [a.decision.first_key_at for a in counted if a.decision.first_key_at is not None]
        names = " and ".join(str(a.reviewer) for a in counted)
        return dataclasses.replace(
            last,
            verdict="approved",
            reason=f"approved by {names}",
            reviewers=users,
            shown_at=min(shown) if shown else None,
            first_key_at=min(keys) if keys else None,
            decided_at=last.decided_at if last.decided_at is not None else self.clock(),
        )

    def _outcome(self, verdict: str, reason: str) -> Decision:
        """A decision nobody made (timeout, error): no reviewers, so no one's streak moves."""
        return Decision(verdict=verdict, reason=reason, decided_at=self.clock())

    def _finish(self, pending: Pending, decision: Decision, friction: Friction) -> str:
        """Journal the decision, then answer the requester, then tell the listeners.

        Returns the verdict the requester got: `error` when the journal could not take it.
        """
        self._queue.pop(pending.id, None)
        verdict, reason = decision.verdict, decision.reason
        try:
            self._journal(pending, friction, decision, [a.to_record() for a in pending.approvals])
        except Exception as error:
            verdict = "error"
            reason = (
                f"the decision could not be journaled ({error_reason(error)}), so it is refused"
            )
        pending.verdict = verdict
        self._decided[pending.id] = verdict
        while len(self._decided) > DECIDED_KEEP:
            self._decided.popitem(last=False)
        self._send(
            pending, {"type": "decision", "id": pending.id, "verdict": verdict, "reason": reason}
        )
        self._recent.append(
            Outcome(
                id=pending.id,
                title=pending.title,
                tier=pending.tier,
                verdict=verdict,
                reason=reason,
                reviewers=decision.reviewers if verdict == decision.verdict else (),
                decided_at=decision.decided_at or self.clock(),
            )
        )
        self._notify()
        return verdict

    # ------------------------------------------------------------------ plumbing

    def _journal(
        self,
        pending: Pending,
        friction: Friction,
        decision: Decision,
        approvals: list[dict[str, Any]] | None = None,
    ) -> None:
        """Append DECISION on PENDING to the journal (raises when it cannot be written)."""
        from approve.journal import append, record_for

        record = record_for(
            pending.request,
            pending.assessment,
            friction,
            decision,
            too_fast_ratio=self.config.too_fast_ratio,
        )
        record["request_id"] = pending.id
        if approvals is not None:
            record["approvals"] = approvals
        append(record, self.journal_path)

    def _policy_friction(
        self, request: Request, assessment: Assessment, reviewer: Reviewer
    ) -> Friction:
        from approve.policy import policy

        now = self.now()
        history = self._history(reviewer, now)
        return policy(assessment, history, now, reviewer, self.config, identity=request.identity)

    def _history(self, reviewer: Reviewer, now: datetime) -> History:
        return load_history(self.journal_path, now, reviewer, self.config)

    def _new_id(self) -> str:
        while True:
            candidate = secrets.token_hex(4)
            if candidate not in self._queue and candidate not in self._decided:
                return candidate

    def _send(self, pending: Pending, message: dict[str, Any]) -> None:
        # A requester that went away cannot be told; the journal already holds the outcome.
        with contextlib.suppress(Exception):
            pending.reply(message)

    def _notify(self) -> None:
        for listener in list(self._listeners):
            with contextlib.suppress(Exception):  # a broken redraw must not block a decision
                listener()
