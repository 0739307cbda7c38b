"""Load approve's configuration: the shipped defaults, overridden by the user's file, validated.

The defaults live in approve/config.yaml, each commented with its source. The user's file
($APPROVE_CONFIG, else $XDG_CONFIG_HOME/approve/config.yaml, else ~/.config/approve/config.yaml)
may set any subset of the same keys. Anything wrong in it (an unknown key, a wrong type, a value
out of range) raises ConfigError naming the key: a typo must never silently fall back to a
default, because the default may be weaker than what the user meant.

Loading is cheap (the agent hook's fast path reads it): libyaml's CSafeLoader when available,
and the parsed result is cached per file and modification time.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - pyyaml built without libyaml
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


class ConfigError(ValueError):
    """A configuration file is wrong; the message names the file and the key."""

    def __init__(self, source: str, key: str, problem: str) -> None:
        super().__init__(f"{source}: {key}: {problem}")
        self.source = source
        self.key = key
        self.problem = problem


Window = tuple[int, int]  # (first minute of day, last minute of day), end included, may wrap


def window_text(window: Window) -> str:
    """A window as people write it: "02:00-05:59"."""
    first, last = window
    return f"{first // 60:02d}:{first % 60:02d}-{last // 60:02d}:{last % 60:02d}"


@dataclass(frozen=True, slots=True)
class Config:
    """Every setting, parsed. Windows are minutes of the local day."""

    timezone: str
    tier_rungs: tuple[int, int, int, int]  # indexed by Tier
    low_window: Window
    low_raise: int
    late_window: Window
    late_raise: int
    critical_min_rung: int
    critical_deferred: bool
    defer_until_minute: int
    history_nights: int
    max_nights: int
    history_raise: int
    streak_thresholds: tuple[int, ...]
    streak_break_minutes: float
    session_thresholds: tuple[int, ...]
    session_break_minutes: float
    high_break_at_minutes: float
    critical_break_at_minutes: float
    critical_break_minutes: float
    idle_gap_hours: float
    raise_after_hours: float
    defer_after_hours: float
    words_per_minute: float
    minimum_seconds: float
    seconds_per_destructive_line: float
    too_fast_ratio: float
    max_destructive_lines: int
    split_min_rung: int
    env_markers: tuple[str, ...]
    theme: str
    auto_allow_safe: bool
    hook_deadline_seconds: int
    allow_same_user_pairs: bool
    pair_group: str
    source: str = "defaults"

    @property
    def tz(self) -> tzinfo | None:
        """The configured zone; None means the system's local zone."""
        return _zone(self.timezone)

    def local(self, moment: datetime) -> datetime:
        """MOMENT in the reviewer's local time (naive moments are taken as already local)."""
        if moment.tzinfo is None:
            return moment
        zone = self.tz
        return moment.astimezone(zone) if zone is not None else moment.astimezone()


# ---- value parsers: each returns the parsed value or raises ValueError saying what is wrong ----

Parser = Callable[[Any], Any]


def _int(low: int, high: int) -> Parser:
    def parse(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected a whole number, got {value!r}")
        if not low <= value <= high:
            raise ValueError(f"{value} is out of range ({low}..{high})")
        return value

    return parse


def _number(low: float, high: float) -> Parser:
    def parse(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"expected a number, got {value!r}")
        if not low <= value <= high:
            raise ValueError(f"{value} is out of range ({low}..{high})")
        return float(value)

    return parse


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def _ascending(low: int, high: int) -> Parser:
    def parse(value: Any) -> tuple[int, ...]:
        if not isinstance(value, list) or not value:
            raise ValueError(f"expected a non-empty list of whole numbers, got {value!r}")
        numbers = tuple(_int(low, high)(item) for item in value)
        if list(numbers) != sorted(set(numbers)):
            raise ValueError(f"expected increasing numbers, got {list(numbers)}")
        return numbers

    return parse


def _words(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"expected a list of non-empty words, got {value!r}")
    return tuple(v.strip() for v in value)


_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def _minute(value: Any) -> int:
    match = _TIME.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f'expected a time "HH:MM" (00:00-23:59), got {value!r}')
    return int(match[1]) * 60 + int(match[2])


def _window(value: Any) -> Window:
    if not isinstance(value, str) or value.count("-") != 1:
        raise ValueError(f'expected a window "HH:MM-HH:MM", got {value!r}')
    start, end = value.split("-")
    return _minute(start.strip()), _minute(end.strip())


def _zone(name: str) -> tzinfo | None:
    if name == "local":
        return None
    return ZoneInfo(name)


def _timezone(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f'expected "local" or a zone name like "Europe/Paris", got {value!r}')
    try:
        _zone(value.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}") from None
    return value.strip()


_THEME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def _theme(value: Any) -> str:
    if not isinstance(value, str) or not _THEME.match(value):
        raise ValueError(f'expected "auto" or a theme name (letters, digits, -), got {value!r}')
    short = value.removeprefix("approve-")
    shipped = Path(__file__).parent / "themes"
    if value not in ("auto", "default") and not (shipped / f"{short}.toml").is_file():
        names = sorted(p.stem for p in shipped.glob("*.toml"))
        raise ValueError(f'unknown theme {value!r} (expected "auto" or one of: {", ".join(names)})')
    return value


_GROUP = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,31}$")


def _group(value: Any) -> str:
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or not _GROUP.match(value):
        raise ValueError(f"expected a Unix group name or an empty string, got {value!r}")
    return value


_RUNG = _int(0, 6)
_MINUTES = _number(0, 24 * 60)

# dotted key in the YAML -> (Config field, parser)
SCHEMA: dict[str, tuple[str, Parser]] = {
    "timezone": ("timezone", _timezone),
    "tiers.safe": ("tier_safe", _RUNG),
    "tiers.low": ("tier_low", _RUNG),
    "tiers.high": ("tier_high", _RUNG),
    "tiers.critical": ("tier_critical", _RUNG),
    "night.low_window": ("low_window", _window),
    "night.low_raise": ("low_raise", _RUNG),
    "night.late_window": ("late_window", _window),
    "night.late_raise": ("late_raise", _RUNG),
    "night.critical_min_rung": ("critical_min_rung", _RUNG),
    "night.critical_deferred": ("critical_deferred", _bool),
    "night.defer_until": ("defer_until_minute", _minute),
    "night.history_nights": ("history_nights", _int(1, 60)),
    "night.max_nights": ("max_nights", _int(1, 60)),
    "night.history_raise": ("history_raise", _RUNG),
    "streak.thresholds": ("streak_thresholds", _ascending(1, 10_000)),
    "streak.break_minutes": ("streak_break_minutes", _MINUTES),
    "session.thresholds_minutes": ("session_thresholds", _ascending(1, 24 * 60)),
    "session.break_minutes": ("session_break_minutes", _MINUTES),
    "session.high_break_at_minutes": ("high_break_at_minutes", _MINUTES),
    "session.critical_break_at_minutes": ("critical_break_at_minutes", _MINUTES),
    "session.critical_break_minutes": ("critical_break_minutes", _MINUTES),
    "active_span.idle_gap_hours": ("idle_gap_hours", _number(0.5, 72)),
    "active_span.raise_after_hours": ("raise_after_hours", _number(1, 168)),
    "active_span.defer_after_hours": ("defer_after_hours", _number(1, 168)),
    "reading.words_per_minute": ("words_per_minute", _number(50, 2000)),
    "reading.minimum_seconds": ("minimum_seconds", _number(0, 600)),
    "reading.seconds_per_destructive_line": ("seconds_per_destructive_line", _number(0, 600)),
    "reading.too_fast_ratio": ("too_fast_ratio", _number(0, 1)),
    "reading.max_destructive_lines": ("max_destructive_lines", _int(1, 10_000_000)),
    "reading.split_min_rung": ("split_min_rung", _RUNG),
    "env_markers": ("env_markers", _words),
    "theme": ("theme", _theme),
    "auto_allow_safe": ("auto_allow_safe", _bool),
    "hook_deadline_seconds": ("hook_deadline_seconds", _int(5, 24 * 3600)),
    "allow_same_user_pairs": ("allow_same_user_pairs", _bool),
    "pair_group": ("pair_group", _group),
}
_SECTIONS = frozenset(key.split(".")[0] for key in SCHEMA if "." in key)


def user_config_path() -> Path:
    from approve.paths import user_config_file

    return Path(user_config_file())


def _flatten(data: Any, source: str) -> dict[str, Any]:
    """{"night": {"low_raise": 2}} -> {"night.low_raise": 2}, refusing unknown keys by name."""
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ConfigError(source, "(top level)", "expected a mapping of keys to values")
    flat: dict[str, Any] = {}
    for key, value in data.items():
        key_text = str(key)
        if key_text in _SECTIONS:
            if not isinstance(value, Mapping):
                raise ConfigError(source, key_text, "expected a section (a mapping of keys)")
            for sub_key, sub_value in value.items():
                dotted = f"{key_text}.{sub_key}"
                if dotted not in SCHEMA:
                    known = ", ".join(
                        k.split(".", 1)[1] for k in SCHEMA if k.startswith(f"{key_text}.")
                    )
                    raise ConfigError(source, dotted, f"unknown key (known in {key_text}: {known})")
                flat[dotted] = sub_value
        elif key_text in SCHEMA:
            flat[key_text] = value
        else:
            known = ", ".join(sorted({k.split(".")[0] for k in SCHEMA}))
            raise ConfigError(source, key_text, f"unknown key (known: {known})")
    return flat


def _parse_yaml(text: str, source: str) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(file)"
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ConfigError(source, where, f"not valid YAML: {problem}") from None


def _build(values: dict[str, Any], sources: dict[str, str]) -> Config:
    parsed: dict[str, Any] = {}
    for dotted, (name, parser) in SCHEMA.items():
        if dotted not in values:
            raise ConfigError(sources.get(dotted, "defaults"), dotted, "missing")
        try:
            parsed[name] = parser(values[dotted])
        except ValueError as error:
            raise ConfigError(sources[dotted], dotted, str(error)) from None
    tier_rungs = (
        parsed.pop("tier_safe"),
        parsed.pop("tier_low"),
        parsed.pop("tier_high"),
        parsed.pop("tier_critical"),
    )
    if list(tier_rungs) != sorted(tier_rungs):
        raise ConfigError(sources["tiers.critical"], "tiers", "a higher tier cannot start lower")
    if parsed["defer_after_hours"] < parsed["raise_after_hours"]:
        raise ConfigError(
            sources["active_span.defer_after_hours"],
            "active_span.defer_after_hours",
            "must not be less than raise_after_hours",
        )
    source = sorted({s for s in sources.values() if s != "defaults"})
    return Config(tier_rungs=tier_rungs, source=", ".join(source) or "defaults", **parsed)


_cache: dict[tuple[str, int, int], Config] = {}
_defaults_cache: dict[str, Any] = {}


def _shipped() -> dict[str, Any]:
    if not _defaults_cache:
        text = (resources.files("approve") / "config.yaml").read_text("utf-8")
        _defaults_cache.update(_flatten(_parse_yaml(text, "approve/config.yaml"), "defaults"))
    return _defaults_cache


def config_from_text(text: str, source: str = "config") -> Config:
    """The defaults overridden by the YAML in TEXT (for tests and `approve policy explain`)."""
    values = dict(_shipped())
    sources = dict.fromkeys(values, "defaults")
    override = _flatten(_parse_yaml(text, source), source)
    values.update(override)
    sources.update(dict.fromkeys(override, source))
    return _build(values, sources)


def default_config() -> Config:
    """The shipped defaults alone."""
    return config_from_text("", "defaults")


def load_config(path: Path | None = None) -> Config:
    """The defaults, overridden by the user's file when it exists. Raises ConfigError."""
    target = path or user_config_path()
    try:
        stat = target.stat()
    except FileNotFoundError:
        if path is not None or os.environ.get("APPROVE_CONFIG"):
            raise ConfigError(str(target), "(file)", "no such file") from None
        key = ("", 0, 0)
        if key not in _cache:
            _cache[key] = default_config()
        return _cache[key]
    key = (str(target), stat.st_mtime_ns, stat.st_size)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    try:
        text = target.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(str(target), "(file)", f"cannot read: {error}") from None
    config = config_from_text(text, str(target))
    _cache[key] = config
    return config


# ---- the clock: an input, so demos and tests can fix it ----


def parse_moment(text: str, config: Config) -> datetime:
    """An ISO-8601 moment, or HH:MM for today at that time; without an offset it is the
    reviewer's local time. ValueError else."""
    raw = text.strip()
    if re.fullmatch(r"\d{1,2}:\d{2}(?::\d{2})?", raw):
        today = config.local(datetime.now().astimezone()).date().isoformat()
        raw = f"{today}T{raw.zfill(5) if len(raw) == 4 else raw}"
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(
            f"not an ISO-8601 time: {text!r} (e.g. 02:41, 2026-11-22T02:41 or 2026-11-22T02:41:00+01:00)"
        ) from None
    if moment.tzinfo is None:
        zone = config.tz
        moment = moment.replace(tzinfo=zone) if zone is not None else moment.astimezone()
    return moment


def current_time(given: str | None, config: Config) -> datetime:
    """--now if given, else $APPROVE_NOW, else the real clock; always timezone-aware."""
    text = given or os.environ.get("APPROVE_NOW")
    if text:
        return parse_moment(text, config)
    return datetime.now().astimezone()


_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*(m|min|h|d|w)$")
_UNIT_SECONDS = {"m": 60, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_since(text: str, now: datetime, config: Config) -> datetime:
    """--since: an ISO-8601 moment, `today`, or a duration back from now (30m, 12h, 7d, 2w)."""
    raw = text.strip().lower()
    if raw == "today":
        local = config.local(now)
        return local.replace(hour=0, minute=0, second=0, microsecond=0)
    match = _DURATION.match(raw)
    if match:
        return now - timedelta(seconds=float(match[1]) * _UNIT_SECONDS[match[2]])
    try:
        return parse_moment(text, config)
    except ValueError:
        raise ValueError(
            f"--since {text!r}: expected an ISO-8601 time, `today`, or a duration like 12h or 7d"
        ) from None
