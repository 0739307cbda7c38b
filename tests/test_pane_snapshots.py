"""Snapshot tests of the pane: idle, a queue with the oldest under review, pair review waiting
for a second person, and the stats screen (approve.tui.pane.scenes pins every clock).

Accept new snapshots with `pytest tests/test_pane_snapshots.py --snapshot-update` after looking
at them.
"""

from __future__ import annotations

from pathlib import Path

from approve.tui.pane.scenes import pair_scene, pane_scene, review_shown

SIZE = (140, 42)


def test_idle(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app, _ = pane_scene(tmp_path / "journal.jsonl", count=0)
    assert snap_compare(app, terminal_size=SIZE)


def test_queue_with_the_oldest_under_review(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app, _ = pane_scene(tmp_path / "journal.jsonl")
    assert snap_compare(app, terminal_size=SIZE, run_before=review_shown)


def test_pair_review_waiting_for_a_second_person(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app = pair_scene(tmp_path / "journal.jsonl")
    assert snap_compare(app, terminal_size=SIZE, run_before=review_shown)


def test_stats_screen(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app, _ = pane_scene(tmp_path / "journal.jsonl", count=0)
    assert snap_compare(app, terminal_size=SIZE, press=["s"])
