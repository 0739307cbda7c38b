"""`approve demo`: the three 2 AM scenarios on embedded samples, one review after another.

Runs with no setup, with the clock at 02:07 so the night friction shows, and with a temporary
journal (APPROVE_HOME and APPROVE_JOURNAL point into a temporary directory), so the user's own
journal is never touched; the three decisions go into it, so the second and third reviews see
the first ones in their history. `--no-ui` (and the fallback when there is no terminal) prints what
`approve check` would say about each scenario instead.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import TYPE_CHECKING

from approve.analyze import analyze
from approve.commands.review import NoTerminal, friction_for, parse_now, review_and_journal
from approve.model import Assessment, Origin, Request

if TYPE_CHECKING:
    from approve.config import Config


@dataclass(frozen=True)
class Scenario:
    title: str
    sample: str  # file name under approve/samples/
    kind: str  # format given to analyze


SCENARIOS = (
    Scenario("2 AM Ceph clean-up: purges osd.7 without draining it", "ceph-2am.sh", "shell"),
    Scenario(
        "terraform plan: replaces the production database, skip_final_snapshot = true",
        "prod-db-replace.tfplan.txt",
        "terraform",
    ),
    Scenario(
        "git diff: removes prevent_destroy and deletion_protection",
        "remove-protection.diff",
        "diff",
    ),
)
DEMO_TIME = "02:07"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-ui", action="store_true", help="print the findings of each scenario (no terminal)"
    )
    parser.add_argument(
        "--pane",
        action="store_true",
        help="the three scenarios queued in the pane, as if an agent's hooks had sent them",
    )
    parser.add_argument("--theme", metavar="NAME", help="theme (default: night, it is 02:07)")
    parser.add_argument("--now", metavar="ISO-8601", help="demo time (default: today at 02:07)")


def sample_text(name: str) -> str:
    return (resources.files("approve.samples") / name).read_text("utf-8")


def demo_now(text: str | None, config: Config) -> datetime:
    """--now if given, else today at 02:07 in the reviewer's time zone."""
    return parse_now(text or f"{datetime.now():%Y-%m-%d}T{DEMO_TIME}", config)


def load(scenario: Scenario) -> tuple[Request, Assessment]:
    request = Request(
        text=sample_text(scenario.sample),
        kind=scenario.kind,
        origin=Origin(source="review"),
        title=f"demo: {scenario.title}",
    )
    return request, analyze(request)


def run(args: argparse.Namespace) -> int:
    from approve.config import load_config

    config = load_config()
    now = demo_now(args.now, config)
    saved = {name: os.environ.get(name) for name in ("APPROVE_HOME", "APPROVE_JOURNAL")}
    with tempfile.TemporaryDirectory(prefix="approve-demo-") as home:
        os.environ["APPROVE_HOME"] = home
        os.environ["APPROVE_JOURNAL"] = os.path.join(home, "journal.jsonl")
        try:
            if args.no_ui:
                return print_scenarios(now, config)
            if args.pane:
                return pane_scenarios(now, args.theme, config)
            return review_scenarios(now, args.theme, config)
        finally:  # the temporary journal must not outlive the demo, even in-process
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def print_scenarios(now: datetime, config: Config) -> int:
    from approve.commands.check import print_human

    for number, scenario in enumerate(SCENARIOS, start=1):
        request, assessment = load(scenario)
        friction = friction_for(request, assessment, now, config)
        print(f"== {number}/{len(SCENARIOS)} {scenario.title} ({scenario.sample})")
        print_human(assessment)
        gates = ", ".join(friction.gates) or "none"
        print(f"   friction at {now:%H:%M}: R{friction.rung} ({gates}): {friction.headline}")
        print()
    return 0


def review_scenarios(now: datetime, theme: str | None, config: Config) -> int:
    verdicts: list[str] = []
    for number, scenario in enumerate(SCENARIOS, start=1):
        request, assessment = load(scenario)
        try:
            decision = review_and_journal(
                request, assessment, now=now, theme=theme or config.theme, config=config
            )
        except NoTerminal as error:
            print(f"approve demo: {error}; printing the scenarios instead\n", file=sys.stderr)
            return print_scenarios(now, config)
        verdicts.append(f"{number}. {scenario.title}: {decision.verdict} ({decision.reason})")
    print("\n".join(verdicts))
    return 0


def pane_scenarios(now: datetime, theme: str | None, config: Config) -> int:
    """The pane with the three scenarios waiting, on the demo's temporary journal. The pane
    serves no socket: nothing but this demo can put requests in its queue. Its clock starts at
    the demo's time and runs on from there."""
    import time

    from approve.broker.state import Broker
    from approve.commands.pane import run_on_terminal
    from approve.tui.pane.app import PaneApp
    from approve.tui.pane.source import LocalSource

    started = time.time()

    def demo_clock() -> datetime:
        return datetime.fromtimestamp(now.timestamp() + time.time() - started, now.tzinfo)

    broker = Broker(config, now=demo_clock)
    for scenario in SCENARIOS:
        request = Request(
            text=sample_text(scenario.sample),
            kind=scenario.kind,
            origin=Origin(source="hook", agent="demo"),
            title=f"demo: {scenario.title}",
        )
        broker.submit(request, started + 3600, lambda message: None)
    source = LocalSource(broker)
    source.pairing_code = None  # no socket here: nobody could join
    app = PaneApp(
        source,
        now=demo_clock,
        theme=theme or config.theme,
        where="this demo serves no socket; `approve pane` serves the hooks",
    )
    try:
        return run_on_terminal(app)
    except NoTerminal as error:
        print(f"approve demo: {error}; printing the scenarios instead\n", file=sys.stderr)
        return print_scenarios(now, config)
