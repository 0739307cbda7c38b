"""`approve check`: findings for CI, scripts and audits; the exit status says how bad.

Human output with rich, `--json` for one input, `--jsonl` for a batch of shell commands (one a
line, e.g. a shell history), each answered in order in one process.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from approve.analyze import analyze, analyze_command
from approve.analyze.rules import default_rules
from approve.commands.options import add_input_arguments
from approve.inputs import read_input
from approve.model import Assessment, Request, Tier
from approve.sanitize import sanitize


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_input_arguments(parser)
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="one JSON object with every finding")
    output.add_argument(
        "--jsonl",
        action="store_true",
        help="batch: every input line is a shell command; one JSON object per line, in order",
    )
    parser.add_argument(
        "--fail-on",
        default="high",
        choices=("low", "high", "critical"),
        help="exit 1 when a finding is at least this severe (default: high)",
    )


def run(args: argparse.Namespace) -> int:
    threshold = Tier.parse(args.fail_on)
    text = read_input(args.file)
    if args.jsonl:
        return _run_batch(text, threshold, sys.stdout)
    fmt = None if args.format == "auto" else args.format
    assessment = analyze(Request(text=text), fmt=fmt)
    if assessment.format == "shell" and assessment.tier == Tier.SAFE:
        from approve import fastpath
        from approve.analyze.rules import default_rules_fingerprint

        fastpath.remember_safe(text, default_rules_fingerprint())
    if args.json:
        json.dump(assessment.to_json(), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print_human(assessment)
    return 1 if any(f.severity >= threshold for f in assessment.findings) else 0


def _run_batch(text: str, threshold: Tier, out: TextIO) -> int:
    ruleset = default_rules()
    failed = False
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    write = out.write
    for line in lines:
        command = line.rstrip("\r")
        if command.strip():
            assessment = analyze_command(command, ruleset)
            tier = assessment.tier.label
            findings = [f.to_json() for f in assessment.findings]
            failed = failed or any(f.severity >= threshold for f in assessment.findings)
        else:
            tier, findings = Tier.SAFE.label, []
        write(
            json.dumps({"input": command, "tier": tier, "findings": findings}, ensure_ascii=False)
        )
        write("\n")
    return 1 if failed else 0


def summary_line(assessment: Assessment) -> str:
    """`critical: destroys 2, replaces 1 - aws_db_instance.prod, ...` (sanitized)."""
    counts = assessment.counts
    parts = [
        f"{verb} {counts[key]}"
        for key, verb in (
            ("destroy", "destroys"),
            ("replace", "replaces"),
            ("update", "changes"),
            ("create", "creates"),
            ("forget", "forgets"),
        )
        if counts.get(key)
    ]
    findings = len(assessment.findings)
    if not parts:
        parts.append(
            f"{findings} finding{'s' if findings != 1 else ''}" if findings else "no findings"
        )
    names = assessment.resources
    shown = ", ".join(sanitize(n) for n in names[:4]) + (", ..." if len(names) > 4 else "")
    return f"{assessment.tier.label}: {', '.join(parts)}" + (f" - {shown}" if shown else "")


_STYLE = {Tier.SAFE: "green", Tier.LOW: "cyan", Tier.HIGH: "yellow", Tier.CRITICAL: "bold red"}


def print_human(assessment: Assessment, file: TextIO | None = None) -> None:
    from rich.console import Console
    from rich.text import Text

    console = Console(file=file or sys.stdout, highlight=False, soft_wrap=True)
    head = Text()
    head.append(summary_line(assessment), style=_STYLE[assessment.tier])
    head.append(f"   (format: {assessment.format})", style="dim")
    console.print(head)
    for finding in assessment.findings:
        line = Text("  ")
        span = f"L{finding.line}" + (
            f"-{finding.end_line}" if finding.end_line != finding.line else ""
        )
        line.append(f"{span:<9}")
        line.append(f"{finding.severity.label:<9}", style=_STYLE[finding.severity])
        line.append(finding.rule, style="bold")
        if finding.resources:
            line.append("  " + ", ".join(sanitize(r) for r in finding.resources), style="magenta")
        console.print(line)
        console.print(Text("           " + sanitize(finding.why)))
        if finding.safer:
            console.print(Text("           safer: " + sanitize(finding.safer), style="green"))
