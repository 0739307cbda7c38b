"""The queue between agent hooks (requesters) and reviewer stations, over a Unix socket.

    protocol.py  the socket's place and the wire format, shared by both ends (stdlib only)
    client.py    the hook's blocking submit_and_wait and ping (stdlib only)
    state.py     Broker: the queue and the rules that decide each request (imports analyze)
    server.py    PaneServer: asyncio around a Broker
    station.py   StationClient: a joined reviewer station, for an asyncio app

Importing this package loads only the first two: the hook's fast path must not pay for asyncio
or the analyzers. The other names load on first use.
"""

from __future__ import annotations

from approve.broker.client import ping, submit_and_wait
from approve.broker.protocol import (
    MAX_MESSAGE_BYTES,
    VERSION,
    BrokerError,
    PaneTimeout,
    PaneUnavailable,
    ProtocolError,
    default_socket_path,
    prepare_socket_dir,
)

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time

if TYPE_CHECKING:
    from approve.broker.server import PaneServer
    from approve.broker.state import (
        LOCAL_STATION,
        Approval,
        Broker,
        Outcome,
        Pending,
        Station,
        VerdictResult,
        local_reviewer,
        make_pairing_code,
    )
    from approve.broker.station import (
        OpenedRequest,
        QueueItem,
        StationClient,
        VerdictReply,
        queue_items,
    )

_LAZY = {
    "PaneServer": "server",
    "LOCAL_STATION": "state",
    "Approval": "state",
    "Broker": "state",
    "Outcome": "state",
    "Pending": "state",
    "Station": "state",
    "VerdictResult": "state",
    "local_reviewer": "state",
    "make_pairing_code": "state",
    "OpenedRequest": "station",
    "QueueItem": "station",
    "StationClient": "station",
    "VerdictReply": "station",
    "queue_items": "station",
}

__all__ = [
    "LOCAL_STATION",
    "MAX_MESSAGE_BYTES",
    "VERSION",
    "Approval",
    "Broker",
    "BrokerError",
    "OpenedRequest",
    "Outcome",
    "PaneServer",
    "PaneTimeout",
    "PaneUnavailable",
    "Pending",
    "ProtocolError",
    "QueueItem",
    "Station",
    "StationClient",
    "VerdictReply",
    "VerdictResult",
    "default_socket_path",
    "local_reviewer",
    "make_pairing_code",
    "ping",
    "prepare_socket_dir",
    "queue_items",
    "submit_and_wait",
]


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'approve.broker' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"approve.broker.{module}"), name)
    globals()[name] = value
    return value
