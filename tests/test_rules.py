"""The rule-pack loader and the command matcher (approve/analyze/rules.py).

A broken pack must be an error naming its file and line (a skipped rule is an allow nobody chose);
user packs come from $XDG_CONFIG_HOME/approve/packs; flags and positional words are read the way
the programs read them.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from approve.analyze.rules import (
    Command,
    PackError,
    RuleSet,
    load_pack_text,
    load_rules,
    match_command,
    user_pack_dir,
)
from approve.matching import flag_value, has_flag, positionals
from approve.model import Finding, Tier

GOOD_PACK = """\
pack: demo
commands:
  frob: {value_flags: [-n, --name]}
rules:
  - id: demo.frob-wipe
    severity: high
    match: {command: frob, args: [wipe]}
    resource: {positional: 0}
    escalate_flags: [--yes]
    why: wipes the named thing
    safer: frob wipe --dry-run first
  - id: demo.frob-list
    severity: safe
    match: {command: frob, args: [list]}
    why: lists things
"""


def load(text: str, path: str = "demo.yaml") -> RuleSet:
    ruleset = RuleSet()
    load_pack_text(text, path, ruleset)
    return ruleset


def run(ruleset: RuleSet, text: str) -> tuple[list[Finding], bool]:
    argv = tuple(shlex.split(text))
    return match_command(ruleset, Command(argv=argv, text=shlex.join(argv)))


def assert_error_at(text: str, line: int, match: str, path: str = "broken.yaml") -> None:
    with pytest.raises(PackError) as caught:
        load(text, path)
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}:"), message
    assert re.search(match, message), message


# ---------------------------------------------------------------------------------------------
# Loading


def test_good_pack_loads_and_matches() -> None:
    ruleset = load(GOOD_PACK)
    assert [r.id for r in ruleset.rules] == ["demo.frob-wipe", "demo.frob-list"]
    assert ruleset.rule("demo.frob-wipe").source == "demo.yaml:5"
    findings, readonly = run(ruleset, "frob -n box wipe disk1")
    assert [(f.rule, f.severity, f.resources) for f in findings] == [
        ("demo.frob-wipe", Tier.HIGH, ("disk1",))
    ]
    assert findings[0].safer == "frob wipe --dry-run first"
    assert not readonly
    assert run(ruleset, "frob list") == ([], True)
    assert run(ruleset, "frob other") == ([], False)


def test_bad_yaml_names_file_and_line() -> None:
    text = "pack: x\nrules:\n  - id: x.y\n    why: [unclosed\n    severity: low\n"
    with pytest.raises(PackError) as caught:
        load(text, "broken.yaml")
    assert re.match(r"broken\.yaml:\d+: not valid YAML", str(caught.value)), str(caught.value)


def test_unknown_rule_key_names_file_and_line() -> None:
    text = GOOD_PACK.replace("    safer: frob wipe", "    safr: frob wipe")
    assert_error_at(text, 5, r"unknown rule key\(s\): safr")


def test_unknown_match_key_names_file_and_line() -> None:
    text = GOOD_PACK.replace("args: [wipe]}", "args: [wipe], flags: [-f]}")
    assert_error_at(text, 5, r"unknown match key\(s\): flags")


def test_bad_regex_names_file_and_line() -> None:
    text = GOOD_PACK.replace("args: [list]}", "regex: '(unclosed'}")
    assert_error_at(text, 12, r"'regex' is not a valid regular expression")


def test_bad_resource_regex_names_file_and_line() -> None:
    text = GOOD_PACK.replace("resource: {positional: 0}", "resource: {regex: '[a-'}")
    assert_error_at(text, 5, r"resource\.regex")


def test_bad_severity_names_file_and_line() -> None:
    text = GOOD_PACK.replace("severity: high", "severity: catastrophic")
    assert_error_at(text, 5, r"unknown severity 'catastrophic'")


def test_duplicate_id_names_the_second_definition() -> None:
    text = GOOD_PACK.replace("id: demo.frob-list", "id: demo.frob-wipe")
    assert_error_at(text, 12, r"rule id 'demo\.frob-wipe' is defined twice")


def test_missing_why_and_bad_id_are_errors() -> None:
    no_why = GOOD_PACK.replace("    why: lists things\n", "")
    assert_error_at(no_why, 12, r"missing 'why'")
    bad_id = GOOD_PACK.replace("id: demo.frob-list", "id: Demo List")
    assert_error_at(bad_id, 12, r"'id' must be lowercase")


def test_match_needs_exactly_one_kind() -> None:
    text = GOOD_PACK.replace("args: [list]}", "args: [list], line: 'x'}")
    assert_error_at(text, 12, r"exactly one of 'command', 'line' or 'sql'")


def test_a_pack_must_be_a_mapping_with_rules() -> None:
    assert_error_at("- just\n- a list\n", 1, r"a pack is a mapping")
    assert_error_at("pack: x\nrule: []\n", 1, r"a pack is a mapping with a 'rules' list")
    assert_error_at("pack: x\nrules: []\nextra: 1\n", 1, r"unknown pack key\(s\): extra")


def test_every_shipped_pack_loads() -> None:
    ruleset = load_rules(extra_dirs=[])
    assert len(ruleset.rules) > 100
    assert {r.source.split(":")[0] for r in ruleset.rules} >= {
        "packs/filesystem.yaml",
        "packs/self-protection.yaml",
    }


# ---------------------------------------------------------------------------------------------
# User packs


def test_user_packs_come_from_xdg_config_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    packs = tmp_path / "approve" / "packs"
    packs.mkdir(parents=True)
    (packs / "mine.yaml").write_text(GOOD_PACK.replace("demo.", "mine."), "utf-8")
    (packs / "other.yml").write_text(GOOD_PACK.replace("demo.", "other."), "utf-8")
    (packs / "README.txt").write_text("not a pack", "utf-8")
    assert user_pack_dir() == packs
    ruleset = load_rules()
    ids = {r.id for r in ruleset.rules}
    assert {"mine.frob-wipe", "other.frob-list"} <= ids
    assert "filesystem.rm-recursive" in ids  # shipped packs are still there
    assert ruleset.rule("mine.frob-wipe").source == f"{packs / 'mine.yaml'}:5"


def test_user_pack_dir_falls_back_to_home_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert user_pack_dir() == tmp_path / ".config" / "approve" / "packs"


def test_broken_user_pack_is_an_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    packs = tmp_path / "approve" / "packs"
    packs.mkdir(parents=True)
    broken = packs / "broken.yaml"
    broken.write_text(GOOD_PACK.replace("severity: high", "severity: hgih"), "utf-8")
    with pytest.raises(PackError, match=rf"^{re.escape(str(broken))}:5: unknown severity"):
        load_rules()


def test_user_pack_cannot_redefine_a_shipped_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    packs = tmp_path / "approve" / "packs"
    packs.mkdir(parents=True)
    (packs / "weaker.yaml").write_text(
        "rules:\n"
        "  - id: filesystem.rm-recursive\n"
        "    severity: low\n"
        "    match: {command: rm}\n"
        "    why: an attempt to weaken a shipped rule\n",
        "utf-8",
    )
    with pytest.raises(PackError, match=r"weaker\.yaml:2: rule id 'filesystem\.rm-recursive'"):
        load_rules()


def test_unreadable_user_pack_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    packs = tmp_path / "approve" / "packs"
    packs.mkdir(parents=True)
    (packs / "binary.yaml").write_bytes(b"\xff\xfe\x00rules")
    with pytest.raises(PackError, match=r"binary\.yaml: cannot read"):
        load_rules()


# ---------------------------------------------------------------------------------------------
# Reading a command line


@pytest.mark.parametrize(
    ("words", "flag", "clusters", "expected"),
    [
        (["-rf", "x"], "-r", True, True),
        (["-rf", "x"], "-f", True, True),
        (["-fdx"], "-x", True, True),
        (["-rf", "x"], "-r", False, False),  # find-style programs: -delete is one word
        (["-delete"], "-d", False, False),
        (["-delete"], "-delete", False, True),
        (["--force"], "--force", True, True),
        (["--force-with-lease"], "--force", True, False),
        (["--follow-tags"], "-f", True, False),
        (["--dry-run=client"], "--dry-run", True, True),
        (["--replicas=0"], "--replicas", True, True),
        (["-n5"], "-n", True, False),  # a short flag with an attached value, not a cluster
        (["--", "-rf"], "-r", True, False),  # after --, words are operands
        (["x", "--", "--force"], "--force", True, False),
        (["-R"], "-r", True, False),  # case matters
    ],
)
def test_has_flag(words: list[str], flag: str, clusters: bool, expected: bool) -> None:
    assert has_flag(words, flag, clusters) is expected


def test_positionals_skip_flag_values() -> None:
    value_flags = frozenset({"-n", "--namespace", "--context"})
    argv = ["kubectl", "--context", "prod", "-n", "shop", "delete", "pod", "web", "--force"]
    assert positionals(argv, value_flags) == ["delete", "pod", "web"]


def test_positionals_with_equals_do_not_swallow_the_next_word() -> None:
    argv = ["kubectl", "--namespace=shop", "delete", "pod"]
    assert positionals(argv, frozenset({"--namespace"})) == ["delete", "pod"]


def test_positionals_after_double_dash() -> None:
    assert positionals(["git", "checkout", "--", "-weird-name", "."], frozenset()) == [
        "checkout",
        "-weird-name",
        ".",
    ]
    assert positionals(["cat", "-"], frozenset()) == ["-"]  # a lone dash is stdin, an operand


def test_flag_value() -> None:
    argv = ["aws", "rds", "delete-db-instance", "--db-instance-identifier", "db1"]
    assert flag_value(argv, "--db-instance-identifier") == "db1"
    assert flag_value(["x", "--name=web"], "--name") == "web"
    assert flag_value(["x", "--name"], "--name") is None  # no value follows
    assert flag_value(["x"], "--name") is None


def test_clusters_false_is_per_program() -> None:
    ruleset = load(
        "commands:\n"
        "  finder: {clusters: false}\n"
        "rules:\n"
        "  - id: t.finder-delete\n"
        "    severity: high\n"
        "    match: {command: [finder, other], any_flags: [-d]}\n"
        "    why: deletes what it finds\n"
    )
    assert run(ruleset, "finder . -delete")[0] == []
    assert [f.rule for f in run(ruleset, "other -rd x")[0]] == ["t.finder-delete"]


def test_match_uses_basename_of_program_path() -> None:
    ruleset = load(GOOD_PACK)
    assert [f.rule for f in run(ruleset, "/usr/local/bin/frob wipe d")[0]] == ["demo.frob-wipe"]


# ---------------------------------------------------------------------------------------------
# Matching details


def test_escalation_raises_one_tier_and_says_which_flag() -> None:
    findings, _ = run(load(GOOD_PACK), "frob wipe disk1 --yes")
    assert findings[0].severity == Tier.CRITICAL
    assert "--yes" in findings[0].why


def test_escalation_never_goes_past_critical() -> None:
    text = GOOD_PACK.replace("severity: high", "severity: critical")
    findings, _ = run(load(text), "frob wipe disk1 --yes")
    assert findings[0].severity == Tier.CRITICAL


def test_destructive_match_overrides_a_safe_one() -> None:
    text = GOOD_PACK.replace("args: [list]}", "args: [wipe]}")
    findings, readonly = run(load(text), "frob wipe disk1")
    assert [f.rule for f in findings] == ["demo.frob-wipe"]
    assert readonly is False


def test_via_is_explained_in_why() -> None:
    ruleset = load(GOOD_PACK)
    command = Command(argv=("frob", "wipe", "d"), via=("bash -c", "xargs"))
    findings, _ = match_command(ruleset, command)
    assert "bash -c -> xargs" in findings[0].why


@pytest.mark.parametrize(
    ("resource", "text", "expected"),
    [
        ("{positional: 1}", "frob wipe a b", ("b",)),
        ("{rest: true}", "frob wipe a b", ("a", "b")),
        ("{flag: --name}", "frob wipe --name=web", ("web",)),
        ("{flag: [--id, --name]}", "frob wipe --name web", ("web",)),
        ("{regex: 'wipe (\\S+)', prefix: 'disk:'}", "frob wipe a", ("disk:a",)),
        ("{positional: 5}", "frob wipe a", ()),
    ],
)
def test_resource_extraction(resource: str, text: str, expected: tuple[str, ...]) -> None:
    pack = GOOD_PACK.replace("resource: {positional: 0}", f"resource: {resource}")
    findings, _ = run(load(pack), text)
    assert findings[0].resources == expected


def test_regex_searches_the_command_text() -> None:
    ruleset = load(
        "rules:\n"
        "  - id: t.redis-flush\n"
        "    severity: critical\n"
        "    match: {command: redis-cli, regex: '(?i)flushall'}\n"
        "    why: deletes every key\n"
    )
    assert [f.rule for f in run(ruleset, "redis-cli FlushAll")[0]] == ["t.redis-flush"]
    assert run(ruleset, "redis-cli get x")[0] == []


def test_unknown_key_in_commands_section_is_an_error() -> None:
    # A misspelt `value_flags` would silently change how arguments are read: fail instead.
    text = GOOD_PACK.replace("frob: {value_flags: [-n, --name]}", "frob: {value_flag: [-n]}")
    assert_error_at(text, 3, r"unknown key\(s\) for commands\.frob: value_flag")
    text = GOOD_PACK.replace("frob: {value_flags: [-n, --name]}", "frob: {clusters: 'no'}")
    assert_error_at(text, 3, r"commands\.frob\.clusters must be true or false")


def test_a_repeated_key_is_an_error_not_a_silent_merge() -> None:
    # A lost `- id:` line makes two rules one mapping; YAML would keep the later keys silently.
    text = (
        "pack: x\nrules:\n"
        "  - id: x.one\n    severity: high\n    match: {command: a}\n    why: one\n\n"
        "    severity: low\n    match: {command: b}\n    why: two\n"
    )
    with pytest.raises(PackError, match=r"^broken:8: .*'severity' appears twice"):
        load_pack_text(text, "broken", RuleSet())
