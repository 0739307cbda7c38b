"""The hook's side of the pane socket: submit one request and block until its decision.

Stdlib only (socket, json): it runs on the hook's path, where start-up time is the agent's
waiting time. Two kinds of failure, because the hook handles them differently:
PaneUnavailable (no pane answers, or it cannot take this request: ask another way, e.g. the
tmux popup) and BrokerError (a pane answered, then broke: deny).
"""

from __future__ import annotations

import os
import socket
import time

from approve.broker.protocol import (
    MAX_MESSAGE_BYTES,
    VERDICTS,
    BrokerError,
    PaneTimeout,
    PaneUnavailable,
    ProtocolError,
    check_socket_path,
    decode,
    default_socket_path,
    encode,
    peer_credentials,
    request_to_wire,
)

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from typing import Any

    from approve.model import Request

CONNECT_TIMEOUT_S = 2.0
# The pane answers `timeout` itself when the deadline passes (its timer runs every 0.5 s);
# waiting this much longer lets that answer arrive, so the pane's journal and ours agree.
DEADLINE_GRACE_S = 1.0
MAX_REPLY_BYTES = 1024 * 1024  # the pane's replies to a requester are a few hundred bytes


def submit_and_wait(
    request: Request,
    deadline: float,
    path: Path | None = None,
    *,
    grace: float = DEADLINE_GRACE_S,
    on_queued: Callable[[], None] | None = None,
) -> tuple[str, str]:
    """Send REQUEST to the pane at PATH and wait for the human's (verdict, reason).

    DEADLINE is in epoch seconds: the pane answers `timeout` when it passes, and this gives up
    GRACE seconds later (PaneTimeout). Verdicts: approved, rejected, deferred, timeout, error;
    only `approved` allows anything. ON_QUEUED is called once the pane has taken the request (it
    journals its outcome from then on, even if we go away). Raises PaneUnavailable when no pane answers (no socket,
    connection refused) or the request is too large for it, and BrokerError when a pane answered
    and then failed (closed mid-wait, broke the protocol): the hook then denies.
    """
    target = path or default_socket_path()
    line = encode({"type": "submit", "request": request_to_wire(request), "deadline": deadline})
    if len(line) > MAX_MESSAGE_BYTES:
        raise PaneUnavailable(
            f"the request is {len(line) / 1e6:.1f} MB, over the pane's "
            f"{MAX_MESSAGE_BYTES / 1e6:.0f} MB limit"
        )
    give_up_at = deadline + grace
    sock = _connect(target, min(CONNECT_TIMEOUT_S, max(0.05, give_up_at - time.time())))
    queued_id: str | None = None
    with sock:
        try:
            _send(sock, line, give_up_at)
            lines = _Lines(sock)
            while True:
                message = lines.next(give_up_at)
                kind = message["type"]
                if kind == "queued" and queued_id is None and isinstance(message.get("id"), str):
                    queued_id = message["id"]
                    if on_queued is not None:
                        on_queued()  # from now on the pane journals this request's outcome
                elif kind == "decision" and queued_id is not None:
                    return _verdict_of(message, queued_id)
                elif kind == "error":
                    raise BrokerError(f"the approve pane refused the request: {_reason(message)}")
                else:
                    raise BrokerError(f"the approve pane sent an unexpected {kind!r} message")
        except TimeoutError:
            raise PaneTimeout(
                "the approve pane gave no decision before the deadline",
                queued=queued_id is not None,
            ) from None
        except ProtocolError as error:
            raise BrokerError(f"the approve pane sent a broken reply: {error}") from None
        except OSError as error:
            raise BrokerError(
                f"the connection to the approve pane failed: {error.strerror or error}"
            ) from None


def ping(path: Path | None = None, timeout: float = 0.5) -> bool:
    """Whether a pane of ours answers at PATH (for `approve doctor`)."""
    give_up_at = time.time() + timeout
    try:
        sock = _connect(path or default_socket_path(), timeout)
    except BrokerError:
        return False
    with sock:
        try:
            _send(sock, encode({"type": "ping"}), give_up_at)
            return _Lines(sock).next(give_up_at).get("type") == "pong"
        except (OSError, BrokerError):
            return False


# ------------------------------------------------------------------ the pieces


def _connect(path: Path, timeout: float) -> socket.socket:
    """A connection to the pane at PATH, checked to be run by our own user."""
    try:
        check_socket_path(path)
    except BrokerError as error:
        raise PaneUnavailable(str(error)) from None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect(str(path))
    except (FileNotFoundError, ConnectionRefusedError, NotADirectoryError):
        sock.close()
        raise PaneUnavailable(f"no approve pane is running at {path}") from None
    except TimeoutError:
        sock.close()
        raise PaneUnavailable(f"the approve pane at {path} does not accept connections") from None
    except OSError as error:
        sock.close()
        raise PaneUnavailable(f"cannot reach {path}: {error.strerror or error}") from None
    try:
        _, uid, _ = peer_credentials(sock)
    except OSError as error:
        sock.close()
        raise BrokerError(f"cannot tell who runs the socket at {path}: {error}") from None
    if uid != os.geteuid():
        sock.close()
        # Anyone else's process there could answer `approved`: never trust it.
        raise BrokerError(
            f"the socket at {path} is served by uid {uid}, not by you: refusing to trust it"
        )
    return sock


def _send(sock: socket.socket, data: bytes, give_up_at: float) -> None:
    view = memoryview(data)
    while view:
        sock.settimeout(_remaining(give_up_at))
        sent = sock.send(view)
        view = view[sent:]


def _remaining(give_up_at: float) -> float:
    left = give_up_at - time.time()
    if left <= 0:
        raise TimeoutError
    return left


class _Lines:
    """Messages from a blocking socket, one line at a time, each before a deadline."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def next(self, give_up_at: float) -> dict[str, Any]:
        while b"\n" not in self.buffer:
            if len(self.buffer) > MAX_REPLY_BYTES:
                raise BrokerError("the approve pane sent an over-long reply")
            self.sock.settimeout(_remaining(give_up_at))
            chunk = self.sock.recv(65536)
            if not chunk:
                raise BrokerError("the approve pane closed the connection before a decision")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return decode(line)


def _verdict_of(message: dict[str, Any], queued_id: str) -> tuple[str, str]:
    if message.get("id") != queued_id:
        raise BrokerError("the approve pane answered about another request")
    verdict = message.get("verdict")
    if verdict not in VERDICTS:
        raise BrokerError(f"the approve pane sent an unknown verdict {verdict!r}")
    return str(verdict), _reason(message)


def _reason(message: dict[str, Any]) -> str:
    reason = message.get("reason")
    return reason if isinstance(reason, str) else ""
