"""Benchmark: `approve check --jsonl` over 100k generated shell commands; prints commands/s.

The mix is what a shell history looks like: mostly read-only commands, some destructive ones,
compound lines (&&, |, $(...)), quoting, wrappers and `sh -c`. Runs the real console script in a
subprocess, so interpreter start-up and pack loading are included (they are small next to 100k
commands). Target (issue 2): >= 5,000 commands/s.

Usage: .venv/bin/python bench/bench_jsonl.py [--lines N] [--seed S]
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

READ_ONLY = [
    "ls -la",
    "git status",
    "git log --oneline -n 20",
    "git diff HEAD~1 -- src/main.py",
    "cat README.md",
    "grep -rn 'TODO' src/",
    "kubectl get pods -n default",
    "terraform plan -out plan.out",
    "docker ps -a",
    "find . -name '*.py' -type f",
    "head -n 50 log.txt",
    "aws s3 ls s3://bucket/prefix/",
    "python3 -m pytest -q tests/",
    'echo "build finished at $(date)"',
    "cd src && make -j4",
]
DESTRUCTIVE = [
    "rm -rf build/",
    "git push --force origin main",
    "git reset --hard HEAD~3",
    "kubectl delete namespace staging",
    "terraform destroy -auto-approve",
    "aws s3 rm s3://bucket/data --recursive",
    "dd if=/dev/zero of=/dev/sdb bs=1M",
    "DROP=1 psql -c 'DROP TABLE users'",
    "find /var/log -name '*.gz' -delete",
    "helm uninstall my-release -n prod",
]
WRAPPED = [
    "sudo {cmd}",
    "bash -c '{cmd}'",
    "timeout 30 {cmd}",
    "env FOO=bar {cmd}",
    "true && {cmd}",
    "{cmd} | tee out.log",
    "echo start; {cmd}; echo done",
]
DATA = [
    "git commit -m 'rm -rf / is scary'",
    "grep 'DROP TABLE' migrations/*.sql",
    'echo "kubectl delete ns prod" >> notes.txt',
]


def generate(count: int, seed: int) -> str:
    rng = random.Random(seed)
    lines = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.55:
            line = rng.choice(READ_ONLY)
        elif roll < 0.70:
            line = rng.choice(DESTRUCTIVE)
        elif roll < 0.92:
            line = rng.choice(WRAPPED).format(cmd=rng.choice(READ_ONLY + DESTRUCTIVE))
        else:
            line = rng.choice(DATA)
        lines.append(line)
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    approve = shutil.which("approve", path=str(Path(sys.executable).parent)) or "approve"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "commands.txt"
        path.write_text(generate(args.lines, args.seed), encoding="utf-8")
        started = time.perf_counter()
        result = subprocess.run(
            [approve, "check", "--jsonl", str(path)],
            capture_output=True,
            check=False,
        )
        elapsed = time.perf_counter() - started
    answered = result.stdout.count(b"\n")
    if result.returncode not in (0, 1) or answered != args.lines:
        print(f"approve check failed (exit {result.returncode}, {answered} lines answered)")
        print(result.stderr.decode("utf-8", "replace")[-2000:])
        return 1
    print(f"{args.lines} commands in {elapsed:.2f}s: {args.lines / elapsed:,.0f} commands/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
