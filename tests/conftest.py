"""Shared test set-up: every test runs with its own config, state and cache directories.

So no test reads or writes the developer's real ~/.config/approve or journal.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")


@pytest.fixture(autouse=True)
def isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("home")
    for variable, sub in (
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CACHE_HOME", "cache"),
        ("XDG_RUNTIME_DIR", "run"),
    ):
        (home / sub).mkdir(mode=0o700)
        monkeypatch.setenv(variable, str(home / sub))
    monkeypatch.delenv("APPROVE_NOW", raising=False)
    monkeypatch.delenv("APPROVE_DEBUG", raising=False)
    yield home


@pytest.fixture
def approve_cmd() -> list[str]:
    """The real CLI, run by the test's own Python."""
    return [sys.executable, "-m", "approve"]
