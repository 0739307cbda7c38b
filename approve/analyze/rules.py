"""Rule packs: YAML files that say which commands and lines are destructive, and why.

A pack is one domain (filesystem, git, kubernetes, ceph, ...). Packs ship in
`approve/analyze/packs/`; users add their own in `$XDG_CONFIG_HOME/approve/packs/`. A pack that
does not validate is an error naming its file and line: a rule is never skipped silently,
because a skipped rule is an allow nobody chose.

Pack format::

    pack: ceph
    commands:                       # optional, per program: how to read its arguments
      ceph: {value_flags: [--cluster, -c]}
    rules:
      - id: ceph.osd-purge
        severity: critical          # safe (known read-only) | low | high | critical
        match:
          command: ceph             # program name (basename of argv[0]); a list is any of them
          args: [osd, purge]        # the first positional words, in order
          # subcommand: [status, log]  (or: the first positional word is one of these)
          any_flags: [--force]      # at least one of these flags (optional)
          all_flags: [-r, -f]       # every one of these flags (optional)
          not_flags: [--dry-run]    # the rule does not apply if any is present (optional)
          regex: 'pattern'          # searched in the command's text (optional)
        resource: {positional: 0, prefix: "osd."}   # or {flag: --name}, {rest: true}, {regex: ..}
                                                    # ({rest: true, kind_first: true}: KIND NAME...)
        escalate_flags: [--yes-i-really-mean-it]    # each raises the severity one tier (max critical)
        before:                     # steps a safe sequence runs first; {id} is the resource
          - {regex: 'osd\\s+out\\s+(?:osd\\.)?{id}\b', missing: marks the OSD out}
        why: purges the OSD and its data from the cluster map
        safer: ceph osd out ID; wait for active+clean; ceph osd safe-to-destroy osd.ID

Line rules (for diffs and plain text) use ``match: {line: REGEX, side: removed|added|any}``;
SQL rules use ``match: {sql: KIND}`` (see approve/analyze/sql.py for the kinds).

Flags: a word `--name=value` matches `--name`; a short cluster `-rf` matches `-r` and `-f` unless
the program says `clusters: false` (as `find`, whose `-delete` is one word).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from approve.matching import applies, flag_value, has_flag, positionals
from approve.model import Finding, Tier


class PackError(ValueError):
    """A rule pack is broken: the message names the file and line."""


@dataclass(frozen=True, slots=True)
class Command:
    """One simple command as the shell would run it, after unwrapping sudo, sh -c and friends."""

    argv: tuple[str, ...]
    line: int = 1
    end_line: int = 1
    text: str = ""  # the source text it came from, for regex rules and messages
    via: tuple[str, ...] = ()  # how it was reached: ("bash -c", "xargs") -- explains the finding
    env: tuple[tuple[str, str], ...] = ()  # VAR=value assignments in front of it
    dynamic: bool = False  # some words are computed at run time ($VAR, $(...)) and unknown here

    @property
    def name(self) -> str:
        return os.path.basename(self.argv[0]) if self.argv else ""


@dataclass(frozen=True, slots=True)
class ProgramSyntax:
    """How to read one program's arguments: which flags take a value."""

    value_flags: frozenset[str] = frozenset()
    clusters: bool = True


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    severity: Tier
    why: str
    source: str  # "file:line", for errors and for `approve check --explain`
    commands: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    subcommand: tuple[str, ...] = ()  # the first positional word is one of these
    any_flags: tuple[str, ...] = ()
    all_flags: tuple[str, ...] = ()
    not_flags: tuple[str, ...] = ()
    regex: re.Pattern[str] | None = None
    line: re.Pattern[str] | None = None
    side: str = "any"
    sql: str | None = None
    resource: dict[str, Any] = field(default_factory=dict)
    escalate_flags: tuple[str, ...] = ()
    safer: str | None = None
    # (regex template with {id}, what is missing): steps a safe sequence takes first
    before: tuple[tuple[str, str], ...] = ()

    @property
    def kind(self) -> str:
        if self.commands:
            return "command"
        if self.sql:
            return "sql"
        return "line"


@dataclass
class RuleSet:
    """Every loaded rule, indexed for the analyzers."""

    rules: list[Rule] = field(default_factory=list)
    syntax: dict[str, ProgramSyntax] = field(default_factory=dict)
    by_command: dict[str, list[Rule]] = field(default_factory=dict)
    line_rules: list[Rule] = field(default_factory=list)
    sql_rules: list[Rule] = field(default_factory=list)
    by_id: dict[str, Rule] = field(default_factory=dict)

    def add(self, rule: Rule) -> None:
        self.rules.append(rule)
        self.by_id[rule.id] = rule
        if rule.kind == "command":
            for name in rule.commands:
                self.by_command.setdefault(name, []).append(rule)
        elif rule.kind == "sql":
            self.sql_rules.append(rule)
        else:
            self.line_rules.append(rule)

    def syntax_for(self, program: str) -> ProgramSyntax:
        return self.syntax.get(program, _DEFAULT_SYNTAX)

    def rule(self, rule_id: str) -> Rule:
        return self.by_id[rule_id]


_DEFAULT_SYNTAX = ProgramSyntax()
_MATCH_KEYS = {
    "command",
    "args",
    "subcommand",
    "any_flags",
    "all_flags",
    "not_flags",
    "regex",
    "line",
    "side",
    "sql",
}
_RULE_KEYS = {
    "id",
    "severity",
    "match",
    "resource",
    "escalate_flags",
    "before",
    "why",
    "safer",
    "__line__",
}
_RESOURCE_KEYS = {"positional", "flag", "rest", "kind_first", "regex", "prefix", "__line__"}


class _LineLoader(yaml.SafeLoader):
    """A SafeLoader that records the line of every mapping, so errors can point at it."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        # YAML lets a later key silently replace an earlier one; in a pack that merges two rules
        # into one (a lost `- id:` line does it), so a repeated key is an error.
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} appears twice in one mapping", key_node.start_mark
                )
            seen.add(key)
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__line__"] = node.start_mark.line + 1
        return mapping


def _strings(value: Any, where: str, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise PackError(f"{where}: '{key}' must be a string or a list of strings")


def _compile(pattern: Any, where: str, key: str) -> re.Pattern[str]:
    if not isinstance(pattern, str):
        raise PackError(f"{where}: '{key}' must be a string")
    try:
        return re.compile(pattern)
    except re.error as error:
        raise PackError(f"{where}: '{key}' is not a valid regular expression: {error}") from None


def _parse_rule(raw: Any, path: str) -> Rule:
    if not isinstance(raw, dict):
        raise PackError(f"{path}: every rule must be a mapping")
    where = f"{path}:{raw.get('__line__', '?')}"
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        raise PackError(f"{where}: unknown rule key(s): {', '.join(sorted(map(str, unknown)))}")
    for key in ("id", "severity", "match", "why"):
        if key not in raw:
            raise PackError(f"{where}: rule is missing '{key}'")
    rule_id, why = raw["id"], raw["why"]
    if not isinstance(rule_id, str) or not re.fullmatch(r"[a-z0-9][a-z0-9_.\-]*", rule_id):
        raise PackError(f"{where}: 'id' must be lowercase letters, digits, '.', '-' or '_'")
    if not isinstance(why, str) or not why.strip():
        raise PackError(f"{where}: 'why' must be a non-empty string")
    try:
        severity = Tier.parse(str(raw["severity"]))
    except ValueError as error:
        raise PackError(f"{where}: {error}") from None
    match = raw["match"]
    if not isinstance(match, dict):
        raise PackError(f"{where}: 'match' must be a mapping")
    unknown = set(match) - _MATCH_KEYS - {"__line__"}
    if unknown:
        raise PackError(f"{where}: unknown match key(s): {', '.join(sorted(map(str, unknown)))}")
    commands = _strings(match["command"], where, "command") if "command" in match else ()
    line = _compile(match["line"], where, "line") if "line" in match else None
    sql = match.get("sql")
    if sql is not None and not isinstance(sql, str):
        raise PackError(f"{where}: 'sql' must be a string")
    if sum(bool(x) for x in (commands, line, sql)) != 1:
        raise PackError(f"{where}: 'match' needs exactly one of 'command', 'line' or 'sql'")
    side = match.get("side", "any")
    if side not in ("removed", "added", "any"):
        raise PackError(f"{where}: 'side' must be removed, added or any")
    resource = raw.get("resource", {})
    if not isinstance(resource, dict) or set(resource) - _RESOURCE_KEYS:
        raise PackError(
            f"{where}: 'resource' must be a mapping of {sorted(_RESOURCE_KEYS - {'__line__'})}"
        )
    if "regex" in resource:
        _compile(resource["regex"], where, "resource.regex")
    safer = raw.get("safer")
    if safer is not None and not isinstance(safer, str):
        raise PackError(f"{where}: 'safer' must be a string")
    before = _parse_before(raw.get("before", []), where)
    return Rule(
        id=rule_id,
        severity=severity,
        why=why.strip(),
        source=where,
        commands=commands,
        args=_strings(match.get("args", []), where, "args"),
        subcommand=_strings(match.get("subcommand", []), where, "subcommand"),
        any_flags=_strings(match.get("any_flags", []), where, "any_flags"),
        all_flags=_strings(match.get("all_flags", []), where, "all_flags"),
        not_flags=_strings(match.get("not_flags", []), where, "not_flags"),
        regex=_compile(match["regex"], where, "regex") if "regex" in match else None,
        line=line,
        side=side,
        sql=sql,
        resource={k: v for k, v in resource.items() if k != "__line__"},
        escalate_flags=_strings(raw.get("escalate_flags", []), where, "escalate_flags"),
        safer=safer.strip() if safer else None,
        before=before,
    )


def _parse_before(raw: Any, where: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, list):
        raise PackError(f"{where}: 'before' must be a list of {{regex, missing}} mappings")
    steps = []
    for item in raw:
        if not isinstance(item, dict) or set(item) - {"regex", "missing", "__line__"}:
            raise PackError(f"{where}: each 'before' step is a mapping of regex and missing")
        template, missing = item.get("regex"), item.get("missing")
        if not isinstance(template, str) or not isinstance(missing, str) or not missing:
            raise PackError(f"{where}: each 'before' step needs a regex and a missing text")
        _compile(template.replace("{id}", "0"), where, "before.regex")
        steps.append((template, missing.strip()))
    return tuple(steps)


def load_pack_text(text: str, path: str, into: RuleSet) -> None:
    """Validate one pack's YAML text and add its rules; PackError on anything wrong."""
    try:
        data = yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise PackError(f"{path}{line}: not valid YAML: {problem}") from None
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise PackError(f"{path}:1: a pack is a mapping with a 'rules' list")
    unknown = set(data) - {"pack", "commands", "rules", "__line__"}
    if unknown:
        raise PackError(f"{path}:1: unknown pack key(s): {', '.join(sorted(map(str, unknown)))}")
    commands = data.get("commands", {}) or {}
    if not isinstance(commands, dict):
        raise PackError(f"{path}: 'commands' must be a mapping")
    for program, spec in commands.items():
        if program == "__line__":
            continue
        if not isinstance(spec, dict):
            raise PackError(f"{path}: commands.{program} must be a mapping")
        where = f"{path}:{spec.get('__line__', '?')}"
        unknown = set(spec) - {"value_flags", "clusters", "__line__"}
        if unknown:
            names = ", ".join(sorted(map(str, unknown)))
            raise PackError(f"{where}: unknown key(s) for commands.{program}: {names}")
        if not isinstance(spec.get("clusters", True), bool):
            raise PackError(f"{where}: commands.{program}.clusters must be true or false")
        flags = frozenset(_strings(spec.get("value_flags", []), where, "value_flags"))
        previous = into.syntax.get(program, _DEFAULT_SYNTAX)
        into.syntax[program] = ProgramSyntax(
            value_flags=previous.value_flags | flags,
            clusters=bool(spec.get("clusters", previous.clusters)),
        )
    seen = {rule.id for rule in into.rules}
    for raw in data["rules"]:
        rule = _parse_rule(raw, path)
        if rule.id in seen:
            raise PackError(f"{rule.source}: rule id '{rule.id}' is defined twice")
        seen.add(rule.id)
        into.add(rule)


def user_pack_dir() -> Path:
    from approve.paths import config_dir

    return Path(config_dir()) / "packs"


def load_rules(extra_dirs: Iterable[Path] | None = None) -> RuleSet:
    """The shipped packs, then the user's (or `extra_dirs` instead, for tests)."""
    ruleset = RuleSet()
    shipped = resources.files("approve.analyze") / "packs"
    for entry in sorted(shipped.iterdir(), key=lambda e: e.name):
        if entry.name.endswith((".yaml", ".yml")):
            load_pack_text(entry.read_text("utf-8"), f"packs/{entry.name}", ruleset)
    dirs = list(extra_dirs) if extra_dirs is not None else [user_pack_dir()]
    for directory in dirs:
        if not directory.is_dir():
            continue
        for path in sorted(directory.iterdir()):
            if path.suffix in (".yaml", ".yml"):
                try:
                    text = path.read_text("utf-8")
                except (OSError, UnicodeDecodeError) as error:
                    raise PackError(f"{path}: cannot read: {error}") from None
                load_pack_text(text, str(path), ruleset)
    return ruleset


_cached: RuleSet | None = None
_cached_fingerprint = ""


def default_rules() -> RuleSet:
    """The rules for this process, loaded once."""
    global _cached
    if _cached is None:
        from approve import fastpath

        global _cached_fingerprint
        stamp = fastpath.fingerprint()  # taken before loading: an edit meanwhile makes it stale
        _cached = load_rules()
        _cached_fingerprint = stamp
        _write_fast_path_cache(_cached, stamp)
    return _cached


def default_rules_fingerprint() -> str:
    """The pack fingerprint default_rules() was loaded under (for the fast path's memo)."""
    default_rules()
    return _cached_fingerprint


def _write_fast_path_cache(ruleset: RuleSet, stamp: str) -> None:
    """Give approve/fastpath.py the command rules in a form it can load without YAML."""
    from approve import fastpath
    from approve.analyze.shell import CONTAINER_PROGRAMS, UNWRAPPING_PROGRAMS

    rules: dict[str, list[tuple[object, ...]]] = {}
    for program, program_rules in ruleset.by_command.items():
        rules[program] = [
            (
                int(rule.severity),
                rule.args,
                rule.any_flags,
                rule.all_flags,
                rule.not_flags,
                rule.regex.pattern if rule.regex else None,
                rule.subcommand,
            )
            for rule in program_rules
        ]
    syntax = {
        program: (tuple(sorted(spec.value_flags)), spec.clusters)
        for program, spec in ruleset.syntax.items()
    }
    fastpath.write_cache(rules, syntax, UNWRAPPING_PROGRAMS, CONTAINER_PROGRAMS, stamp)


# ---------------------------------------------------------------------------------------------
# Matching a command against the rules


def _resources(rule: Rule, command: Command, rest: list[str]) -> tuple[str, ...]:
    spec = rule.resource
    prefix = str(spec.get("prefix", ""))
    names: list[str] = []
    if "positional" in spec:
        index = int(spec["positional"])
        if 0 <= index < len(rest):
            names.append(rest[index])
    elif "flag" in spec:
        for flag in _strings(spec["flag"], rule.source, "resource.flag"):
            value = flag_value(command.argv, flag)
            if value is not None:
                names.append(value)
                break
    elif spec.get("rest"):
        words = rest
        if spec.get("kind_first") and len(words) > 1 and "/" not in words[0]:
            # `kubectl delete namespace payments`: the first word names the kind, the rest the
            # objects; a reviewer asked to retype "the name" must be asked for `payments`.
            words = words[1:]
        names.extend(words)
    elif "regex" in spec:
        match = re.search(str(spec["regex"]), " ".join(command.argv))
        if match:
            names.append(match.group(1) if match.groups() else match.group(0))
    return tuple(prefix + name for name in names)


def match_command(ruleset: RuleSet, command: Command) -> tuple[list[Finding], bool]:
    """The findings for one command, and whether a `safe` rule says it is read-only."""
    findings: list[Finding] = []
    readonly = False
    rules = ruleset.by_command.get(command.name, ())
    if not rules:
        return findings, readonly
    syntax = ruleset.syntax_for(command.name)
    words = command.argv[1:]
    args = positionals(command.argv, syntax.value_flags)
    text = command.text or " ".join(command.argv)
    for rule in rules:
        if not applies(rule, words, args, text, syntax.clusters):
            continue
        if rule.severity == Tier.SAFE:
            readonly = True
            continue
        severity: Tier = rule.severity
        escalated = [f for f in rule.escalate_flags if has_flag(words, f, syntax.clusters)]
        why = rule.why
        if escalated:
            severity = severity.raised()
            why += f" ({', '.join(escalated)} skips the confirmation)"
        if command.via:
            why += f" [reached through {' -> '.join(command.via)}]"
        findings.append(
            Finding(
                line=command.line,
                end_line=command.end_line,
                severity=severity,
                rule=rule.id,
                why=why,
                resources=_resources(rule, command, args[len(rule.args) :]),
                safer=rule.safer,
            )
        )
    # A destructive match overrides a read-only one (e.g. `kubectl get` vs `--dry-run=none`).
    return findings, readonly and not findings


def note_missing_steps(
    findings: list[Finding], earlier: Sequence[str], ruleset: RuleSet
) -> list[Finding]:
    """Findings whose rule names steps a safe sequence takes first, told which of them no earlier
    command in this input took (e.g. a purge with no `ceph osd out` for that OSD before it)."""
    result = []
    for finding in findings:
        rule = ruleset.by_id.get(finding.rule)
        if rule is None or not rule.before:
            result.append(finding)
            continue
        prefix = str(rule.resource.get("prefix", ""))
        names = [
            n[len(prefix) :] if prefix and n.startswith(prefix) else n for n in finding.resources
        ]
        missing = []
        for template, what in rule.before:
            ids = "(?:" + "|".join(map(re.escape, names)) + ")" if names else r"\S+"
            compiled = re.compile(template.replace("{id}", ids))
            if not any(compiled.search(text) for text in earlier):
                missing.append(what)
        if missing:
            note = "; nothing before it in this input " + ", nor ".join(missing)
            finding = replace(finding, why=finding.why + note)
        result.append(finding)
    return result
