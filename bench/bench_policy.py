"""policy() speed: one call per review, on the hook's path. Target: <= 1 ms per call.

Also times the history read that precedes it (the journal's recent end, read backwards) and the
config load (cached after the first). Run: .venv/bin/python bench/bench_policy.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from approve import journal
from approve.config import config_from_text, load_config
from approve.history import History, Reviewer, load_history
from approve.model import Assessment, Decision, Finding, Request, Tier
from approve.policy import judge_approval, policy

CONFIG = config_from_text("timezone: UTC\n")


def plan(findings: int) -> Assessment:
    return Assessment(
        format="terraform",
        tier=Tier.CRITICAL,
        counts={"destroy": findings},
        findings=tuple(
            Finding(i * 3 + 1, i * 3 + 2, Tier.CRITICAL, "tf.destroy", "destroys", (f"r.{i}",))
            for i in range(findings)
        ),
        line_count=findings * 3,
        word_count=findings * 20,
    )


def per_call(function: object, repeat: int) -> float:
    assert callable(function)
    start = time.perf_counter()
    for _ in range(repeat):
        function()
    return (time.perf_counter() - start) / repeat


def main() -> int:
    now = datetime(2026, 11, 22, 2, 41, tzinfo=UTC)
    history = History(streak=4, stretch_minutes=45, idle_minutes=1, active_hours=17, night_count=3)
    ana = Reviewer("ana")
    for findings in (1, 100, 2000):
        assessment = plan(findings)
        seconds = per_call(lambda a=assessment: policy(a, history, now, ana, CONFIG), 2000)
        verdict = "ok" if seconds <= 0.001 else "OVER TARGET"
        print(
            f"policy() with {findings:>4} findings: {seconds * 1e6:7.1f} us/call (target <= 1 ms: {verdict})"
        )
    friction = policy(plan(1), history, now, ana, CONFIG)
    decision = Decision("approved", "", ("ana",), 0.0, 0.1, 0.2)
    seconds = per_call(lambda: judge_approval(friction, decision, CONFIG), 5000)
    print(f"judge_approval(): {seconds * 1e6:.1f} us/call")
    seconds = per_call(load_config, 2000)
    print(f"load_config() (cached): {seconds * 1e6:.1f} us/call")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "journal.jsonl"
        start_moment = now - timedelta(days=30)
        prev = journal.GENESIS
        with open(path, "wb") as handle:
            for index in range(20_000):  # a month of heavy use, every 2 minutes
                moment = start_moment + timedelta(minutes=2 * index)
                record = journal.record_for(
                    Request(text=f"kubectl delete pod web-{index}"),
                    plan(1),
                    friction,
                    Decision(
                        "approved", "", ("ana",), moment.timestamp() - 30, None, moment.timestamp()
                    ),
                    host="bench",
                )
                line, prev = journal.seal(record, prev)
                handle.write(line)
        seconds = per_call(lambda: load_history(path, now, ana, CONFIG), 20)
        print(
            f"load_history() over a 20k-record journal (8 days read backwards): {seconds * 1000:.1f} ms/call"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
