"""Shared builders for the review-screen tests: hand-made Assessments and a clock the test moves."""

from __future__ import annotations

from datetime import datetime

from approve.model import Assessment, Finding, Friction, Request, Tier
from approve.tui.app import ReviewApp

CEPH = """ceph osd set noout
systemctl stop ceph-osd@7
ceph osd purge 7 --yes-i-really-mean-it
ceph-volume lvm zap --destroy /dev/sdb
ceph osd unset noout
"""
NIGHT = datetime(2026, 11, 22, 2, 7)
DAY = datetime(2026, 11, 22, 14, 30)


class FakeClock:
    """A monotonic clock that only moves when the test says so."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def ceph_assessment() -> Assessment:
    findings = (
        Finding(
            3,
            3,
            Tier.CRITICAL,
            "ceph.osd-purge-undrained",
            "purges osd.7 without marking it out or checking safe-to-destroy",
            ("osd.7",),
            "ceph osd out 7; wait for active+clean; ceph osd safe-to-destroy osd.7",
            "destroy",
        ),
        Finding(
            4,
            4,
            Tier.HIGH,
            "disk.zap",
            "wipes the disk that held the OSD",
            ("/dev/sdb",),
            None,
            "destroy",
        ),
    )
    return Assessment("shell", Tier.CRITICAL, {"destroy": 2}, findings, 5, 25)


def friction(gates: tuple[str, ...], floor: float = 0.0, seed: int = 1) -> Friction:
    rung = {(): 0, ("read",): 1, ("read", "visit"): 2}.get(gates, 3)
    return Friction(
        rung=rung,
        gates=gates,
        reasons=("02:07, night hours", "critical tier"),
        reading_floor_s=floor,
        challenge_seed=seed,
    )


def make_app(
    gates: tuple[str, ...],
    *,
    floor: float = 0.0,
    seed: int = 1,
    guard_s: float = 0.0,
    clock: FakeClock | None = None,
    text: str = CEPH,
    assessment: Assessment | None = None,
    theme: str | None = "dark",
    now: datetime = NIGHT,
) -> ReviewApp:
    return ReviewApp(
        Request(text=text),
        assessment or ceph_assessment(),
        friction(gates, floor, seed),
        now=now,
        theme=theme,
        clock=clock or FakeClock(),
        guard_s=guard_s,
        reviewer="tester",
    )
