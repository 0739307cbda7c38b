"""Themes: the five ship in the package, night is the default at night, `t` cycles them."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from tui_helpers import DAY, NIGHT, make_app

from approve.tui.themes import ORDER, load_themes, pick_theme


def test_five_themes_load_from_the_package() -> None:
    themes = load_themes()
    assert list(themes) == ["dark", "light", "high-contrast", "night", "ansi"]
    assert themes["ansi"].ansi and not themes["light"].dark


@pytest.mark.parametrize(
    ("hour", "expected"), [(21, "dark"), (22, "night"), (2, "night"), (5, "night"), (6, "dark")]
)
def test_night_theme_is_the_default_from_22_to_0559(hour: int, expected: str) -> None:
    assert pick_theme(None, datetime(2026, 11, 22, hour, 30)) == expected


def test_requested_theme_wins_and_unknown_is_an_error() -> None:
    assert pick_theme("approve-light", NIGHT) == "light"
    assert pick_theme("high contrast", DAY) == "high-contrast"
    with pytest.raises(ValueError, match="unknown theme"):
        pick_theme("solarized", DAY)


def test_t_cycles_through_every_theme() -> None:
    async def scenario() -> None:
        app = make_app((), theme=None, now=NIGHT)
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.pause()
            seen = [app.theme_short]
            for _ in ORDER:
                await pilot.press("t")
                await pilot.pause()
                seen.append(app.theme_short)
                assert app.theme == f"approve-{app.theme_short}"
        assert seen[0] == "night"
        assert set(seen) == set(ORDER) and seen[-1] == "night"

    asyncio.run(scenario())
