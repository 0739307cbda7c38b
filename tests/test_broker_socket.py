"""The pane socket for real: permissions, roles, bad messages, many hooks at once, pair review.

A PaneServer runs in an event loop thread on a socket in a short private folder; hooks are
threads calling the real blocking client, stations are real StationClients or raw sockets.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
import pwd
import shutil
import socket
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from broker_helpers import (
    Pane,
    RawClient,
    daytime_config,
    read_and_approve,
    short_dir,
    submit_message,
)

from approve.broker import (
    MAX_MESSAGE_BYTES,
    Broker,
    BrokerError,
    PaneServer,
    PaneUnavailable,
    StationClient,
    default_socket_path,
    ping,
    prepare_socket_dir,
    queue_items,
    submit_and_wait,
)
from approve.journal import iter_records, verify
from approve.model import Decision, Origin, Request

CODE = "123-456"
ME = pwd.getpwuid(os.geteuid()).pw_name
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to act as another user")


@pytest.fixture
def folder() -> Iterator[Path]:
    path = short_dir()
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def pane(folder: Path, tmp_path: Path) -> Iterator[Pane]:
    running = Pane(folder / "pane.sock", tmp_path / "journal.jsonl")
    yield running
    running.close()


def records(pane: Pane) -> list[dict[str, Any]]:
    return list(iter_records(pane.journal)) if pane.journal.exists() else []


def request(title: str, text: str = "rm -rf build") -> Request:
    return Request(
        text=text, kind="shell", title=title, origin=Origin(source="hook", agent="claude")
    )


class Hook(threading.Thread):
    """A hook process in miniature: submit_and_wait in a thread, keeping what it got."""

    def __init__(self, pane: Pane, title: str, deadline_s: float = 60.0) -> None:
        super().__init__(daemon=True)
        self.pane = pane
        self.title = title
        self.deadline_s = deadline_s
        self.result: tuple[str, str] | None = None
        self.error: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            self.result = submit_and_wait(
                request(self.title), time.time() + self.deadline_s, self.pane.path
            )
        except BaseException as error:
            self.error = error

    def outcome(self) -> tuple[str, str]:
        self.join(timeout=30)
        assert not self.is_alive(), "the hook is still waiting"
        assert self.error is None, self.error
        assert self.result is not None
        return self.result


# ------------------------------------------------------------------ the socket's place


def test_the_socket_lives_in_the_runtime_dir_else_under_tmp(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", "/run/user/1234")
    assert default_socket_path() == Path("/run/user/1234/approve/pane.sock")
    monkeypatch.setenv("XDG_RUNTIME_DIR", "relative/dir")
    assert default_socket_path() == Path(f"/tmp/approve-{os.getuid()}/pane.sock")
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    assert default_socket_path() == Path(f"/tmp/approve-{os.getuid()}/pane.sock")


def test_the_socket_folder_is_made_private(folder: Path) -> None:
    target = folder / "approve"
    prepare_socket_dir(target)
    assert stat.S_IMODE(os.lstat(target).st_mode) == 0o700


def test_a_socket_folder_open_to_others_is_refused(folder: Path) -> None:
    target = folder / "open"
    target.mkdir(mode=0o700)
    target.chmod(0o755)
    with pytest.raises(BrokerError, match=r"open to others.*chmod 700"):
        prepare_socket_dir(target)


def test_a_symlinked_socket_folder_is_refused(folder: Path) -> None:
    real = folder / "real"
    real.mkdir(mode=0o700)
    (folder / "link").symlink_to(real)
    with pytest.raises(BrokerError, match="symlink"):
        prepare_socket_dir(folder / "link")


@as_root
def test_a_socket_folder_made_by_someone_else_is_refused(folder: Path) -> None:
    theirs = folder / "theirs"
    theirs.mkdir(mode=0o700)
    os.chown(theirs, 65534, 65534)
    with pytest.raises(BrokerError, match="belongs to uid 65534"):
        prepare_socket_dir(theirs)


def test_the_socket_is_0600_in_a_0700_folder(pane: Pane) -> None:
    assert stat.S_IMODE(os.lstat(pane.path.parent).st_mode) == 0o700
    info = os.lstat(pane.path)
    assert stat.S_ISSOCK(info.st_mode) and stat.S_IMODE(info.st_mode) == 0o600
    assert ping(pane.path)


def test_a_live_pane_refuses_a_second_pane(pane: Pane) -> None:
    second = PaneServer(Broker(daytime_config(), pane.journal), pane.path)
    with pytest.raises(BrokerError, match=f"a pane is already running at {pane.path}"):
        pane.loop.run(second.start())
    assert ping(pane.path), "the first pane still answers"


def test_a_second_pane_is_refused_even_when_the_socket_file_was_removed(pane: Pane) -> None:
    os.unlink(pane.path)  # the lock, not the socket file, says a pane runs here
    second = PaneServer(Broker(daytime_config(), pane.journal), pane.path)
    with pytest.raises(BrokerError, match="already running"):
        pane.loop.run(second.start())


def test_a_stale_socket_is_replaced(folder: Path, tmp_path: Path) -> None:
    path = folder / "pane.sock"
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(path))  # a pane that crashed: the file stays, nobody listens
    dead.close()
    assert not ping(path)
    with pytest.raises(PaneUnavailable):
        submit_and_wait(request("x"), time.time() + 5, path)
    running = Pane(path, tmp_path / "journal.jsonl")
    try:
        assert ping(path)
    finally:
        running.close()


def test_a_file_that_is_not_a_socket_is_not_replaced(folder: Path, tmp_path: Path) -> None:
    path = folder / "pane.sock"
    path.write_text("mine")
    with pytest.raises(BrokerError, match="is not a socket"):
        Pane(path, tmp_path / "journal.jsonl")
    assert path.read_text() == "mine"


def test_stopping_removes_the_socket(pane: Pane) -> None:
    pane.stop()
    assert not pane.path.exists() and not ping(pane.path)
    with pytest.raises(PaneUnavailable, match="no approve pane is running"):
        submit_and_wait(request("x"), time.time() + 5, pane.path)


def test_a_socket_path_too_long_for_af_unix_is_refused(folder: Path) -> None:
    path = folder / ("d" * 120) / "pane.sock"
    with pytest.raises(PaneUnavailable, match="longer than"):
        submit_and_wait(request("x"), time.time() + 5, path)
    server = PaneServer(Broker(daytime_config(), None), path)
    with pytest.raises(BrokerError, match="longer than"):
        asyncio.run(server.start())


# ------------------------------------------------------------------ a hook and the human


def test_the_hook_gets_the_humans_verdict(pane: Pane) -> None:
    hook = Hook(pane, "Bash: rm -rf build")
    pane.wait_for(lambda: len(pane.broker.pending()) == 1)
    (request_id,) = pane.pending_ids()
    assert pane.approve_as_local(request_id) == "decided"
    verdict, reason = hook.outcome()
    assert verdict == "approved" and ME in reason
    (record,) = records(pane)
    assert record["verdict"] == "approved" and record["origin"]["agent"] == "claude"


def test_the_hook_gets_timeout_when_nobody_decides_before_its_deadline(pane: Pane) -> None:
    started = time.monotonic()
    verdict, reason = Hook(pane, "nobody looks", deadline_s=0.3).outcome()
    assert verdict == "timeout" and "deadline" in reason
    assert time.monotonic() - started < 5
    (record,) = records(pane)
    assert record["verdict"] == "timeout" and record["reviewers"] == []
    assert pane.pending_ids() == []


def test_a_requester_that_disconnects_is_journaled_as_timeout_and_leaves_the_queue(
    pane: Pane,
) -> None:
    client = RawClient(pane.path)
    queued = client.ask(submit_message("rm -rf build", "left early"))
    assert queued["type"] == "queued"
    pane.wait_for(lambda: len(pane.broker.pending()) == 1)
    client.close()
    pane.wait_for(lambda: pane.broker.pending() == ())
    (record,) = records(pane)
    assert (record["title"], record["verdict"], record["reviewers"]) == (
        "left early",
        "timeout",
        [],
    )
    assert record["reason"] == "the hook disconnected before a decision"
    assert record["request_id"] == queued["id"]


def test_hooks_waiting_when_the_pane_stops_all_get_an_error(pane: Pane) -> None:
    hooks = [Hook(pane, f"waiting {n}") for n in range(10)]
    pane.wait_for(lambda: len(pane.broker.pending()) == 10)
    pane.stop("closed by the test")
    for hook in hooks:
        verdict, reason = hook.outcome()
        assert verdict == "error" and reason.startswith("the approve pane stopped")
    journaled = records(pane)
    assert len(journaled) == 10 and {r["verdict"] for r in journaled} == {"error"}
    assert verify(pane.journal).ok


def test_fifty_hooks_times_four_requests_each_get_exactly_one_decision(pane: Pane) -> None:
    broker = pane.broker
    verdicts_given: dict[str, str] = {}

    async def reviewer() -> None:
        # The pane's own reviewer, scripted: approve what one person may, reject the rest.
        while len(verdicts_given) < 200:
            for pending in broker.pending():
                friction = broker.friction_for(pending, broker.reviewer)
                approve = pending.needed == 1 and int(pending.id, 16) % 3 != 0
                decision = read_and_approve(
                    friction, broker.clock(), "approved" if approve else "rejected"
                )
                result = broker.record_verdict(
                    pending.id, broker.reviewer, decision, station_key="local"
                )
                if result.state != "decided":
                    rejected = read_and_approve(friction, broker.clock(), "rejected")
                    result = broker.record_verdict(
                        pending.id, broker.reviewer, rejected, station_key="local"
                    )
                assert result.state == "decided" and result.verdict is not None
                assert pending.title not in verdicts_given, "decided twice"
                verdicts_given[pending.title] = result.verdict
            await asyncio.sleep(0.002)

    scripted = asyncio.run_coroutine_threadsafe(reviewer(), pane.loop.loop)
    got: dict[str, tuple[str, str]] = {}
    failures: list[BaseException] = []

    def hook(number: int) -> None:
        try:
            for turn in range(4):
                title = f"hook {number} request {turn}"
                text = f"rm -rf build/{number}/{turn}"
                got[title] = submit_and_wait(request(title, text), time.time() + 120, pane.path)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=hook, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    scripted.result(timeout=30)
    assert failures == []
    assert len(got) == 200
    assert {title: verdict for title, (verdict, _) in got.items()} == verdicts_given
    assert set(verdicts_given.values()) == {"approved", "rejected"}
    journaled = records(pane)
    assert len(journaled) == 200
    assert {r["title"]: r["verdict"] for r in journaled} == verdicts_given
    check = verify(pane.journal)
    assert check.ok and check.records == 200
    assert pane.pending_ids() == []


# ------------------------------------------------------------------ roles


def test_a_requester_can_neither_approve_nor_open_nor_join(pane: Pane) -> None:
    mine, other = RawClient(pane.path), RawClient(pane.path)
    my_id = mine.ask(submit_message("rm -rf build", "mine"))["id"]
    other_id = other.ask(submit_message("rm -rf data", "theirs"))["id"]
    pane.wait_for(lambda: len(pane.broker.pending()) == 2)
    approve = {"verdict": "approved", "decision": {"gates_passed": ["read", "visit"]}}
    for request_id in (my_id, other_id):
        answer = mine.ask({"type": "verdict", "id": request_id, **approve})
        assert answer["type"] == "error" and "requester" in answer["reason"]
        answer = mine.ask({"type": "open", "id": request_id})
        assert answer["type"] == "error" and "text" not in json.dumps(answer)
    answer = mine.ask({"type": "join", "code": CODE, "name": "agent"})
    assert answer["type"] == "error" and "cannot join" in answer["reason"]
    assert mine.ask({"type": "ping"}) == {"v": 1, "type": "pong"}
    assert pane.pending_ids() == [my_id, other_id]
    assert pane.loop.call(lambda: [p.approvals for p in pane.broker.pending()]) == [[], []]
    assert pane.loop.call(lambda: len(pane.broker.stations())) == 1
    mine.close()
    other.close()


def test_a_station_without_the_pairing_code_cannot_approve(pane: Pane) -> None:
    hook = RawClient(pane.path)
    request_id = hook.ask(submit_message("rm -rf build", "x"))["id"]
    intruder = RawClient(pane.path)
    verdict = {"type": "verdict", "id": request_id, "verdict": "approved", "decision": {}}
    answer = intruder.ask(verdict)
    assert answer["type"] == "error" and "join with the pairing code" in answer["reason"]
    answer = intruder.ask({"type": "open", "id": request_id})
    assert answer["type"] == "error"
    for attempt in range(3):
        answer = intruder.ask({"type": "join", "code": "000-000", "name": "guess"})
        assert answer["type"] == "error" and "wrong pairing code" in answer["reason"]
        if attempt < 2:
            assert intruder.ask(verdict)["type"] == "error"
    assert "closing the connection" in answer["reason"]
    assert intruder.closed_by_peer()
    assert pane.pending_ids() == [request_id]
    assert pane.loop.call(lambda: pane.broker.get(request_id).approvals) == []
    intruder.close()
    hook.close()


def test_a_station_cannot_submit(pane: Pane) -> None:
    station = RawClient(pane.path)
    assert station.ask({"type": "join", "code": CODE})["type"] == "joined"
    assert station.receive()["type"] == "queue"
    answer = station.ask(submit_message("rm -rf build", "self-serve"))
    assert answer["type"] == "error" and "station cannot submit" in answer["reason"]
    assert pane.pending_ids() == []
    station.close()


# ------------------------------------------------------------------ bad messages


BAD_LINES = [
    (b"not json\n", "not valid JSON"),
    (b"[1, 2]\n", "not a JSON object"),
    (b'"text"\n', "not a JSON object"),
    (b"\xff\xfe\n", "not UTF-8"),
    (b'{"type": "ping"}\n', "version None"),
    (b'{"v": 2, "type": "ping"}\n', "version 2"),
    (b'{"v": "1", "type": "ping"}\n', "version '1'"),
    (b'{"v": 1}\n', 'no "type"'),
    (b'{"v": 1, "type": "frobnicate"}\n', "unknown message type"),
    (b'{"v": 1, "type": "decision", "id": "x", "verdict": "approved"}\n', "pane sends"),
    (b'{"v": 1, "type": "submit"}\n', '"request" must be an object'),
    (b'{"v": 1, "type": "submit", "request": {"text": 5}, "deadline": 1}\n', '"text"'),
    (b'{"v": 1, "type": "submit", "request": {"text": "ls"}, "deadline": NaN}\n', "JSON"),
    (
        b'{"v": 1, "type": "submit", "request": {"text": "ls", "kind": "?"}, "deadline": 1}\n',
        "kind",
    ),
]


def test_malformed_and_wrong_version_messages_get_an_error_and_leave_the_queue_alone(
    pane: Pane,
) -> None:
    hook = Hook(pane, "waits through the noise")
    pane.wait_for(lambda: len(pane.broker.pending()) == 1)
    before = pane.pending_ids()
    noisy = RawClient(pane.path)
    for line, says in BAD_LINES:
        noisy.send(line)
        answer = noisy.receive()
        assert answer["type"] == "error" and says in answer["reason"], (line, answer)
    assert noisy.ask({"type": "ping"})["type"] == "pong", "the connection still works"
    assert pane.pending_ids() == before
    assert pane.approve_as_local(before[0]) == "decided"
    assert hook.outcome()[0] == "approved"
    assert len(records(pane)) == 1
    noisy.close()


def test_an_oversized_message_gets_an_error_and_its_connection_closes(pane: Pane) -> None:
    hook = Hook(pane, "waits")
    pane.wait_for(lambda: len(pane.broker.pending()) == 1)
    big = RawClient(pane.path, timeout=30)
    head = b'{"v": 1, "type": "ping", "pad": "'
    # The pane stops reading once the line is over the limit, so the send may fail half-way.
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        big.send(head + b"x" * MAX_MESSAGE_BYTES + b'"}\n')
    answer = big.receive()
    assert answer["type"] == "error" and "over the 10 MB limit" in answer["reason"]
    assert big.closed_by_peer()
    big.close()
    assert len(pane.pending_ids()) == 1
    assert pane.approve_as_local(pane.pending_ids()[0]) == "decided"
    assert hook.outcome()[0] == "approved"


def test_a_message_just_under_the_limit_is_accepted(pane: Pane) -> None:
    client = RawClient(pane.path, timeout=30)
    head = b'{"v": 1, "type": "ping", "pad": "'
    client.send(head + b"x" * (MAX_MESSAGE_BYTES - len(head) - 2) + b'"}\n')
    assert client.receive()["type"] == "pong"
    client.close()


def test_a_request_too_large_for_the_pane_is_left_to_the_popup(pane: Pane) -> None:
    huge = Request(text="x" * (MAX_MESSAGE_BYTES + 1), kind="text")
    with pytest.raises(PaneUnavailable, match="over the pane's 10 MB limit"):
        submit_and_wait(huge, time.time() + 5, pane.path)


# ------------------------------------------------------------------ stations


def _station_flow(pane: Pane, names: tuple[str, str]) -> dict[str, Any]:
    """Two stations join; each opens the hook's request and approves it; what they saw."""

    async def flow() -> dict[str, Any]:
        pushes: list[dict[str, Any]] = []
        first = StationClient(pane.path, CODE, names[0], on_push=pushes.append)
        second = StationClient(pane.path, CODE, names[1])
        seen: dict[str, Any] = {"joined": [await first.connect(), await second.connect()]}
        request_id = pane.broker.pending()[0].id
        replies = []
        for station in (first, second):
            opened = await station.open(request_id)
            seen.setdefault("opened", []).append(opened)
            decision = read_and_approve(opened.friction, time.time())
            replies.append(await station.send_verdict(request_id, decision))
        seen["replies"] = replies
        await asyncio.sleep(0.05)  # let the last queue push arrive
        seen["pushes"] = list(pushes)
        await first.close()
        await second.close()
        return seen

    return pane.loop.run(flow())


def test_pair_review_over_the_socket_same_user_twice_is_one_person(
    folder: Path, tmp_path: Path
) -> None:
    pane = Pane(folder / "pane.sock", tmp_path / "journal.jsonl", pair=True)
    try:
        hook = Hook(pane, "Bash: rm -rf build")
        pane.wait_for(lambda: len(pane.broker.pending()) == 1)
        seen = _station_flow(pane, ("Bob", "Carol"))
        assert [(r.user, r.name) for r in seen["joined"]] == [(ME, "Bob"), (ME, "Carol")]
        opened = seen["opened"][0]
        assert opened.request.title == "Bash: rm -rf build" and opened.needed == 2
        assert opened.assessment.tier.label == "high" and "read" in opened.friction.gates
        first, second = seen["replies"]
        assert first.state == "waiting" and first.counted and first.needed_more == 1
        assert second.state == "waiting" and not second.counted
        assert "same Unix user counts once" in second.message
        items = [queue_items(p) for p in seen["pushes"] if p["type"] == "queue"]
        assert items[-1][0].approvals == (f"Bob ({ME})",) and items[-1][0].needed_more == 1
        assert hook.is_alive(), "one person's approval is not enough"
        request_id = pane.pending_ids()[0]
        decision = Decision(verdict="rejected", reason="no", decided_at=time.time())
        pane.loop.call(
            pane.broker.record_verdict,
            request_id,
            pane.broker.reviewer,
            decision,
            station_key="local",
        )
        assert hook.outcome()[0] == "rejected"
    finally:
        pane.close()


def test_pair_review_over_the_socket_with_same_user_pairs_allowed(
    folder: Path, tmp_path: Path
) -> None:
    config = daytime_config("allow_same_user_pairs: true\n")
    pane = Pane(folder / "pane.sock", tmp_path / "journal.jsonl", pair=True, config=config)
    try:
        hook = Hook(pane, "Bash: rm -rf build")
        pane.wait_for(lambda: len(pane.broker.pending()) == 1)
        seen = _station_flow(pane, ("Bob", "Carol"))
        first, second = seen["replies"]
        assert first.state == "waiting" and second.state == "decided"
        assert second.verdict == "approved"
        verdict, reason = hook.outcome()
        assert verdict == "approved" and "Bob" in reason and "Carol" in reason
        (record,) = records(pane)
        assert [(a["reviewer"], a["counted"]) for a in record["approvals"]] == [
            ("Bob", True),
            ("Carol", True),
        ]
    finally:
        pane.close()


def test_a_station_with_a_wrong_code_is_refused(pane: Pane) -> None:
    async def join() -> None:
        await StationClient(pane.path, "999-999", "mallory").connect()

    with pytest.raises(BrokerError, match="wrong pairing code"):
        pane.loop.run(join())


def test_a_station_with_no_pane_is_told_so(folder: Path) -> None:
    async def join() -> None:
        await StationClient(folder / "pane.sock", CODE).connect()

    with pytest.raises(PaneUnavailable, match="no approve pane"):
        asyncio.run(join())


def test_a_station_learns_that_the_pane_stopped(pane: Pane) -> None:
    async def join() -> StationClient:
        station = StationClient(pane.path, CODE, "Bob")
        await station.connect()
        return station

    station = pane.loop.run(join())

    async def drain() -> list[dict[str, Any]]:
        return [push async for push in station]

    pushes = asyncio.run_coroutine_threadsafe(drain(), pane.loop.loop)
    pane.stop()
    got = pushes.result(timeout=10)
    assert got[0]["type"] == "queue" and got[-1]["type"] == "closed"
    assert station.closed_reason == "the approve pane stopped"
    with pytest.raises(BrokerError):
        pane.loop.run(station.open("anything"))
    pane.loop.run(station.close())


def test_a_verdict_on_a_decided_request_is_an_error(pane: Pane) -> None:
    hook = Hook(pane, "once")
    pane.wait_for(lambda: len(pane.broker.pending()) == 1)
    request_id = pane.pending_ids()[0]

    async def twice() -> tuple[Any, BaseException]:
        station = StationClient(pane.path, CODE, "Bob")
        await station.connect()
        opened = await station.open(request_id)
        first = await station.send_verdict(
            request_id, read_and_approve(opened.friction, time.time())
        )
        try:
            await station.send_verdict(request_id, read_and_approve(opened.friction, time.time()))
        except BrokerError as error:
            await station.close()
            return first, error
        raise AssertionError("a second verdict was accepted")

    first, error = pane.loop.run(twice())
    assert first.state == "decided" and "already decided" in str(error)
    assert hook.outcome()[0] == "approved" and len(records(pane)) == 1


# ------------------------------------------------------------------ other Unix users (root only)


def _as_nobody(work: Any) -> int:
    """Fork; the child becomes uid 65534 and runs WORK (which returns an exit status)."""
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        status = 1
        try:
            os.setgid(65534)
            os.setuid(65534)
            status = work()
        finally:
            os._exit(status)
    return child


def _exit_status(child: int) -> int:
    _, status = os.waitpid(child, 0)
    return os.waitstatus_to_exitcode(status)


@as_root
def test_a_station_of_another_unix_user_is_a_second_person(folder: Path, tmp_path: Path) -> None:
    pane = Pane(folder / "pane.sock", tmp_path / "journal.jsonl", pair=True)
    try:
        os.chmod(folder, 0o711)  # let the other user reach the socket, for this test only
        os.chmod(pane.path, 0o666)
        hook = Hook(pane, "Bash: rm -rf build")
        pane.wait_for(lambda: len(pane.broker.pending()) == 1)
        request_id = pane.pending_ids()[0]
        assert pane.approve_as_local(request_id) == "waiting"
        reply_read, reply_write = os.pipe()

        def partner() -> int:
            client = RawClient(pane.path)
            joined = client.ask({"type": "join", "code": CODE, "name": "Nora"})
            client.receive()  # the queue
            opened = client.ask({"type": "open", "id": request_id})
            friction = opened["friction"]
            now = time.time()
            evidence = {
                "reason": "read it",
                "shown_at": now - friction["reading_floor_s"] - 1,
                "decided_at": now,
                "gates_passed": [g for g in friction["gates"] if g not in ("second", "defer")],
                "challenge_ok": True,
            }
            answer = client.ask(
                {"type": "verdict", "id": request_id, "verdict": "approved", "decision": evidence}
            )
            os.write(reply_write, json.dumps([joined, answer]).encode())
            return 0

        child = _as_nobody(partner)
        assert _exit_status(child) == 0
        os.close(reply_write)
        with os.fdopen(reply_read) as handle:
            joined, answer = json.loads(handle.read())
        assert joined["reviewer"] == {"user": "nobody", "name": "Nora"}
        assert answer["type"] == "verdict-ok" and answer["verdict"] == "approved"
        assert hook.outcome()[0] == "approved"
        (record,) = records(pane)
        assert record["reviewers"] == [ME, "nobody"]
    finally:
        pane.close()


@as_root
def test_the_hook_never_trusts_a_pane_run_by_another_user(folder: Path) -> None:
    os.chmod(folder, 0o777)
    path = folder / "pane.sock"
    ready_read, ready_write = os.pipe()

    def impostor() -> int:
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(str(path))
        os.chmod(path, 0o666)
        server.listen(1)
        server.settimeout(10)
        os.write(ready_write, b"ready")
        connection, _ = server.accept()
        connection.settimeout(10)
        connection.recv(65536)
        for message in ({"type": "queued", "id": "a"}, {"type": "decision", "id": "a"}):
            answer = {"v": 1, **message, "verdict": "approved", "reason": "trust me"}
            connection.sendall(json.dumps(answer).encode() + b"\n")
        time.sleep(0.5)
        return 0

    child = _as_nobody(impostor)
    os.close(ready_write)
    assert os.read(ready_read, 5) == b"ready"
    os.close(ready_read)
    try:
        with pytest.raises(BrokerError, match="served by uid 65534") as caught:
            submit_and_wait(request("x"), time.time() + 5, path)
        assert not isinstance(caught.value, PaneUnavailable), "the hook must deny, not fall back"
        assert not ping(path)
    finally:
        os.kill(child, 9)
        _exit_status(child)


def test_importing_the_broker_leaves_asyncio_and_the_analyzers_unloaded() -> None:
    import subprocess
    import sys

    script = (
        "import sys, approve.broker as b\n"
        "heavy = [m for m in ('asyncio', 'approve.analyze', 'approve.broker.state', 'yaml')"
        " if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "assert b.Broker.__name__ == 'Broker' and b.PaneServer.__name__ == 'PaneServer'\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)


def test_a_station_approving_too_fast_is_sent_back_one_rung_higher(pane: Pane) -> None:
    hook = Hook(pane, "hasty")
    pane.wait_for(lambda: len(pane.broker.pending()) == 1)
    request_id = pane.pending_ids()[0]

    async def hasty() -> tuple[Any, Any]:
        station = StationClient(pane.path, CODE, "Bob")
        await station.connect()
        opened = await station.open(request_id)
        now = time.time()
        decision = dataclasses.replace(read_and_approve(opened.friction, now), shown_at=now - 0.2)
        reply = await station.send_verdict(request_id, decision)
        await station.close()
        return opened, reply

    opened, reply = pane.loop.run(hasty())
    assert reply.state == "refused" and "approved in 0.2 s" in reply.message
    assert reply.friction is not None and reply.friction.rung == opened.friction.rung + 1
    assert hook.is_alive() and pane.pending_ids() == [request_id]
    (record,) = records(pane)
    assert record["verdict"] == "too-fast"
    pane.loop.call(pane.broker.cancel, request_id, "test over")
    assert hook.outcome()[0] == "timeout"
