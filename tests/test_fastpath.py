"""The fast path answers `safe` only where the full analysis says `safe`, and imports nothing heavy."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from approve import fastpath
from approve.analyze import analyze_command, rules
from approve.model import Tier


@pytest.fixture
def cache() -> dict[str, Any]:
    rules._cached = None  # load the packs afresh, which writes the cache into this test's home
    rules.default_rules()
    loaded = fastpath.load_cache()
    assert loaded is not None, "default_rules() should have written the fast path's cache"
    return loaded


def _vocabulary() -> tuple[list[str], list[str]]:
    """Programs and words the packs care about: where a wrong `safe` would hide."""
    ruleset = rules.default_rules()
    programs = sorted(ruleset.by_command)
    words: set[str] = {"-", "--", "/", "x", "prod", "3", "all", "."}
    for rule in ruleset.rules:
        words.update(rule.args)
        words.update(rule.any_flags + rule.all_flags + rule.not_flags + rule.escalate_flags)
    plain = sorted(w for w in words if fastpath.PLAIN_CHARACTERS.issuperset(w))
    return programs, plain


PROGRAMS, WORDS = _vocabulary()


def test_plain_read_only_commands_are_answered(cache: dict[str, Any]) -> None:
    for command in ("ls -la", "git status", "terraform show", "ceph -s"):
        assert fastpath.plain_command_is_safe(command, cache), command


@pytest.mark.parametrize(
    "command",
    [
        "rm -rf /",
        "kubectl delete ns prod",
        "sudo ls",  # wrappers run another command: full path
        "env rm -rf /",
        "ssh host rm -rf /",
        "FOO=1 ls",
        "ls; rm -rf /",
        "ls $HOME",
        "ls 'a b'",
        "ls > out",
        "unknown-tool --flag",
        "ls\nrm -rf /",
    ],
)
def test_everything_else_falls_through(cache: dict[str, Any], command: str) -> None:
    assert not fastpath.plain_command_is_safe(command, cache)


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.sampled_from(PROGRAMS), st.lists(st.sampled_from(WORDS), max_size=5))
def test_fast_path_agrees_with_the_full_analysis(
    cache: dict[str, Any], program: str, words: list[str]
) -> None:
    command = " ".join([program, *words])
    if fastpath.plain_command_is_safe(command, cache):
        assert analyze_command(command).tier == Tier.SAFE, command


def test_an_edited_pack_makes_the_cache_stale(cache: dict[str, Any], isolated_home: Path) -> None:
    packs = isolated_home / "config" / "approve" / "packs"
    packs.mkdir(parents=True)
    (packs / "mine.yaml").write_text(
        "pack: mine\nrules:\n  - id: mine.ls\n    severity: high\n    match: {command: ls}\n"
        "    why: ls is forbidden here\n"
    )
    assert fastpath.load_cache() is None
    rules._cached = None
    assert analyze_command("ls -la", rules.default_rules()).tier == Tier.HIGH
    fresh = fastpath.load_cache()
    assert fresh is not None and not fastpath.plain_command_is_safe("ls -la", fresh)
    rules._cached = None


def _check(approve_cmd: list[str], args: list[str], stdin: bytes) -> tuple[int, str]:
    result = subprocess.run([*approve_cmd, *args], input=stdin, capture_output=True, timeout=60)
    return result.returncode, result.stdout.decode()


def test_fast_and_full_paths_print_the_same(approve_cmd: list[str], isolated_home: Path) -> None:
    cache_file = Path(fastpath.cache_path())
    cache_file.unlink(missing_ok=True)
    for args in (["check"], ["check", "--json"], ["check", "-", "--fail-on", "low"]):
        cache_file.unlink(missing_ok=True)
        full = _check(approve_cmd, args, b"git status\n")  # no cache: the full path, writes it
        assert cache_file.exists()
        fast = _check(approve_cmd, args, b"git status\n")
        assert fast == full
    assert json.loads(_check(approve_cmd, ["check", "--json"], b"ls\n")[1])["tier"] == "safe"


def test_fast_path_imports_nothing_heavy(approve_cmd: list[str]) -> None:
    rules._cached = None
    rules.default_rules()  # writes the cache
    probe = (
        "import sys, io\n"
        "from approve.cli import main\n"
        "code = main(['check', '-'])\n"
        "heavy = [m for m in ('textual', 'rich', 'yaml', 'tree_sitter', 'approve.model', 'dataclasses')"
        " if m in sys.modules]\n"
        "print(code, heavy, file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], input=b"ls -la\n", capture_output=True, timeout=60
    )
    assert result.stderr.decode().strip() == "0 []"
    assert result.stdout.decode() == "safe: no findings   (format: shell)\n"


def _run_probe(command: bytes) -> tuple[str, str]:
    probe = (
        "import sys\n"
        "from approve.cli import main\n"
        "code = main(['check', '-'])\n"
        "print(code, 're' in sys.modules, 'approve.model' in sys.modules, file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], input=command, capture_output=True, timeout=60
    )
    return result.stdout.decode(), result.stderr.decode().strip()


def test_a_command_found_safe_before_skips_the_regexes(cache: dict[str, Any]) -> None:
    # `git branch`'s read-only rule is a regex: the first time it is compiled (re imported) ...
    assert _run_probe(b"git branch\n")[1] == "0 True False"
    # ... and the answer remembered; the second time no regex is needed.
    output, state = _run_probe(b"git   branch\n")
    assert state == "0 False False"
    assert output == "safe: no findings   (format: shell)\n"


def test_git_status_needs_no_regex_even_the_first_time(cache: dict[str, Any]) -> None:
    """The commonest command: its rule is words, and the regex rules beside it are for other
    subcommands, so they are never compiled (and `re` never imported) for it."""
    output, state = _run_probe(b"git status\n")
    assert state == "0 False False"
    assert output == "safe: no findings   (format: shell)\n"
    assert _run_probe(b"git -c core.pager=x log\n")[1].startswith("1 True")  # still checked
    output, state = _run_probe(b"kubectl -n prod get pods -o wide\n")
    assert (output, state) == ("safe: no findings   (format: shell)\n", "0 False False")


def test_the_memo_holds_only_what_the_analysis_found_safe(cache: dict[str, Any]) -> None:
    assert _run_probe(b"git push --force origin main\n")[1].startswith("1 ")
    assert "git push --force origin main" not in fastpath._remembered(cache["fingerprint"])


def test_an_edited_pack_forgets_the_memo(cache: dict[str, Any], isolated_home: Path) -> None:
    _run_probe(b"git status\n")
    assert "git status" in fastpath._remembered(cache["fingerprint"])
    packs = isolated_home / "config" / "approve" / "packs"
    packs.mkdir(parents=True, exist_ok=True)
    (packs / "mine.yaml").write_text(
        "pack: mine\nrules:\n  - id: mine.git-status\n    severity: high\n"
        "    match: {command: git, args: [status]}\n    why: not here\n"
    )
    assert _run_probe(b"git status\n")[1].startswith("1 ")
