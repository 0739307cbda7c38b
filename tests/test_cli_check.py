"""`approve check` through the real process: exit codes, bad input, output shapes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest


def run(
    cmd: list[str], args: list[str], stdin: bytes | None = None
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [*cmd, *args], input=stdin, capture_output=True, timeout=60, check=False
    )
    return subprocess.CompletedProcess(
        result.args, result.returncode, result.stdout.decode(), result.stderr.decode()
    )


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"\x00\x01\x02binary", "binary"),
        (b"rm -rf \xff\xfe /", "not valid UTF-8"),
        (b'{"format_version": "1.2", "resource_changes": [', "JSON"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    approve_cmd: list[str], stdin: bytes, message: str
) -> None:
    result = run(approve_cmd, ["check", "-"], stdin)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_directory_and_missing_and_unreadable_files(approve_cmd: list[str], tmp_path: Path) -> None:
    assert "is a directory" in run(approve_cmd, ["check", str(tmp_path)]).stderr
    assert "no such file" in run(approve_cmd, ["check", str(tmp_path / "nope")]).stderr
    locked = tmp_path / "locked"
    locked.write_text("ls")
    locked.chmod(0)
    result = run(approve_cmd, ["check", str(locked)])
    # root can read anything; everyone else gets the permission message
    assert result.returncode in (0, 1, 2)
    if result.returncode == 2:
        assert "permission denied" in result.stderr


def test_usage_error_exits_2(approve_cmd: list[str]) -> None:
    assert run(approve_cmd, ["check", "--format", "yaml"], b"ls").returncode == 2
    assert run(approve_cmd, ["no-such-command"]).returncode == 2


def test_json_shape(approve_cmd: list[str]) -> None:
    result = run(approve_cmd, ["check", "--json", "--format", "text"], b"notes\nwith \x1b[2K\n")
    data = json.loads(result.stdout)
    assert set(data) == {"format", "tier", "counts", "findings"}
    assert set(data["counts"]) == {"destroy", "replace", "update", "create", "read", "forget"}
    assert data["tier"] == "critical"
    escape = next(f for f in data["findings"] if f["rule"] == "attack.escape")
    assert escape["line"] == 2 and escape["end_line"] == 2
    assert set(escape) == {"line", "end_line", "severity", "rule", "resources", "why", "safer"}
    assert result.returncode == 1


def test_fail_on_threshold(approve_cmd: list[str]) -> None:
    text = b"just notes\nto read\n"  # low: free text
    assert run(approve_cmd, ["check", "--format", "text"], text).returncode == 0
    assert run(approve_cmd, ["check", "--format", "text", "--fail-on", "low"], text).returncode == 1


def test_human_output_never_prints_raw_escapes(approve_cmd: list[str]) -> None:
    result = run(
        approve_cmd, ["check", "--format", "text"], b"x\ny \x1b]0;pwned\x07 \xe2\x80\xae z\n"
    )
    assert "\x1b]0;pwned" not in result.stdout and "\u202e" not in result.stdout
    assert "attack.osc" in result.stdout
