"""Benchmark the review screen on a 100k-line terraform plan, and print the figures.

Targets (issue 3): first paint <= 1.0 s after the input is read; `n` (next finding) <= 50 ms;
memory <= 200 MB (peak resident set of this process). Analysis time is printed too, separately:
it belongs to the analyzers, the paint figure is the screen's own.

    .venv/bin/python bench/bench_review.py [--lines 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import time
from datetime import datetime

from approve.analyze import analyze
from approve.config import default_config
from approve.history import History
from approve.model import Request
from approve.policy import policy

TARGET_PAINT_S, TARGET_JUMP_MS, TARGET_MEMORY_MB = 1.0, 50.0, 200.0


def make_plan(lines: int) -> str:
    """A text plan of about `lines` lines: mostly in-place updates, some destroys and replaces."""
    out = ["Terraform will perform the following actions:", ""]
    index = 0
    while len(out) < lines - 2:
        if index % 50 == 0:
            out += [
                f"  # aws_instance.web_{index} will be destroyed",
                f'  - resource "aws_instance" "web_{index}" {{',
                f'      - ami           = "ami-{index:08x}" -> null',
                '      - instance_type = "m5.large" -> null',
                "    }",
                "",
            ]
        else:
            out += [
                f"  # aws_security_group_rule.rule_{index} will be updated in-place",
                f'  ~ resource "aws_security_group_rule" "rule_{index}" {{',
                f'      ~ description = "old {index}" -> "new {index}"',
                "        # (5 unchanged attributes hidden)",
                "    }",
                "",
            ]
        index += 1
    out.append(f"Plan: 0 to add, {index - index // 50} to change, {index // 50 + 1} to destroy.")
    return "\n".join(out) + "\n"


async def measure(text: str) -> dict[str, float]:
    from approve.tui.app import ReviewApp
    from approve.tui.plan_view import PlanView

    now = datetime(2026, 11, 22, 14, 0)
    request = Request(text=text, kind="terraform")
    started = time.perf_counter()
    assessment = analyze(request)
    analyzed = time.perf_counter()
    friction = policy(assessment, History(), now, None, default_config(), identity=request.identity)
    app = ReviewApp(request, assessment, friction, now=now, theme="dark", guard_s=0.0)
    async with app.run_test(size=(160, 50)) as pilot:
        while app.tracker.shown_at is None:
            await asyncio.sleep(0.001)
        painted = time.perf_counter()
        plan = app.query_one(PlanView)
        jumps: list[float] = []
        for _ in range(40):
            before = time.perf_counter()
            app.review.action_next_finding()
            for y in range(plan.size.height):  # what the next frame draws
                plan.render_line(y)
            jumps.append((time.perf_counter() - before) * 1000)
        await pilot.pause()
    return {
        "lines": float(len(app.review.lines)),
        "findings": float(len(assessment.findings)),
        "analyze_s": analyzed - started,
        "paint_s": painted - analyzed,
        "jump_ms_median": statistics.median(jumps),
        "jump_ms_max": max(jumps),
        "memory_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    args = parser.parse_args()
    text = make_plan(args.lines)
    figures = asyncio.run(measure(text))
    print(f"review screen, {figures['lines']:.0f}-line plan, {figures['findings']:.0f} findings")
    print(f"  analyze (analyzers, not the screen): {figures['analyze_s']:.2f} s")
    ok = figures["paint_s"] <= TARGET_PAINT_S
    print(
        f"  first paint after analysis: {figures['paint_s']:.2f} s (target <= {TARGET_PAINT_S} s) {'ok' if ok else 'MISSED'}"
    )
    ok = figures["jump_ms_max"] <= TARGET_JUMP_MS
    print(
        f"  n jump: median {figures['jump_ms_median']:.1f} ms, max {figures['jump_ms_max']:.1f} ms"
        f" (target <= {TARGET_JUMP_MS:.0f} ms) {'ok' if ok else 'MISSED'}"
    )
    ok = figures["memory_mb"] <= TARGET_MEMORY_MB
    print(
        f"  peak memory: {figures['memory_mb']:.0f} MB (target <= {TARGET_MEMORY_MB:.0f} MB) {'ok' if ok else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
