"""Where approve keeps its files: an `approve` folder in each XDG base directory.

Plain `os` and strings: the fast paths (approve/fastpath.py, approve/hookfast.py) call it at
start-up, where importing pathlib or the config module would cost time.
"""

from __future__ import annotations

import os


def _base(variable: str, *default: str) -> str:
    return os.environ.get(variable) or os.path.join(os.path.expanduser("~"), *default)


def config_dir() -> str:
    """$XDG_CONFIG_HOME/approve (config.yaml, packs/)."""
    return os.path.join(_base("XDG_CONFIG_HOME", ".config"), "approve")


def cache_dir() -> str:
    """$XDG_CACHE_HOME/approve (the fast paths' caches)."""
    return os.path.join(_base("XDG_CACHE_HOME", ".cache"), "approve")


def state_dir() -> str:
    """$XDG_STATE_HOME/approve (the journal, what install created)."""
    return os.path.join(_base("XDG_STATE_HOME", ".local", "state"), "approve")


def user_config_file() -> str:
    """$APPROVE_CONFIG, else config.yaml in config_dir()."""
    return os.environ.get("APPROVE_CONFIG") or os.path.join(config_dir(), "config.yaml")
