"""`approve pane`: the review station beside the agent, serving the hooks' requests on a socket.

    approve pane                 serve $XDG_RUNTIME_DIR/approve/pane.sock and review here
    approve pane --split         the same, in a new tmux split beside the current pane
    approve pane --pair          every request needs two people (R5 requests always do)
    approve pane --join [--as N] a second reviewer station for pair review (asks the code)
    approve pane --group ops     members of the Unix group `ops` may join, as themselves

The hooks (approve hook AGENT) send here first when the socket answers. Closing the pane
(ctrl+q) answers every waiting hook with a deny.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from approve.analyze.base import InputError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time

if TYPE_CHECKING:
    from approve.config import Config
    from approve.tui.pane.app import PaneApp


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--split",
        action="store_true",
        help="open the pane in a new tmux split beside the current pane (about 40%% wide)",
    )
    parser.add_argument(
        "--socket",
        metavar="PATH",
        type=Path,
        help="the socket to serve or join (default: $XDG_RUNTIME_DIR/approve/pane.sock)",
    )
    parser.add_argument(
        "--pair", action="store_true", help="pair review: every request needs two reviewers"
    )
    parser.add_argument(
        "--join",
        action="store_true",
        help="join a running pane as a second reviewer station (needs its pairing code)",
    )
    parser.add_argument("--as", dest="name", metavar="NAME", help="your name as a reviewer")
    parser.add_argument(
        "--code",
        help="the pairing code for --join (default: asked on the terminal, so it stays out of "
        "the process list)",
    )
    parser.add_argument(
        "--group",
        metavar="GROUP",
        help="pair review across Unix users: members of GROUP may join (default: config "
        "pair_group); they join with --join --socket /tmp/approve-pair-GROUP/pane.sock",
    )
    parser.add_argument("--theme", help="dark, light, high-contrast, night or ansi")


def run(args: argparse.Namespace) -> int:
    if args.split:
        return open_split(args)
    if args.join:
        return join_pane(args)
    return serve_pane(args)


def open_split(args: argparse.Namespace) -> int:
    """Start `approve pane` (without --split) in a tmux split and say how to close it."""
    import subprocess

    from approve.tmux import approve_command, pane_target

    if not os.environ.get("TMUX"):
        raise InputError("--split works inside tmux; run `approve pane` in another terminal")
    arguments = ["pane"]
    if args.socket:
        arguments += ["--socket", str(args.socket.resolve())]
    if args.pair:
        arguments.append("--pair")
    if args.join:
        arguments.append("--join")
    if args.name:
        arguments += ["--as", args.name]
    if args.group:
        arguments += ["--group", args.group]
    if args.theme:
        arguments += ["--theme", args.theme]
    done = subprocess.run(
        [
            "tmux",
            "split-window",
            "-h",
            "-l",
            "40%",
            "-P",
            "-F",
            "#{pane_id}",
            *pane_target(),
            approve_command(arguments),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise InputError(f"tmux could not split the window: {done.stderr.strip()}")
    pane = done.stdout.strip()
    print(f"approve pane opened in tmux pane {pane}.")
    print(f"Close it with ctrl+q inside it, or: tmux kill-pane -t {pane}")
    return 0


def serve_pane(args: argparse.Namespace) -> int:
    from approve.broker.protocol import group_id, station_socket_path
    from approve.broker.server import PaneServer
    from approve.broker.state import Broker, local_reviewer
    from approve.commands.review import parse_now
    from approve.config import load_config
    from approve.tui.pane.app import PaneApp
    from approve.tui.pane.source import LocalSource

    config = load_config()
    broker = Broker(
        config,
        now=lambda: parse_now(None, config),
        pair=args.pair,
        reviewer=local_reviewer(args.name),
    )
    servers = [PaneServer(broker, args.socket)]
    where = str(servers[0].path)
    group = args.group or config.pair_group
    if group:
        # Partners of other Unix users join at a socket of their group; hooks never use it.
        stations = PaneServer(broker, station_socket_path(group), group=group_id(group))
        servers.append(stations)
        where += f"; partners join with: approve pane --join --socket {stations.path}"

    async def start() -> None:
        for server in servers:
            await server.start()

    async def stop() -> None:
        for server in servers:
            await server.stop("the pane was closed")

    app = PaneApp(
        LocalSource(broker),
        now=lambda: parse_now(None, config),
        theme=args.theme or config.theme,
        start=start,
        stop=stop,
        stats=lambda: stats_report(config),
        where=where,
    )
    return run_on_terminal(app)


def join_pane(args: argparse.Namespace) -> int:
    from approve.broker.station import StationClient
    from approve.commands.review import parse_now
    from approve.config import load_config
    from approve.tui.pane.app import PaneApp
    from approve.tui.pane.source import RemoteSource

    config = load_config()
    code = args.code or ask_code()
    source = RemoteSource(StationClient(args.socket, code=code, name=args.name))

    async def stop() -> None:
        await source.client.close()

    app = PaneApp(
        source,
        now=lambda: parse_now(None, config),
        theme=args.theme or config.theme,
        start=source.connect,
        stop=stop,
        where=str(source.client.path),
    )
    return run_on_terminal(app)


def ask_code() -> str:
    if not sys.stdin.isatty():
        raise InputError("--join needs the pairing code: type it at the prompt, or pass --code")
    import getpass

    try:  # not echoed: the code lets whoever has it approve, so it stays off the screen
        return getpass.getpass("pairing code shown on the pane: ").strip()
    except EOFError:
        raise InputError("no pairing code given") from None


def stats_report(config: Config) -> object:
    """The `approve stats` report over the last week, for the pane's stats screen."""
    from datetime import datetime, timedelta

    from approve.commands.stats import compute_stats, render_stats
    from approve.journal import default_journal_path, iter_rows

    since = (datetime.now().astimezone() - timedelta(days=7)).timestamp()
    path = default_journal_path()
    rows = iter_rows(path, since) if path.exists() else iter([])
    return render_stats(compute_stats(rows, config), config)


def run_on_terminal(app: PaneApp) -> int:
    from approve.commands.review import terminal_attached

    with terminal_attached():
        app.run()
    return app.return_code or 0
