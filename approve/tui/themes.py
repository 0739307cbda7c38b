"""Load the review UI's themes from the approve.themes package (themes/*.toml in the repo).

Five ship: dark (default), light, high contrast, night (dim, warm; the default 22:00-05:59) and
ansi (the terminal's own palette). Names given on the command line may be the short label
("night") or the full theme name ("approve-night").
"""

from __future__ import annotations

import tomllib
from dataclasses import fields
from datetime import datetime
from importlib import resources
from typing import Any

from textual.app import App
from textual.theme import Theme

ORDER = ("dark", "light", "high-contrast", "night", "ansi")
_THEME_FIELDS = {f.name for f in fields(Theme)}


def load_themes() -> dict[str, Theme]:
    """Short name (file stem) -> Theme, in ORDER."""
    package = resources.files("approve.themes")
    themes: dict[str, Theme] = {}
    for stem in ORDER:
        data: dict[str, Any] = tomllib.loads((package / f"{stem}.toml").read_text("utf-8"))
        themes[stem] = Theme(**{k: v for k, v in data.items() if k in _THEME_FIELDS})
    return themes


def is_night(now: datetime) -> bool:
    return now.hour >= 22 or now.hour < 6


def pick_theme(requested: str | None, now: datetime) -> str:
    """The short name to start with: the requested one, else night at night, else dark.

    "auto" (the config's default) means no request; "default" is the dark theme."""
    if requested and requested != "auto":
        short = requested.removeprefix("approve-").replace(" ", "-").replace("_", "-")
        short = "dark" if short == "default" else short
        if short not in ORDER:
            raise ValueError(f"unknown theme {requested!r} (expected one of: {', '.join(ORDER)})")
        return short
    return "night" if is_night(now) else "dark"


def install_themes(app: App[Any], requested: str | None, now: datetime) -> str:
    """Register approve's themes on APP and switch to the one to start with (pick_theme);
    its short name. ValueError for an unknown requested theme."""
    themes = load_themes()
    for theme in themes.values():
        app.register_theme(theme)
    short = pick_theme(requested, now)
    app.theme = themes[short].name
    return short


def next_theme(app: App[Any], short: str) -> str:
    """Switch APP (after install_themes) to the theme after SHORT in ORDER; its short name."""
    following = ORDER[(ORDER.index(short) + 1) % len(ORDER)]
    app.theme = load_themes()[following].name
    return following
