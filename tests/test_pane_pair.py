"""Pair review with two Pilot-driven stations: the pane that owns the socket, and a station that
joined it over the real socket (approve pane --join), each in its own event loop and thread.

One approval is not enough; the same Unix user twice is one person (unless the config allows
same-user pairs); a fatigued partner does not count; both reviewers go into the journal record.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from broker_helpers import daytime_config, short_dir
from tui_helpers import FakeClock

from approve.broker.client import submit_and_wait
from approve.broker.server import PaneServer
from approve.broker.state import Broker, local_reviewer
from approve.broker.station import StationClient
from approve.config import Config
from approve.journal import append, iter_records, record_for, verify
from approve.model import Assessment, Decision, Friction, Origin, Request, Tier
from approve.tui.pane.app import PaneApp
from approve.tui.pane.source import LocalSource, RemoteSource

SIZE = (120, 40)
CODE = "271-828"


class Station(threading.Thread):
    """`approve pane --join` in its own thread and loop; its keys are pressed by its own Pilot."""

    def __init__(self, socket_path: Path, name: str, code: str = CODE) -> None:
        super().__init__(daemon=True)
        self.clock = FakeClock()
        self.source = RemoteSource(StationClient(socket_path, code=code, name=name))
        self.app = PaneApp(
            self.source,
            clock=self.clock,
            guard_s=0.0,
            start=self.source.connect,
            stop=self.source.client.close,
            tmux_messages=False,
        )
        self.actions: queue.Queue[Callable[[Any], Any] | None] = queue.Queue()
        self.ready = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as error:  # reported by the test through .error
            self.error = error
            self.ready.set()

    async def _main(self) -> None:
        async with self.app.run_test(size=SIZE) as pilot:
            self.ready.set()
            while True:
                try:
                    action = self.actions.get_nowait()
                except queue.Empty:
                    await asyncio.sleep(0.05)  # not pilot.pause: that waits for a full refresh
                    continue
                if action is None:
                    return
                await action(pilot)

    def do(self, action: Callable[[Any], Any]) -> None:
        done = threading.Event()

        async def wrapped(pilot: Any) -> None:
            try:
                await action(pilot)
            finally:
                done.set()

        self.actions.put(wrapped)
        assert done.wait(20), "the station did not act"

    def stop(self) -> None:
        self.actions.put(None)
        self.join(20)


async def wait_until(condition: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    give_up = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < give_up, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


def press(key: str) -> Callable[[Any], Any]:
    async def act(pilot: Any) -> None:
        await pilot.press(key)
        await pilot.pause(0.1)

    return act


def press_when_open(key: str) -> Callable[[Any], Any]:
    async def act(pilot: Any) -> None:
        give_up = time.monotonic() + 20
        while pilot.app.review is None or pilot.app.review.tracker.shown_at is None:
            assert time.monotonic() < give_up, "no review opened"
            await pilot.pause(0.02)
        await pilot.press(key)
        await pilot.pause(0.1)

    return act


class Hook(threading.Thread):
    """A hook waiting on the socket for its decision."""

    def __init__(self, socket_path: Path, command: str) -> None:
        super().__init__(daemon=True)
        self.socket_path = socket_path
        self.command = command
        self.verdict: str | None = None

    def run(self) -> None:
        request = Request(
            text=self.command,
            kind="shell",
            origin=Origin(source="hook", agent="claude", session_id="pair", tool_use_id="t1"),
        )
        self.verdict, _ = submit_and_wait(request, time.time() + 120, self.socket_path)


async def both_started(socket_path: Path) -> tuple[Station, Hook]:
    """Bob's station joined, and a hook waiting on a destructive command."""
    station = Station(socket_path, "bob")
    station.start()
    assert await asyncio.to_thread(station.ready.wait, 20)
    assert station.error is None
    hook = Hook(socket_path, "rm -rf /srv/app/cache")
    hook.start()
    return station, hook


def run_pair(
    tmp_path: Path,
    config: Config,
    scenario: Callable[[Any, Broker, FakeClock, Path], Any],
    *,
    pair: bool = True,
) -> None:
    journal = tmp_path / "journal.jsonl"
    broker = Broker(config, journal, pair=pair, pairing_code=CODE, reviewer=local_reviewer("alice"))
    socket_path = short_dir() / "pane.sock"
    server = PaneServer(broker, socket_path, expire_every=0.1)
    clock = FakeClock()
    app = PaneApp(
        LocalSource(broker),
        clock=clock,
        guard_s=0.0,
        start=server.start,
        stop=server.stop,
        tmux_messages=False,
    )

    async def main() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await scenario(pilot, broker, clock, socket_path)

    asyncio.run(main())


async def pass_gates_and_approve(pilot: Any, clock: FakeClock) -> None:
    """The reviewer's part at any rung below R6: take the reading time, step to every finding,
    answer the challenge, type a reason, press approve: all by keys."""
    app = pilot.app
    give_up = time.monotonic() + 20
    while app.review is None or app.review.tracker.shown_at is None:
        assert time.monotonic() < give_up, "no review opened"
        await pilot.pause(0.02)
    review = app.review
    clock.advance(120)
    for _ in review.assessment.findings:
        await pilot.press("n")
    if "prove" in review.friction.gates:
        assert review.tracker.challenge is not None
        await pilot.press("p", *review.tracker.challenge.expected, "enter")
    if "explain" in review.friction.gates:
        await pilot.press("e", *"the cache is rebuilt on start", "enter")
    assert not review.tracker.blockers(clock()), review.tracker.blockers(clock())
    await pilot.press("a")
    await pilot.pause(0.1)


def approve_when_open(clock: FakeClock) -> Callable[[Any], Any]:
    async def act(pilot: Any) -> None:
        await pass_gates_and_approve(pilot, clock)

    return act


def test_one_approval_is_not_enough_two_people_are(tmp_path: Path) -> None:
    config = daytime_config("allow_same_user_pairs: true\n")  # alice and bob share a Unix user here

    async def scenario(pilot: Any, broker: Broker, clock: FakeClock, socket_path: Path) -> None:
        station, hook = await both_started(socket_path)
        await pass_gates_and_approve(pilot, clock)
        await asyncio.sleep(0.3)
        assert hook.is_alive() and hook.verdict is None  # one approval is not enough
        (pending,) = broker.pending()
        assert [str(a.reviewer) for a in pending.counted] == [str(broker.reviewer)]
        await asyncio.to_thread(station.do, approve_when_open(station.clock))
        await asyncio.to_thread(hook.join, 20)
        assert hook.verdict == "approved"
        await asyncio.to_thread(station.stop)
        assert station.error is None

    run_pair(tmp_path, config, scenario)
    (record,) = iter_records(tmp_path / "journal.jsonl")
    assert record["verdict"] == "approved"
    names = [a["reviewer"] for a in record["approvals"]]
    assert names == ["alice", "bob"]
    assert all(a["counted"] for a in record["approvals"])
    assert all(a["elapsed_s"] is not None and a["elapsed_s"] > 0 for a in record["approvals"])
    assert verify(tmp_path / "journal.jsonl").ok


def test_the_same_unix_user_twice_is_one_person(tmp_path: Path) -> None:
    config = daytime_config()  # allow_same_user_pairs is off by default

    async def scenario(pilot: Any, broker: Broker, clock: FakeClock, socket_path: Path) -> None:
        station, hook = await both_started(socket_path)
        await pass_gates_and_approve(pilot, clock)
        await asyncio.to_thread(station.do, approve_when_open(station.clock))
        await asyncio.sleep(0.3)
        assert hook.verdict is None  # bob is alice's Unix user: still one person
        (pending,) = broker.pending()
        assert len(pending.counted) == 1
        assert any("Unix user" in (a.why_not or "") for a in pending.approvals)
        # Nothing deadlocks: the first reviewer can still reject.
        await wait_until(lambda: broker.pending() != (), "queue")
        broker_id = pending.id
        result = broker.record_verdict(
            broker_id,
            broker.reviewer,
            Decision(verdict="rejected", reason="no second person", decided_at=time.time()),
            station_key="local",
        )
        assert result.verdict == "rejected"
        await asyncio.to_thread(hook.join, 20)
        assert hook.verdict == "rejected"
        await asyncio.to_thread(station.stop)

    run_pair(tmp_path, config, scenario)
    (record,) = iter_records(tmp_path / "journal.jsonl")
    assert record["verdict"] == "rejected"
    assert [a["counted"] for a in record["approvals"]] == [True, False]


def _long_streak(journal: Path, user: str, count: int) -> None:
    """COUNT approvals by USER in the last minutes: an accept streak at the policy's top step."""
    assessment = Assessment("shell", Tier.LOW, {}, (), 1, 3)
    friction = Friction(rung=1, gates=("read",), reasons=("test",), reading_floor_s=3.0)
    now = time.time()
    for index in range(count):
        decided = now - 60 * (count - index)
        decision = Decision(
            verdict="approved",
            reason="earlier",
            reviewers=(user,),
            shown_at=decided - 20,
            decided_at=decided,
            gates_passed=("read",),
        )
        request = Request(text=f"touch /tmp/earlier-{index}", kind="shell")
        append(record_for(request, assessment, friction, decision), journal)


def test_a_fatigued_partner_does_not_count(tmp_path: Path) -> None:
    """Ten approvals in a row make a reviewer a poor second pair of eyes: bob's approval is
    recorded, not counted, and the request keeps waiting."""
    config = daytime_config("allow_same_user_pairs: true\n")
    user = local_reviewer().user
    _long_streak(tmp_path / "journal.jsonl", user, 10)

    async def scenario(pilot: Any, broker: Broker, clock: FakeClock, socket_path: Path) -> None:
        station, hook = await both_started(socket_path)
        await pass_gates_and_approve(pilot, clock)
        await asyncio.to_thread(station.do, approve_when_open(station.clock))
        await asyncio.sleep(0.3)
        assert hook.verdict is None
        (pending,) = broker.pending()
        (second,) = [a for a in pending.approvals if not a.counted]
        assert "fresh" in (second.why_not or "") and "in a row" in (second.why_not or "")
        await asyncio.to_thread(station.do, press("o"))  # bob opens it again ...
        await asyncio.to_thread(station.do, press_when_open("r"))  # ... and can still say no
        await asyncio.to_thread(hook.join, 20)
        assert hook.verdict == "rejected"
        await asyncio.to_thread(station.stop)

    run_pair(tmp_path, config, scenario)
