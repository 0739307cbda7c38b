"""The pane's Unix socket: asyncio around a Broker, one task per connection.

Every connection takes one role with its first role message: a requester (it submitted; it may
submit more and ping, nothing else) or a station (it joined with the pairing code; it may open
requests and give verdicts). Messages a role may not send, and anything malformed, get an
`error` reply and change nothing. A line over MAX_MESSAGE_BYTES gets an error and the connection
is closed, since where the next message starts is lost. A requester that disconnects while
waiting gives up its requests (journaled as timeouts); a station that leaves leaves its
approvals behind. Joined stations get the queue pushed to them whenever it changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import itertools
import os
import socket
import stat
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from approve.broker.protocol import (
    MAX_MESSAGE_BYTES,
    BrokerError,
    ProtocolError,
    assessment_to_wire,
    check_socket_path,
    decision_from_wire,
    decode,
    default_socket_path,
    encode,
    error_message,
    friction_to_wire,
    number_field,
    object_field,
    peer_credentials,
    prepare_socket_dir,
    request_from_wire,
    request_to_wire,
    required_text,
    text_field,
    user_name,
)
from approve.broker.state import Broker, Pending, VerdictResult
from approve.errors import reason as error_reason
from approve.history import Reviewer
from approve.model import Assessment, Request

EXPIRE_EVERY_S = 0.5
WRONG_CODES_PER_CONNECTION = 3
MAX_NAME_CHARS = 40
# A station that stops reading is dropped before its unsent messages eat the pane's memory.
MAX_UNSENT_BYTES = 4 * MAX_MESSAGE_BYTES
STATION_ONLY = frozenset({"open", "verdict"})
PANE_ONLY = frozenset(
    {"queued", "decision", "pong", "joined", "queue", "request", "verdict-ok", "verdict-refused"}
)


@dataclass(eq=False)
class _Connection:
    key: str
    writer: asyncio.StreamWriter
    uid: int
    role: str | None = None  # "requester" | "station"
    reviewer: Reviewer | None = None
    waiting: set[str] = field(default_factory=set)
    wrong_codes: int = 0

    def send(self, message: dict[str, Any]) -> None:
        transport = self.writer.transport
        if transport.is_closing():
            return
        if transport.get_write_buffer_size() > MAX_UNSENT_BYTES:
            transport.abort()
            return
        self.writer.write(encode(message))


class PaneServer:
    """Serves a Broker on a Unix socket. `await start()`, then `await stop()` (or `async with`).

    Runs on the event loop that calls start(); the broker must be used from that loop only.
    """

    def __init__(
        self,
        broker: Broker,
        path: Path | None = None,
        *,
        expire_every: float = EXPIRE_EVERY_S,
        group: int | None = None,
    ) -> None:
        """GROUP (a gid) makes this a station socket for pair review across users: that group
        may connect (folder 0750, socket 0660), and it takes no requests, only stations; the
        hooks keep the private socket of another PaneServer on the same broker."""
        self.broker = broker
        self.path = path or default_socket_path()
        self.expire_every = expire_every
        self.group = group
        self._server: asyncio.Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock_fd: int | None = None
        self._socket_id: tuple[int, int] | None = None
        self._connections: set[_Connection] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._timer: asyncio.Task[None] | None = None
        self._analyzer: ThreadPoolExecutor | None = None
        self._keys = itertools.count(1)
        self._push_due = False
        self._stopping = False

    async def __aenter__(self) -> PaneServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ life

    async def start(self) -> None:
        """Bind the socket (refusing a folder that is not private, or a live pane already
        there) and start serving. BrokerError says what is wrong."""
        self._loop = asyncio.get_running_loop()
        check_socket_path(self.path)
        prepare_socket_dir(self.path.parent, self.group)
        self._lock_fd = _take_lock(self.path)
        try:
            _clear_stale(self.path)
            sock = _bind(self.path, self.group)
            info = os.stat(self.path)
            self._socket_id = (info.st_dev, info.st_ino)
            # One analysis at a time, off the loop: a 10 MB plan must not freeze the pane.
            self._analyzer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="approve-analyze")
            self._server = await asyncio.start_unix_server(
                self._serve, sock=sock, limit=MAX_MESSAGE_BYTES
            )
        except BaseException:
            self._release()
            raise
        self.broker.add_listener(self._queue_changed)
        self._timer = asyncio.create_task(self._expire_loop())

    async def stop(self, why: str = "") -> None:
        """Stop: every waiting requester gets `error`, stations are told, the socket goes."""
        if self._stopping:
            return
        self._stopping = True
        if self._server is not None:
            self._server.close()
        if self._timer is not None:
            self._timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._timer
        self.broker.remove_listener(self._queue_changed)
        self.broker.close(why)  # answers every waiting requester before their connections close
        for connection in list(self._connections):
            if connection.role == "station":
                connection.send({"type": "closed", "reason": "the approve pane stopped"})
            connection.writer.close()
        if self._tasks:
            _, still = await asyncio.wait(set(self._tasks), timeout=2.0)
            for task in still:
                task.cancel()
            if still:
                await asyncio.wait(still, timeout=1.0)
        self._release()

    def _release(self) -> None:
        if self._socket_id is not None:
            with contextlib.suppress(OSError):
                info = os.lstat(self.path)
                if (info.st_dev, info.st_ino) == self._socket_id:  # still ours: remove it
                    os.unlink(self.path)
            self._socket_id = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the lock
            self._lock_fd = None
        if self._analyzer is not None:
            self._analyzer.shutdown(wait=False, cancel_futures=True)
            self._analyzer = None

    async def _expire_loop(self) -> None:
        while True:
            await asyncio.sleep(self.expire_every)
            with contextlib.suppress(Exception):
                self.broker.expire()

    # ------------------------------------------------------------------ queue pushes

    def _queue_changed(self) -> None:
        # Coalesced: a burst of changes sends one queue to each station. Thread-safe, in case
        # the pane's code changes the broker from elsewhere.
        if self._push_due or self._loop is None:
            return
        self._push_due = True
        self._loop.call_soon_threadsafe(self._push_queue)

    def _push_queue(self) -> None:
        self._push_due = False
        stations = [c for c in self._connections if c.role == "station"]
        if stations:
            message = queue_message(self.broker)
            for connection in stations:
                connection.send(message)

    # ------------------------------------------------------------------ one connection

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        connection = _Connection(f"s{next(self._keys)}", writer, _peer_uid(writer))
        self._connections.add(connection)
        try:
            await self._converse(connection, reader)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self._connections.discard(connection)
            if connection.role == "station":
                self.broker.leave(connection.key)
            for request_id in list(connection.waiting):
                self.broker.cancel(request_id, "the hook disconnected before a decision")
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), timeout=1.0)
            if task is not None:
                self._tasks.discard(task)

    async def _converse(self, connection: _Connection, reader: asyncio.StreamReader) -> None:
        while not self._stopping:
            try:
                line = await reader.readline()
            except ValueError:  # over the limit: asyncio dropped the buffer, framing is lost
                connection.send(
                    error_message(
                        f"message over the {MAX_MESSAGE_BYTES // (1024 * 1024)} MB limit: "
                        "closing the connection"
                    )
                )
                return
            if not line.endswith(b"\n"):
                return  # end of stream (a torn last line is not a message)
            if len(line) > MAX_MESSAGE_BYTES + 1:
                connection.send(error_message("message over the limit: closing the connection"))
                return
            try:
                message = decode(line)
            except ProtocolError as error:
                connection.send(error_message(str(error)))
                continue
            try:
                keep_going = await self._handle(connection, message)
            except ProtocolError as error:
                connection.send(error_message(str(error), about=message["type"]))
                continue
            if not keep_going:
                return

    async def _handle(self, connection: _Connection, message: dict[str, Any]) -> bool:
        """Answer one message; False when the connection must close."""
        kind = message["type"]
        if kind == "ping":
            connection.send({"type": "pong"})
        elif kind == "submit":
            await self._submit(connection, message)
        elif kind == "join":
            return self._join(connection, message)
        elif kind in STATION_ONLY:
            if connection.role != "station" or connection.reviewer is None:
                raise ProtocolError(
                    "only a reviewer station may do that: join with the pairing code first"
                    if connection.role is None
                    else "a requester connection can only submit requests and wait"
                )
            if kind == "open":
                self._open(connection, message)
            else:
                self._verdict(connection, message)
        elif kind in PANE_ONLY:
            raise ProtocolError(f"{kind!r} is a message the pane sends, not one it accepts")
        else:
            raise ProtocolError(f"unknown message type {kind!r}")
        return True

    async def _submit(self, connection: _Connection, message: dict[str, Any]) -> None:
        if connection.role == "station":
            raise ProtocolError("a station cannot submit requests")
        if self.group is not None:
            raise ProtocolError("this socket is for reviewer stations; hooks use the pane's own")
        request = request_from_wire(object_field(message, "request"))
        deadline = number_field(message, "deadline")
        assert deadline is not None
        connection.role = "requester"
        assessment, failure = await self._analyze(request)
        if deadline <= self.broker.clock():
            # The hook has given up (or is about to) and journals that itself: queueing it now
            # would journal the same request a second time.
            connection.send(error_message("the hook's deadline passed before the pane took it"))
            return

        def reply(answer: dict[str, Any]) -> None:
            if answer.get("type") == "decision":
                connection.waiting.discard(str(answer.get("id")))
            connection.send(answer)

        pending = self.broker.submit(
            request, deadline, reply, assessment=assessment, analysis_error=failure
        )
        if pending.verdict is None:
            connection.waiting.add(pending.id)

    async def _analyze(self, request: Request) -> tuple[Assessment | None, BaseException | None]:
        if self._analyzer is None or self._loop is None:
            return None, None  # the broker analyzes it itself
        try:
            return await self._loop.run_in_executor(self._analyzer, _analyze, request), None
        except RuntimeError:  # the executor is shut down: the pane is stopping
            return None, None
        except Exception as error:
            return None, error

    def _join(self, connection: _Connection, message: dict[str, Any]) -> bool:
        if connection.role == "requester":
            raise ProtocolError("a requester connection cannot join as a station")
        if connection.role == "station":
            raise ProtocolError("this station has already joined")
        code = required_text(message, "code", limit=64)
        name = (text_field(message, "name", optional=True, limit=MAX_NAME_CHARS) or "").strip()
        if name and not name.isprintable():
            raise ProtocolError('"name" must be printable text')
        reviewer = Reviewer(user=user_name(connection.uid), name=name or None)
        try:
            self.broker.join(connection.key, reviewer, code)
        except BrokerError as error:
            connection.wrong_codes += 1
            if connection.wrong_codes >= WRONG_CODES_PER_CONNECTION:
                connection.send(error_message(f"{error}; too many tries: closing the connection"))
                return False
            connection.send(error_message(str(error), about="join"))
            return True
        connection.role = "station"
        connection.reviewer = reviewer
        connection.send(
            {"type": "joined", "reviewer": {"user": reviewer.user, "name": reviewer.name}}
        )
        return True  # the join changed the broker: the queue push follows this reply

    def _open(self, connection: _Connection, message: dict[str, Any]) -> None:
        request_id = required_text(message, "id", limit=64)
        try:
            pending, friction = self.broker.open(request_id, connection.key)
        except Exception as error:  # unknown id, or the reviewer's history unreadable
            connection.send(error_message(error_reason(error), about="open", id=request_id))
            return
        connection.send(
            {
                "type": "request",
                "id": pending.id,
                "request": request_to_wire(pending.request),
                "assessment": assessment_to_wire(pending.assessment),
                "friction": friction_to_wire(friction),
                **_progress(pending),
            }
        )

    def _verdict(self, connection: _Connection, message: dict[str, Any]) -> None:
        assert connection.reviewer is not None
        request_id = required_text(message, "id", limit=64)
        verdict = required_text(message, "verdict", limit=32)
        evidence = message.get("decision") or {}
        if not isinstance(evidence, dict):
            raise ProtocolError('"decision" must be an object')
        decision = decision_from_wire(verdict, evidence)
        try:
            result = self.broker.record_verdict(
                request_id, connection.reviewer, decision, station_key=connection.key
            )
        except Exception as error:  # not waiting, or a journal that cannot be read: said
            connection.send(error_message(error_reason(error), about="verdict", id=request_id))
            return
        connection.send(verdict_reply(request_id, result))


# ------------------------------------------------------------------ messages the pane sends


def _progress(pending: Pending) -> dict[str, Any]:
    return {
        "needed": pending.needed,
        "needed_more": pending.needed_more,
        "approvals": [str(a.reviewer) for a in pending.counted],
        "not_counted": [
            {"reviewer": str(a.reviewer), "why_not": a.why_not}
            for a in pending.approvals
            if not a.counted
        ],
    }


def queue_message(broker: Broker) -> dict[str, Any]:
    """The `queue` push: every waiting request, oldest first, and who is reviewing."""
    now = broker.clock()
    items = [
        {
            "id": pending.id,
            "title": pending.title,
            "tier": pending.tier.label,
            "rung": pending.rung,
            "age_s": round(pending.age_s(now), 1),
            **_progress(pending),
        }
        for pending in broker.pending()
    ]
    stations = [str(station.reviewer) for station in broker.stations()]
    return {"type": "queue", "items": items, "stations": stations}


def verdict_reply(request_id: str, result: VerdictResult) -> dict[str, Any]:
    if result.state == "refused":
        return {
            "type": "verdict-refused",
            "id": request_id,
            "reason": result.message,
            "friction": friction_to_wire(result.friction) if result.friction else None,
        }
    return {
        "type": "verdict-ok",
        "id": request_id,
        "state": result.state,
        "verdict": result.verdict,
        "needed_more": result.needed_more,
        "counted": result.counted,
        "message": result.message,
    }


# ------------------------------------------------------------------ the socket file


def _analyze(request: Request) -> Assessment:
    from approve.analyze import analyze

    return analyze(request)


def _peer_uid(writer: asyncio.StreamWriter) -> int:
    sock = writer.get_extra_info("socket")
    try:
        return peer_credentials(sock)[1]
    except (OSError, AttributeError, TypeError):
        return -1  # unknown: named "uid-1", never equal to a real user


def _take_lock(path: Path) -> int:
    """Hold PATH.lock for as long as the pane runs: a second pane cannot start beside it, and
    two starting at once cannot both decide the socket is stale."""
    lock_path = path.with_name(path.name + ".lock")
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
    except OSError as error:
        raise BrokerError(f"cannot open {lock_path}: {error.strerror or error}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise BrokerError(f"a pane is already running at {path}") from None
    except OSError as error:
        os.close(fd)
        raise BrokerError(f"cannot lock {lock_path}: {error.strerror or error}") from None
    return fd


def _clear_stale(path: Path) -> None:
    """Remove a socket nobody listens on; BrokerError when a pane answers there."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(info.st_mode):
        raise BrokerError(f"{path} exists and is not a socket: remove it or choose another path")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.settimeout(1.0)
    try:
        probe.connect(str(path))
    except (ConnectionRefusedError, FileNotFoundError):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        return
    except TimeoutError:
        pass  # something listens there but is too busy to accept: treat it as alive
    except OSError as error:
        raise BrokerError(f"cannot check the socket {path}: {error.strerror or error}") from None
    finally:
        probe.close()
    raise BrokerError(f"a pane is already running at {path}")


def _bind(path: Path, group: int | None = None) -> socket.socket:
    """A listening socket at PATH, mode 0600 from its first moment (0660 for GROUP's stations,
    after its group is set: until then its group is ours, whose members may be other people)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        previous = os.umask(0o177)  # the socket is created 0600: no moment when others may connect
        try:
            sock.bind(str(path))
        finally:
            os.umask(previous)
        if group is not None:
            os.chown(path, -1, group)
        os.chmod(path, 0o600 if group is None else 0o660)
        sock.listen(128)
        sock.setblocking(False)
    except OSError as error:
        sock.close()
        raise BrokerError(f"cannot listen at {path}: {error.strerror or error}") from None
    return sock
