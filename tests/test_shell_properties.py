"""Property tests: wrapping a destructive command never lowers its tier; data stays data.

Wrappers, compounds, `sh -c`, `$(...)` and `eval` are applied recursively (hypothesis builds the
nesting), so `sudo bash -c 'true && timeout 5 rm -rf /'` and deeper are all covered.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from approve.analyze.rules import RuleSet, load_pack_text
from approve.analyze.shell import analyze_shell
from approve.model import Tier

PACK = """
pack: property-test
commands:
  find: {clusters: false}
rules:
  - id: p.rm-recursive
    severity: critical
    match: {command: rm, any_flags: [-r, -R, --recursive]}
    why: deletes a tree
  - id: p.rm
    severity: high
    match: {command: rm}
    why: deletes files
  - id: p.git-push-force
    severity: critical
    match: {command: git, args: [push], any_flags: [--force, -f]}
    why: rewrites remote history
  - id: p.find-delete
    severity: critical
    match: {command: find, any_flags: [-delete]}
    why: deletes what it finds
  - id: p.kubectl-delete
    severity: high
    match: {command: kubectl, args: [delete]}
    why: deletes objects
  - id: p.dd
    severity: critical
    match: {command: dd, regex: 'of=/dev/'}
    why: overwrites a disk
  - id: p.read-only
    severity: safe
    match: {command: [cat, grep, echo]}
    why: read-only
"""

DESTRUCTIVE = [
    "rm -rf /data",
    "rm /etc/passwd",
    "git push --force origin main",
    "git push -f",
    "find / -name '*.log' -delete",
    "kubectl delete namespace prod",
    "dd if=/dev/zero of=/dev/sda bs=1M",
    "rm -r 'dir with spaces'",
]

Wrap = Callable[[str], str]
# Wrappers that take a simple command (`sudo ( x )` is not shell): given a compound command,
# they wrap `bash -c 'x'` instead.
PREFIXES: list[Wrap] = [
    lambda x: f"sudo {x}",
    lambda x: f"sudo -u root {x}",
    lambda x: f"env A=1 {x}",
    lambda x: f"env -i {x}",
    lambda x: f"nohup {x}",
    lambda x: f"timeout 5 {x}",
    lambda x: f"timeout -s KILL 5 {x}",
    lambda x: f"nice -n 5 {x}",
    lambda x: f"VAR=x {x}",
]
# Wrappers that make a simple command of anything.
SIMPLE: list[Wrap] = [
    lambda x: f"sh -c {shlex.quote(x)}",
    lambda x: f"bash -c {shlex.quote(x)}",
    lambda x: f"echo $({x})",
    lambda x: f"eval {shlex.quote(x)}",
    lambda x: f"ssh host {shlex.quote(x)}",
]
COMPOUNDS: list[Wrap] = [
    lambda x: f"true && {x}",
    lambda x: f"{x}; true",
    lambda x: f"false || {x}",
    lambda x: f"{x} | cat",
    lambda x: f"( {x} )",
    lambda x: f"{{ {x}; }}",
    lambda x: f"if true; then {x}; fi",
]


@dataclass(frozen=True)
class Case:
    original: str  # the destructive command
    text: str  # it, wrapped
    simple: bool  # a simple command, which a prefix wrapper may take as is


def wrap(case: Case, kind: str, wrapper: Wrap) -> Case:
    if kind == "prefix":
        inner = case.text if case.simple else f"bash -c {shlex.quote(case.text)}"
        return Case(case.original, wrapper(inner), True)
    return Case(case.original, wrapper(case.text), kind == "simple")


# Ways to mention a command as data: none of them runs it.
DATA: list[Wrap] = [
    lambda x: f"git commit -m {shlex.quote(x)}",
    lambda x: f"echo {shlex.quote(x)}",
    lambda x: f"grep -e {shlex.quote(x)} notes.txt",
    lambda x: f"cat <<'EOF'\n{x}\nEOF",
    lambda x: f"echo {shlex.quote(x)} > notes.txt",
]


def _ruleset() -> RuleSet:
    rules = RuleSet()
    load_pack_text(PACK, "property-test", rules)
    return rules


RULES = _ruleset()


def tier(text: str) -> Tier:
    return max((f.severity for f in analyze_shell(text, RULES).findings), default=Tier.SAFE)


wrappers = st.one_of(
    st.tuples(st.just("prefix"), st.sampled_from(PREFIXES)),
    st.tuples(st.just("simple"), st.sampled_from(SIMPLE)),
    st.tuples(st.just("compound"), st.sampled_from(COMPOUNDS)),
)
wrapped_commands = st.recursive(
    st.sampled_from(DESTRUCTIVE).map(lambda command: Case(command, command, True)),
    lambda inner: st.tuples(inner, wrappers).map(lambda pair: wrap(pair[0], *pair[1])),
    max_leaves=8,
)


@pytest.mark.parametrize("command", DESTRUCTIVE)
def test_each_destructive_command_is_at_least_high(command: str) -> None:
    assert tier(command) >= Tier.HIGH


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wrapped_commands)
def test_wrapping_never_lowers_the_tier(case: Case) -> None:
    assert tier(case.text) >= tier(case.original), case.text


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(DESTRUCTIVE), st.sampled_from(DATA))
def test_destructive_words_as_data_stay_low(command: str, as_data: Wrap) -> None:
    text = as_data(command)
    assert tier(text) <= Tier.LOW, text


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_arbitrary_text_never_crashes(text: str) -> None:
    findings = analyze_shell(text, RULES).findings
    last_line = text.count("\n") + 1
    # Whatever the input, every finding points at lines that exist in it.
    assert all(1 <= f.line <= f.end_line <= last_line for f in findings), findings
