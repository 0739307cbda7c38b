"""Pair review across Unix users: the station socket a pane serves for a group (pair_group).

The pane's own socket stays private (0700 folder, 0600 socket) for hooks; members of the group
join at a second socket (0750 folder, 0660 socket, both of that group) that takes stations only.
As root, a real second user (nobody, in the group nogroup) joins and approves: two Unix users
are two people without allow_same_user_pairs.
"""

from __future__ import annotations

import os
import socket
import stat
import time
from pathlib import Path
from typing import Any

import pytest
from broker_helpers import LoopThread, RawClient, daytime_config, read_and_approve, short_dir

from approve.broker.protocol import decision_to_wire, friction_from_wire
from approve.broker.server import PaneServer
from approve.broker.state import Broker
from approve.journal import iter_records
from approve.model import Request

CODE = "161-803"


def serve(broker: Broker, loop: LoopThread, path: Path, group: int | None) -> PaneServer:
    server = PaneServer(broker, path, expire_every=0.1, group=group)
    loop.run(server.start())
    return server


def test_the_station_socket_is_the_groups_and_takes_no_requests(tmp_path: Path) -> None:
    loop = LoopThread()
    broker = Broker(daytime_config(), tmp_path / "journal.jsonl", pairing_code=CODE)
    group = os.getgid()
    folder = short_dir()
    server = serve(broker, loop, folder / "pair" / "pane.sock", group)
    try:
        folder_info = os.stat(server.path.parent)
        socket_info = os.stat(server.path)
        assert stat.S_IMODE(folder_info.st_mode) == 0o750 and folder_info.st_gid == group
        assert stat.S_IMODE(socket_info.st_mode) == 0o660 and socket_info.st_gid == group
        client = RawClient(server.path)
        refused = client.ask(
            {
                "v": 1,
                "type": "submit",
                "request": {"text": "rm -rf /srv", "kind": "shell", "title": None, "origin": {}},
                "deadline": time.time() + 60,
            }
        )
        assert refused["type"] == "error" and "stations" in refused["reason"]
        joined = client.ask({"v": 1, "type": "join", "code": CODE, "name": "bob"})
        assert joined["type"] == "joined"
        client.close()
        assert loop.call(broker.pending) == ()
    finally:
        loop.run(server.stop())
        loop.close()


def test_an_existing_group_folder_open_to_others_is_refused() -> None:
    from approve.broker.protocol import BrokerError, prepare_socket_dir

    folder = short_dir() / "open"
    folder.mkdir()
    os.chmod(folder, 0o777)  # as if someone else could have planted a socket in it
    with pytest.raises(BrokerError, match="open to others"):
        prepare_socket_dir(folder, os.getgid())
    os.chmod(folder, 0o750)
    prepare_socket_dir(folder, os.getgid())  # the same folder, private to the group: fine


# A station as another Unix user. The kernel records a socket's peer credentials when it
# connects, so a child process drops to nobody:nogroup, connects, hands the connected socket
# back (SCM_RIGHTS) and exits; the test then speaks for that station. (Running Python itself as
# nobody is not possible everywhere: the interpreter may live under a private home.)


def connect_as_nobody(path: Path) -> socket.socket:
    """A socket connected to PATH by nobody:nogroup; the OSError nobody got, raised here."""
    parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    pid = os.fork()
    if pid == 0:  # the child: only plain system calls, then leave without cleanup
        try:
            parent.close()
            os.setgroups([NOGROUP])
            os.setgid(NOGROUP)
            os.setuid(NOBODY)
            station = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                station.connect(str(path))
            except OSError as error:
                child.sendall(b"E%d" % error.errno)
            else:
                socket.send_fds(child, [b"K"], [station.fileno()])
        finally:
            os._exit(0)
    child.close()
    message, fds, _, _ = socket.recv_fds(parent, 16, 1)
    os.waitpid(pid, 0)
    parent.close()
    if message.startswith(b"E"):
        number = int(message[1:])
        raise OSError(number, os.strerror(number))
    assert message == b"K" and fds, "the child could not connect"
    return socket.socket(fileno=fds[0])


NOBODY = NOGROUP = 65534


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to connect as another user")
def test_a_member_of_the_group_joins_as_themselves_and_counts(tmp_path: Path) -> None:
    loop = LoopThread()
    journal = tmp_path / "journal.jsonl"
    broker = Broker(daytime_config(), journal, pair=True, pairing_code=CODE)
    folder = short_dir()
    os.chmod(folder, 0o755)  # nobody must reach the station folder inside it
    own = serve(broker, loop, folder / "own" / "pane.sock", None)
    stations = serve(broker, loop, folder / "pair" / "pane.sock", NOGROUP)
    answers: list[dict[str, Any]] = []
    try:
        request = Request(text="rm -rf /srv/app/cache", kind="shell")
        pending = loop.call(broker.submit, request, time.time() + 120, answers.append)
        friction = loop.call(broker.friction_for, pending, broker.reviewer)
        mine = read_and_approve(friction, time.time())
        first = loop.call(
            broker.record_verdict, pending.id, broker.reviewer, mine, station_key="local"
        )
        assert first.state == "waiting"
        with pytest.raises(PermissionError):  # the pane's own socket stays private
            connect_as_nobody(own.path)
        bob = RawClient.from_socket(connect_as_nobody(stations.path))
        joined = bob.ask({"type": "join", "code": CODE, "name": "bob"})
        assert joined["type"] == "joined" and joined["reviewer"]["user"] == "nobody"
        opened = bob.ask({"type": "open", "id": pending.id})
        assert opened["type"] == "request"
        theirs = read_and_approve(friction_from_wire(opened["friction"]), time.time())
        reply = bob.ask(
            {
                "type": "verdict",
                "id": pending.id,
                "verdict": "approved",
                "decision": decision_to_wire(theirs),
            }
        )
        assert reply["type"] == "verdict-ok" and reply["verdict"] == "approved", reply
        assert [m["verdict"] for m in answers if m["type"] == "decision"] == ["approved"]
        bob.close()
    finally:
        loop.run(stations.stop())
        loop.run(own.stop())
        loop.close()
    (record,) = iter_records(journal)
    assert record["verdict"] == "approved"
    assert [a["user"] for a in record["approvals"]] == [broker.reviewer.user, "nobody"]
    assert all(a["counted"] for a in record["approvals"])
