"""`approve run -- CMD`: safe commands run without a review and pass their status on; anything
else needs the review screen, so with no terminal it is not run and the exit status is 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

APPROVE = [sys.executable, "-m", "approve"]


def run_detached(*args: str) -> subprocess.CompletedProcess[str]:
    """Run approve with no controlling terminal (setsid), as an agent's subprocess would."""
    return subprocess.run(
        ["setsid", "-w", *APPROVE, *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_safe_command_runs_without_review_and_passes_its_status(tmp_path: Path) -> None:
    done = run_detached("run", "--", "grep", "-q", "needle", "/dev/null")
    assert done.returncode == 1  # grep's own "no match"
    done = run_detached("run", "--", "ls", str(tmp_path))
    assert done.returncode == 0


def test_destructive_command_is_not_run_without_a_terminal(tmp_path: Path) -> None:
    victim = tmp_path / "keep"
    victim.mkdir()
    done = run_detached("run", "--", "rm", "-rf", str(victim))
    assert done.returncode == 2
    assert "no terminal" in done.stderr
    assert victim.exists()


def test_missing_command_is_a_usage_error() -> None:
    assert run_detached("run").returncode == 2


def test_unknown_theme_is_a_clear_error(tmp_path: Path) -> None:
    source = tmp_path / "notes.txt"
    source.write_text("notes\n")
    done = run_detached("review", str(source), "--theme", "solarized")
    assert done.returncode == 2
    assert "unknown theme" in done.stderr and "Traceback" not in done.stderr
