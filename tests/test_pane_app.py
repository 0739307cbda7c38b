"""The pane app (approve.tui.pane) driven by Pilot, over a real Broker with its own journal.

Requests are submitted to the broker directly, as the socket server would; the reviewer's keys
go through the real review panel; the broker decides what each verdict means.
"""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from textual import events
from tui_helpers import FakeClock

from approve.broker.state import Broker
from approve.config import config_from_text
from approve.history import Reviewer
from approve.journal import iter_records, verify
from approve.model import Origin, Request
from approve.tui.header import HeaderBar
from approve.tui.pane.app import PaneApp
from approve.tui.pane.source import LocalSource

DAY = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)
CONFIG = config_from_text("timezone: UTC\n", "test")


class Requester:
    """Stands in for a hook's connection: collects what the broker sends back."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def __call__(self, message: dict[str, Any]) -> None:
        self.messages.append(message)

    @property
    def verdict(self) -> str | None:
        decided = [m for m in self.messages if m["type"] == "decision"]
        assert len(decided) <= 1, "decided twice"
        return decided[0]["verdict"] if decided else None


def make_pane(tmp_path: Path, *, pair: bool = False) -> tuple[PaneApp, Broker, FakeClock]:
    broker = Broker(
        CONFIG,
        tmp_path / "journal.jsonl",
        now=lambda: DAY,
        pair=pair,
        pairing_code="123-456",
        reviewer=Reviewer("alice"),
    )
    clock = FakeClock()
    app = PaneApp(
        LocalSource(broker), now=lambda: DAY, clock=clock, guard_s=1.5, tmux_messages=False
    )
    return app, broker, clock


def submit(broker: Broker, text: str) -> Requester:
    requester = Requester()
    origin = Origin(source="hook", agent="claude", cwd="/srv/app")
    request = Request(text=text, kind="shell", origin=origin)
    broker.submit(request, deadline=4_000_000_000.0, reply=requester)
    return requester


def test_a_request_is_reviewed_and_rejected(tmp_path: Path) -> None:
    async def scenario() -> None:
        app, broker, clock = make_pane(tmp_path)
        async with app.run_test(size=(140, 45)) as pilot:
            requester = submit(broker, "rm -rf /srv/data")
            await pilot.pause()
            assert app.review is not None
            header = app.review.query_one(HeaderBar)
            assert "(in /srv/app)" in header.build().plain  # where the agent would run it
            await pilot.press("r")  # inside the guard: dropped
            await pilot.pause()
            assert requester.verdict is None
            clock.advance(2)
            await pilot.press("r")
            await pilot.pause()
            assert requester.verdict == "rejected"
            assert app.review is None

    asyncio.run(scenario())
    records = list(iter_records(tmp_path / "journal.jsonl"))
    assert [r["verdict"] for r in records] == ["rejected"]
    assert records[0]["reviewers"] == ["alice"]
    assert verify(tmp_path / "journal.jsonl").ok


# ---------------------------------------------------------------- 50 hooks on a real socket


def test_fifty_clients_four_requests_each_every_one_decided_once(tmp_path: Path) -> None:
    """50 requesters on the real socket, 4 requests each, reviewed by keys in the pane: every
    request gets exactly one decision, none is lost, the journal chain holds all 200."""
    from broker_helpers import daytime_config, short_dir

    from approve.broker.client import submit_and_wait
    from approve.broker.server import PaneServer

    # Rung 0 for what these requests are: the reviewer's key decides at once, so the test
    # measures the plumbing, not the reading floor.
    config = daytime_config("tiers: {safe: 0, low: 0}\n")
    journal = tmp_path / "journal.jsonl"
    broker = Broker(config, journal, reviewer=Reviewer("alice"))
    socket_path = short_dir() / "pane.sock"
    server = PaneServer(broker, socket_path, expire_every=0.1)
    app = PaneApp(
        LocalSource(broker),
        guard_s=0.0,
        start=server.start,
        stop=server.stop,
        tmux_messages=False,
    )
    answers: dict[tuple[int, int], list[str]] = {}
    lock = threading.Lock()

    def client(number: int) -> None:
        for turn in range(4):
            request = Request(
                text=f"touch /tmp/approve-load-{number}-{turn}",
                kind="shell",
                origin=Origin(source="hook", agent="claude", session_id=f"s{number}"),
            )
            verdict, _ = submit_and_wait(request, time.time() + 120, socket_path)
            with lock:
                answers.setdefault((number, turn), []).append(verdict)

    async def scenario() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            threads = [threading.Thread(target=client, args=(n,)) for n in range(50)]
            for thread in threads:
                thread.start()
            give_up = time.monotonic() + 120
            presses = 0
            while any(thread.is_alive() for thread in threads):
                assert time.monotonic() < give_up, f"stuck after {len(answers)} answers"
                if app.review is not None and app.review.tracker.shown_at is not None:
                    await pilot.press("a" if presses % 2 == 0 else "r")
                    presses += 1
                else:
                    await pilot.pause(0.005)
            for thread in threads:
                thread.join()

    asyncio.run(scenario())
    assert len(answers) == 200
    assert all(len(verdicts) == 1 for verdicts in answers.values())
    verdicts = [v[0] for v in answers.values()]
    assert set(verdicts) <= {"approved", "rejected"}
    assert verdicts.count("approved") >= 50 and verdicts.count("rejected") >= 50
    records = list(iter_records(journal))
    assert len(records) == 200
    assert len({r["request_id"] for r in records}) == 200
    assert verify(journal).ok


def test_time_behind_the_stats_screen_is_not_reading_time(tmp_path: Path) -> None:
    """A request that arrives while the stats screen covers the pane does not start its guard
    or reading floor until the reviewer is back; nor does one already on screen."""

    async def scenario() -> None:
        app, broker, clock = make_pane(tmp_path)
        app._stats = lambda: "a report"
        async with app.run_test(size=(140, 45)) as pilot:
            await pilot.press("s")
            await pilot.pause()
            requester = submit(broker, "rm -rf /srv/data")
            await pilot.pause(0.3)
            assert app.review is None  # not opened behind the stats screen
            clock.advance(60)
            await pilot.press("escape")
            await pilot.pause(0.3)
            assert app.review is not None
            await pilot.press("r")  # the guard starts now: dropped
            await pilot.pause()
            assert requester.verdict is None
            # And a review already on screen starts again after the help screen.
            clock.advance(2)
            await pilot.press("question_mark")
            await pilot.pause()
            clock.advance(60)
            await pilot.press("escape")
            await pilot.pause()
            await pilot.press("r")
            await pilot.pause()
            assert requester.verdict is None
            assert app.review.tracker.reading_left(clock()) == app.review.friction.reading_floor_s
            clock.advance(2)
            await pilot.press("r")
            await pilot.pause()
            assert requester.verdict == "rejected"

    asyncio.run(scenario())


def test_a_request_arriving_while_the_pane_is_not_focused_rings(tmp_path: Path) -> None:
    rings: list[str] = []

    class CountingPane(PaneApp):
        def bell(self) -> None:  # the terminal bell itself cannot be observed in a test
            rings.append("bell")

    async def scenario() -> None:
        broker = Broker(CONFIG, tmp_path / "journal.jsonl", now=lambda: DAY)
        app = CountingPane(LocalSource(broker), now=lambda: DAY, tmux_messages=False)
        async with app.run_test(size=(140, 45)) as pilot:
            submit(broker, "rm -rf /srv/one")
            await pilot.pause()
            assert rings == []  # focused: the queue is in plain sight
            app.post_message(events.AppBlur())
            await pilot.pause()
            submit(broker, "rm -rf /srv/two")
            await pilot.pause()
            assert rings == ["bell"]

    asyncio.run(scenario())
