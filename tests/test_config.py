"""Configuration: shipped defaults, user overrides, and errors that name the key."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from approve.config import (
    ConfigError,
    config_from_text,
    current_time,
    default_config,
    load_config,
    parse_moment,
    parse_since,
    user_config_path,
)


def test_shipped_defaults_match_the_design() -> None:
    config = default_config()
    assert config.tier_rungs == (0, 1, 2, 3)
    assert config.low_window == (120, 359) and config.late_window == (1320, 119)
    assert config.low_raise == 2 and config.late_raise == 1
    assert config.streak_thresholds == (3, 5, 10)
    assert config.session_thresholds == (30, 60, 90)
    assert config.words_per_minute == 300 and config.seconds_per_destructive_line == 7.2
    assert config.too_fast_ratio == 0.6 and config.max_destructive_lines == 400
    assert config.env_markers == ("prod", "production", "live")
    assert config.theme == "auto" and config.auto_allow_safe is False
    assert config.hook_deadline_seconds == 540


def test_every_shipped_parameter_is_commented_with_its_reason() -> None:
    text = (Path(__file__).parent.parent / "approve" / "config.yaml").read_text()
    for source in (
        "FAA 14 CFR 117.3",
        "Anderson",
        "Mackworth",
        "Dawson & Reid",
        "Brysbaert",
        "117.27",
    ):
        assert source in text


def test_user_file_overrides_only_what_it_sets(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("APPROVE_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert user_config_path() == tmp_path / "approve" / "config.yaml"
    (tmp_path / "approve").mkdir()
    (tmp_path / "approve" / "config.yaml").write_text(
        'timezone: Europe/Paris\nnight:\n  low_window: "14:00-17:59"\n'
    )
    config = load_config()
    assert config.timezone == "Europe/Paris" and config.low_window == (840, 1079)
    assert config.late_window == (1320, 119)  # untouched
    assert str(tmp_path) in config.source


def test_no_user_file_means_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("APPROVE_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert load_config().source == "defaults"


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        ("nigth:\n  low_raise: 2\n", "nigth", "unknown key"),
        ("night:\n  low_rasie: 2\n", "night.low_rasie", "unknown key"),
        ("night:\n  low_raise: two\n", "night.low_raise", "whole number"),
        ("night:\n  low_raise: 9\n", "night.low_raise", "out of range"),
        ('night:\n  low_window: "2am-6am"\n', "night.low_window", "HH:MM"),
        ("night: 3\n", "night", "section"),
        ("streak:\n  thresholds: [5, 3]\n", "streak.thresholds", "increasing"),
        ("timezone: Mars/Olympus\n", "timezone", "unknown time zone"),
        ("auto_allow_safe: yes please\n", "auto_allow_safe", "true or false"),
        ("reading:\n  too_fast_ratio: 1.5\n", "reading.too_fast_ratio", "out of range"),
        ("env_markers: prod\n", "env_markers", "list"),
        ("theme: 'Bad Theme!'\n", "theme", "theme name"),
        ("tiers:\n  critical: 1\n", "tiers", "cannot start lower"),
        ("night: [\n", "line", "not valid YAML"),
    ],
)
def test_a_bad_config_is_an_error_naming_the_key(text: str, key: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config_from_text(text, "my.yaml")
    message = str(caught.value)
    assert message.startswith("my.yaml: ") and key in message and problem in message


def test_bad_user_file_fails_load_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("hook_deadline_seconds: -1\n")
    monkeypatch.setenv("APPROVE_CONFIG", str(path))
    with pytest.raises(ConfigError, match="hook_deadline_seconds"):
        load_config()
    monkeypatch.setenv("APPROVE_CONFIG", str(tmp_path / "missing.yaml"))
    with pytest.raises(ConfigError, match="no such file"):
        load_config()


def test_bad_config_reaches_the_cli_as_a_named_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from approve.cli import main

    path = tmp_path / "c.yaml"
    path.write_text("session:\n  brake_minutes: 5\n")
    monkeypatch.setenv("APPROVE_CONFIG", str(path))
    assert main(["policy", "explain", "--journal", str(tmp_path / "j.jsonl")]) == 2
    assert "session.brake_minutes" in capsys.readouterr().err


def test_the_clock_is_an_input(monkeypatch: pytest.MonkeyPatch) -> None:
    config = config_from_text("timezone: Europe/Paris\n")
    moment = parse_moment("2026-11-22T02:41", config)
    assert moment.utcoffset() is not None and moment.hour == 2
    assert parse_moment("2026-11-22T01:41Z", config).timestamp() == moment.timestamp()
    monkeypatch.setenv("APPROVE_NOW", "2026-11-22T03:00")
    assert current_time(None, config).hour == 3
    assert current_time("2026-11-22T04:00", config).hour == 4
    with pytest.raises(ValueError, match="ISO-8601"):
        parse_moment("yesterday", config)
    assert (moment - parse_since("2h", moment, config)).total_seconds() == 7200
    assert parse_since("today", moment, config).hour == 0


def test_a_bare_time_of_day_means_today_at_that_time() -> None:
    from approve.config import default_config, parse_moment

    config = default_config()
    moment = parse_moment("02:41", config)
    assert (moment.hour, moment.minute) == (2, 41)
    assert moment.date() == config.local(datetime.now().astimezone()).date()
    assert parse_moment("7:05", config).hour == 7
    with pytest.raises(ValueError, match="02:41"):
        parse_moment("2:4", config)
