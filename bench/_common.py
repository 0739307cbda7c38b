"""Helpers shared by the benchmark scripts: timing whole processes and printing figures."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def python() -> str:
    """The venv's Python running this script: the one whose startup we compare against."""
    return sys.executable


def compile_bytecode() -> None:
    """Write approve's .pyc files, as an installed wheel has them.

    With PYTHONDONTWRITEBYTECODE set (some CI and container images set it) an editable install
    compiles every module from source at each start, about 1 ms a module on a slow machine: the
    start-up figures would measure the compiler, not approve.
    """
    subprocess.run(
        [python(), "-m", "compileall", "-q", str(ROOT / "approve")],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def approve_bin() -> str:
    candidate = Path(sys.executable).parent / "approve"
    return str(candidate) if candidate.exists() else "approve"


def time_process(argv: Sequence[str], stdin: bytes = b"", runs: int = 40) -> float:
    """Median wall time in seconds of a whole process, after two warm-up runs."""
    env = dict(os.environ)
    samples = []
    for index in range(runs + 2):
        start = time.perf_counter()
        subprocess.run(argv, input=stdin, capture_output=True, check=False, env=env)
        if index >= 2:
            samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def time_interleaved(
    commands: Sequence[tuple[Sequence[str], bytes]], rounds: int = 80
) -> list[float]:
    """Median wall time of each command, run in turn round after round.

    Interleaving gives every command the same share of whatever else the machine is doing; timing
    one command's runs and then the other's lets drift in load pass for a difference.
    """
    samples: list[list[float]] = [[] for _ in commands]
    for index in range(rounds + 3):
        for slot, (argv, stdin) in enumerate(commands):
            start = time.perf_counter()
            subprocess.run(argv, input=stdin, capture_output=True, check=False)
            if index >= 3:
                samples[slot].append(time.perf_counter() - start)
    return [statistics.median(times) for times in samples]


def report(name: str, value: float, unit: str, target: str, ok: bool) -> None:
    mark = "ok  " if ok else "MISS"
    print(f"{mark} {name:<52} {value:>12.2f} {unit:<10} target {target}")
