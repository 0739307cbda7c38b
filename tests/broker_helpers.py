"""Shared by the broker tests: an event loop in a thread, a pane on a real socket, raw clients."""

from __future__ import annotations

import asyncio
import atexit
import json
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from approve.broker import Broker, PaneServer
from approve.config import Config, config_from_text
from approve.history import Reviewer
from approve.model import Decision, Friction

T = TypeVar("T")

# The policy and the fatigue test read the local time; these tests must not depend on when they
# run. A fixed-offset zone that puts the real clock near noon keeps the real clock (which the
# journal, deadlines and history share) and a daytime reviewer at once.


def daytime_config(extra: str = "") -> Config:
    hour = datetime.now(UTC).hour
    offset = (12 - hour + 12) % 24 - 12  # -12..11 hours from UTC
    zone = "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"  # Etc/GMT-3 is UTC+3
    return config_from_text(f"timezone: {zone}\n{extra}", "test")


def short_dir() -> Path:
    """A private folder with a short path: AF_UNIX addresses hold only 107 bytes.

    Removed when the test run ends (the pane leaves its lock file behind by design)."""
    directory = Path(tempfile.mkdtemp(prefix="apv-", dir="/tmp"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    return directory


class LoopThread:
    """An asyncio loop running in a thread, for a server that blocking clients talk to."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a plain function in the loop's thread (where the broker lives)."""

        async def wrapped() -> T:
            return function(*args, **kwargs)

        return self.run(wrapped())

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


class Pane:
    """A Broker served on a real socket in a loop thread."""

    def __init__(
        self,
        path: Path,
        journal: Path,
        *,
        config: Config | None = None,
        pair: bool = False,
        code: str = "123-456",
    ) -> None:
        self.path = path
        self.journal = journal
        self.loop = LoopThread()
        self.broker = Broker(config or daytime_config(), journal, pair=pair, pairing_code=code)
        self.server = PaneServer(self.broker, path, expire_every=0.05)
        self.loop.run(self.server.start())

    def stop(self, why: str = "") -> None:
        self.loop.run(self.server.stop(why))

    def close(self) -> None:
        try:
            self.stop()
        finally:
            self.loop.close()

    def pending_ids(self) -> list[str]:
        return self.loop.call(lambda: [p.id for p in self.broker.pending()])

    def wait_for(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait until CONDITION (run in the loop thread) holds."""
        give_up = time.monotonic() + timeout
        while not self.loop.call(condition):
            if time.monotonic() > give_up:
                raise AssertionError("timed out waiting for the pane")
            time.sleep(0.01)

    def approve_as_local(self, request_id: str) -> str:
        """The pane's own reviewer reads and approves, passing every gate their friction asks."""

        def act() -> str:
            broker = self.broker
            pending = broker.get(request_id)
            friction = broker.friction_for(pending, broker.reviewer)
            result = broker.record_verdict(
                request_id,
                broker.reviewer,
                read_and_approve(friction, broker.clock()),
                station_key="local",
            )
            return result.state

        return self.loop.call(act)


def read_and_approve(friction: Friction, now: float, verdict: str = "approved") -> Decision:
    """A reviewer who took the reading time and passed every gate they could."""
    gates = tuple(g for g in friction.gates if g not in ("second", "defer"))
    return Decision(
        verdict=verdict,
        reason=f"{verdict} in a test",
        shown_at=now - friction.reading_floor_s - 1.0,
        first_key_at=now - friction.reading_floor_s,
        decided_at=now,
        gates_passed=gates,
        challenge="retype the name" if "prove" in gates else None,
        challenge_ok=True if "prove" in gates else None,
        explanation="checked the plan against the ticket" if "explain" in gates else None,
    )


def reject(now: float) -> Decision:
    return Decision(verdict="rejected", reason="not today", shown_at=now - 1, decided_at=now)


class RawClient:
    """A blocking client that speaks the wire protocol by hand."""

    def __init__(self, path: Path, timeout: float = 5.0) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(str(path))
        self.buffer = b""

    @classmethod
    def from_socket(cls, sock: socket.socket, timeout: float = 5.0) -> RawClient:
        """A client over a socket that is already connected (e.g. by another user's process)."""
        client = cls.__new__(cls)
        client.sock = sock
        client.sock.settimeout(timeout)
        client.buffer = b""
        return client

    def send(self, message: dict[str, Any] | bytes) -> None:
        if isinstance(message, dict):
            message = json.dumps({"v": 1, **message}).encode() + b"\n"
        self.sock.sendall(message)

    def receive(self) -> dict[str, Any]:
        while b"\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("the pane closed the connection")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        message = json.loads(line)
        assert isinstance(message, dict)
        return message

    def ask(self, message: dict[str, Any]) -> dict[str, Any]:
        """Send MESSAGE and return the reply to it (queue pushes in between are skipped)."""
        self.send(message)
        while True:
            answer = self.receive()
            if answer["type"] != "queue":
                return answer

    def closed_by_peer(self) -> bool:
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True

    def close(self) -> None:
        self.sock.close()


def submit_message(text: str, title: str, deadline: float | None = None) -> dict[str, Any]:
    return {
        "type": "submit",
        "request": {
            "text": text,
            "kind": "shell",
            "title": title,
            "origin": {"source": "hook", "agent": "claude", "session_id": "s1"},
        },
        "deadline": deadline if deadline is not None else time.time() + 60,
    }


REVIEWER_BOB = Reviewer(user="bob", name="Bob")
