"""Make the README's screenshots (SVG) from the real review screen: `make screenshots`.

Each format, each gate of the friction ladder, the demo scenarios, each theme and the pane, at a fixed
clock (02:07, and a clock that does not move) so the files only change when the screen does.

    .venv/bin/python screenshots/make_screenshots.py [--out screenshots]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

from approve.analyze import analyze
from approve.commands.demo import SCENARIOS, sample_text
from approve.config import default_config
from approve.history import History
from approve.model import Friction, Request
from approve.policy import policy
from approve.tui.app import ReviewApp
from approve.tui.pane.app import PaneApp
from approve.tui.pane.scenes import pair_scene, pane_scene, review_shown

NIGHT = datetime(2026, 11, 22, 2, 7)
SIZE = (132, 38)
SQL = """BEGIN;
ALTER TABLE orders DROP COLUMN legacy_total;
DELETE FROM sessions;
DROP TABLE audit_2019;
COMMIT;
"""
TERRAFORM_JSON = """{
  "format_version": "1.2",
  "terraform_version": "1.9.5",
  "resource_changes": [
    {
      "address": "aws_s3_bucket.orders_archive",
      "mode": "managed",
      "type": "aws_s3_bucket",
      "name": "orders_archive",
      "change": {"actions": ["delete"], "before": {"bucket": "orders-archive-prod"}, "after": null}
    },
    {
      "address": "aws_iam_role.ci",
      "mode": "managed",
      "type": "aws_iam_role",
      "name": "ci",
      "change": {"actions": ["update"], "before": {"name": "ci"}, "after": {"name": "ci"}}
    }
  ]
}
"""
GATES = {
    "r1-read": ("read",),
    "r2-visit": ("read", "visit"),
    "r3-prove": ("read", "visit", "prove"),
    "r4-explain": ("read", "visit", "prove", "explain"),
    "r5-second": ("read", "visit", "prove", "explain", "second"),
    "r6-defer": ("defer",),
}


def build(text: str, kind: str, theme: str, gates: tuple[str, ...] | None = None) -> ReviewApp:
    request = Request(text=text, kind=kind)
    assessment = analyze(request)
    friction: Friction = policy(
        assessment, History(), NIGHT, None, default_config(), identity=request.identity
    )
    if gates is not None:
        friction = replace(
            friction,
            rung=len(gates) if gates != ("defer",) else 6,
            gates=gates,
            defer_until="06:00" if "defer" in gates else None,
            headline=f"02:07, the {gates[-1]} gate",
        )
    return ReviewApp(
        request,
        assessment,
        friction,
        now=NIGHT,
        theme=theme,
        clock=lambda: 0.0,
        guard_s=0.0,
        reviewer="reviewer",
    )


async def shoot(app: ReviewApp, path: Path, keys: tuple[str, ...] = ("n", "n")) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press(*keys)
        await pilot.pause()
        app.save_screenshot(filename=path.name, path=str(path.parent))
    print(f"wrote {path}")


async def shoot_pane(app: PaneApp, path: Path, keys: tuple[str, ...] = ()) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await review_shown(pilot) if app.source.rows() else await pilot.pause()
        await pilot.press(*keys)
        await pilot.pause()
        app.save_screenshot(filename=path.name, path=str(path.parent))
    print(f"wrote {path}")


async def panes(out: Path) -> None:
    """The pane: its queue under review, pair review, the stats screen."""
    with tempfile.TemporaryDirectory() as scratch:
        journals = (Path(scratch) / f"journal-{n}.jsonl" for n in range(3))
        await shoot_pane(pane_scene(next(journals))[0], out / "pane-queue.svg")
        await shoot_pane(pair_scene(next(journals)), out / "pane-pair.svg")
        app = pane_scene(next(journals), count=0)[0]
        await shoot_pane(app, out / "pane-stats.svg", keys=("s",))


async def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    ceph = sample_text("ceph-2am.sh")
    formats = {
        "shell": (ceph, "shell"),
        "terraform": (sample_text("prod-db-replace.tfplan.txt"), "terraform"),
        "terraform-json": (TERRAFORM_JSON, "terraform-json"),
        "diff": (sample_text("remove-protection.diff"), "diff"),
        "sql": (SQL, "sql"),
    }
    for name, (text, kind) in formats.items():
        await shoot(build(text, kind, "dark"), out / f"format-{name}.svg")
    for name, gates in GATES.items():
        await shoot(build(ceph, "shell", "night", gates), out / f"gate-{name}.svg")
    for number, scenario in enumerate(SCENARIOS, start=1):
        app = build(sample_text(scenario.sample), scenario.kind, "night")
        await shoot(app, out / f"demo-{number}.svg", keys=("n",))
    for theme in ("dark", "light", "high-contrast", "night", "ansi"):
        app = build(sample_text("prod-db-replace.tfplan.txt"), "terraform", theme)
        await shoot(app, out / f"theme-{theme}.svg", keys=("n",))
    await panes(out)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent)
    asyncio.run(main(parser.parse_args().out))
