"""`approve demo --pane` in a real terminal (tmux): the three scenarios wait in the pane's queue,
the oldest is under review, and ctrl+q leaves (exit 0)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def test_demo_pane_shows_the_queue_and_quits(tmp_path: Path) -> None:
    server = ["tmux", "-L", f"approve-demo-{os.getpid()}", "-f", "/dev/null"]
    status = tmp_path / "status"
    env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}
    env["TEXTUAL_ANIMATIONS"] = "none"
    command = (
        f"{sys.executable} -m approve demo --pane --now 14:00 --theme dark; "
        f"echo $? > {status}; sleep 30"
    )
    subprocess.run(
        [*server, "new-session", "-d", "-s", "demo", "-x", "150", "-y", "45", command],
        env=env,
        check=True,
    )
    try:
        screen = ""
        give_up = time.monotonic() + 30
        while "Queue (3)" not in screen or "CRITICAL" not in screen:
            assert time.monotonic() < give_up, f"the pane never showed the queue:\n{screen}"
            time.sleep(0.2)
            screen = subprocess.run(
                [*server, "capture-pane", "-p", "-t", "demo"], capture_output=True, text=True
            ).stdout
        assert "demo: 2 AM Ceph clean-up" in screen
        assert "pairing code" not in screen  # the demo serves no socket: nobody can join
        subprocess.run([*server, "send-keys", "-t", "demo", "C-q"], check=True)
        give_up = time.monotonic() + 20
        while not status.exists():
            assert time.monotonic() < give_up, "the demo did not quit"
            time.sleep(0.1)
        assert status.read_text().strip() == "0"
    finally:
        where = subprocess.run(
            [*server, "display-message", "-p", "#{socket_path}"], capture_output=True, text=True
        ).stdout.strip()
        subprocess.run([*server, "kill-server"], capture_output=True, check=False)
        if where:
            Path(where).unlink(missing_ok=True)
