"""Snapshot tests of the review screen: each format, each rung of the ladder, each theme.

The clock is fixed (a FakeClock that never moves, and `now` at 02:07), animations are off
(conftest sets TEXTUAL_ANIMATIONS=none) and no cursor blinks, so the SVGs only change when the screen does. Accept new ones with
`pytest tests/test_tui_snapshots.py --snapshot-update` after looking at them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_helpers import DAY, NIGHT, FakeClock

from approve.model import Assessment, Finding, Friction, Request, Tier
from approve.tui.app import ReviewApp

FIXTURES = Path(__file__).parent / "fixtures" / "tui"
SIZE = (120, 34)


def _f(
    line: int,
    severity: Tier,
    rule: str,
    why: str,
    resources: tuple[str, ...] = (),
    safer: str | None = None,
    end: int | None = None,
) -> Finding:
    return Finding(line, end or line, severity, rule, why, resources, safer)


FORMATS: dict[str, tuple[str, Assessment]] = {
    "terraform": (
        "terraform.txt",
        Assessment(
            "terraform",
            Tier.CRITICAL,
            {"destroy": 1, "replace": 1},
            (
                _f(
                    3,
                    Tier.CRITICAL,
                    "terraform.replace",
                    "the production database is destroyed and created again",
                    ("aws_db_instance.prod",),
                    "take a snapshot first; set prevent_destroy",
                    end=9,
                ),
                _f(
                    6,
                    Tier.CRITICAL,
                    "terraform.skip-final-snapshot",
                    "no final snapshot",
                    ("aws_db_instance.prod",),
                ),
                _f(
                    11,
                    Tier.HIGH,
                    "terraform.destroy",
                    "bucket destroyed",
                    ("aws_s3_bucket.logs",),
                    end=14,
                ),
            ),
            16,
            60,
        ),
    ),
    "terraform-json": (
        "plan.json",
        Assessment(
            "terraform-json",
            Tier.CRITICAL,
            {"destroy": 1, "update": 1},
            (
                _f(
                    5,
                    Tier.CRITICAL,
                    "k8s.namespace-delete",
                    "deletes every object in the namespace",
                    ("kubernetes_namespace.payments",),
                ),
                _f(11, Tier.LOW, "terraform.update", "updated in place", ("aws_iam_role.ci",)),
            ),
            17,
            40,
        ),
    ),
    "diff": (
        "change.diff",
        Assessment(
            "diff",
            Tier.HIGH,
            {},
            (
                _f(
                    6,
                    Tier.HIGH,
                    "diff.deletion-protection-off",
                    "turns deletion protection off",
                    ("aws_db_instance.prod",),
                ),
                _f(
                    8,
                    Tier.HIGH,
                    "diff.prevent-destroy-removed",
                    "removes prevent_destroy",
                    ("aws_db_instance.prod",),
                    end=10,
                ),
            ),
            11,
            30,
        ),
    ),
    "sql": (
        "migrate.sql",
        Assessment(
            "sql",
            Tier.CRITICAL,
            {},
            (
                _f(2, Tier.HIGH, "sql.drop-column", "drops a column", ("orders.legacy_total",)),
                _f(
                    3, Tier.CRITICAL, "sql.delete-without-where", "deletes every row", ("sessions",)
                ),
                _f(4, Tier.CRITICAL, "sql.drop-table", "drops a table", ("audit_2019",)),
            ),
            5,
            20,
        ),
    ),
}

SHELL = Assessment(
    "shell",
    Tier.CRITICAL,
    {"destroy": 2},
    (
        _f(
            3,
            Tier.CRITICAL,
            "ceph.osd-purge-undrained",
            "purges osd.7 without draining it",
            ("osd.7",),
            "ceph osd out 7 first",
        ),
        _f(4, Tier.HIGH, "attack.escape", "an erase-line escape sequence hides text"),
        _f(5, Tier.HIGH, "disk.zap", "wipes the disk", ("/dev/sdb",)),
    ),
    5,
    25,
)

# Shell and free text, added to the formats above (their assessments are defined after FORMATS).
FORMATS["shell"] = ("ceph.sh", SHELL)
FORMATS["text"] = (
    "notes.txt",
    Assessment(
        "text",
        Tier.CRITICAL,
        {},
        (
            _f(
                3, Tier.HIGH, "filesystem.rm-recursive", "deletes a directory tree", ("/srv/cache",)
            ),
            _f(4, Tier.CRITICAL, "attack.escape", "escape sequences that move the cursor or erase"),
        ),
        4,
        20,
    ),
)


RUNGS: dict[int, tuple[str, ...]] = {
    0: (),
    1: ("read",),
    2: ("read", "visit"),
    3: ("read", "visit", "prove"),
    4: ("read", "visit", "prove", "explain"),
    5: ("read", "visit", "prove", "explain", "second"),
    6: ("defer",),
}


def build(
    text: str, assessment: Assessment, rung: int, theme: str, *, night: bool = True
) -> ReviewApp:
    friction = Friction(
        rung=rung,
        gates=RUNGS[rung],
        reasons=("02:07, night hours (+2)", "3rd approval in a row") if night else ("high tier",),
        reading_floor_s=24.0 if "read" in RUNGS[rung] else 0.0,
        challenge_seed=7,
        defer_until="06:00" if rung == 6 else None,
    )
    return ReviewApp(
        Request(text=text),
        assessment,
        friction,
        now=NIGHT if night else DAY,
        theme=theme,
        clock=FakeClock(),
        guard_s=0.0,
        reviewer="tester",
    )


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_format(snap_compare, fmt: str) -> None:  # type: ignore[no-untyped-def]
    name, assessment = FORMATS[fmt]
    app = build((FIXTURES / name).read_text("utf-8"), assessment, 2, "dark", night=False)
    assert snap_compare(app, press=["n"], terminal_size=SIZE)


@pytest.mark.parametrize("rung", sorted(RUNGS))
def test_rung(snap_compare, rung: int) -> None:  # type: ignore[no-untyped-def]
    app = build((FIXTURES / "ceph.sh").read_text("utf-8"), SHELL, rung, "night")
    assert snap_compare(app, press=["n", "n"], terminal_size=SIZE)


@pytest.mark.parametrize("theme", ["light", "high-contrast", "ansi"])
def test_theme(snap_compare, theme: str) -> None:  # type: ignore[no-untyped-def]
    app = build((FIXTURES / "ceph.sh").read_text("utf-8"), SHELL, 3, theme)
    assert snap_compare(app, press=["n"], terminal_size=SIZE)


def test_narrow_terminal(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app = build((FIXTURES / "ceph.sh").read_text("utf-8"), SHELL, 3, "dark")
    assert snap_compare(app, press=["n"], terminal_size=(80, 30))


def test_help(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app = build((FIXTURES / "ceph.sh").read_text("utf-8"), SHELL, 3, "dark")
    assert snap_compare(app, press=["question_mark"], terminal_size=SIZE)
