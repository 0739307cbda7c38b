"""Shell commands: every simple command a piece of shell would run, matched against the rules.

Why tree-sitter-bash: it is a C parser (a one-line command parses in microseconds, so
`approve check --jsonl` keeps up with whole shell histories), and it is error-tolerant: it
always returns a tree, marking what it could not read with ERROR and MISSING nodes. So we know
exactly when we could not parse (a finding a human must read) and still see the commands in the
parts that did parse. bashlex, the pure-Python alternative, rejects case statements, functions
and arithmetic outright and is an order of magnitude slower.

How it works: a walk over the tree turns each simple command into argv words (quotes removed,
`$'..'` decoded, variables set earlier in the input substituted), then unwraps what the command
really runs: wrappers (sudo, env, timeout, ...), `sh -c STRING` and `eval` (parsed again),
`xargs`, `find -exec`, `ssh host CMD`, `kubectl exec -- CMD`, text piped or fed by heredoc into
an interpreter, scripts written earlier in the same input and then run. Every command reached
becomes a `rules.Command`; `rules.match_command` says what is destructive. Words that are only
data (a commit message, a grep pattern, an echo string) never become commands, so they are
never findings.

Two modes: strict (`analyze_shell`, for shell input and hooks) reports commands no rule knows
and text it could not parse; lenient (`analyze_line`, for free text) reports only rule matches
and bypass findings, because prose is not shell.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import shlex
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import tree_sitter
import tree_sitter_bash

from approve.analyze.base import Partial
from approve.analyze.rules import Command, RuleSet, match_command, note_missing_steps
from approve.model import Finding, Tier

Node = tree_sitter.Node

# ---------------------------------------------------------------------------------------------
# Public API


@dataclass
class ParseResult:
    """The unwrapped simple commands of a piece of shell, and what got in the way."""

    commands: list[Command] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)
    parse_ok: bool = True


def analyze_shell(text: str, ruleset: RuleSet) -> Partial:
    """Strict mode: unknown commands and unparsed text are findings too."""
    walker = _Walker(ruleset, strict=True)
    walker.walk_input(text, _Scope(first_line=1))
    return Partial(findings=walker.findings())


def analyze_line(
    line: str, line_no: int, ruleset: RuleSet, earlier: list[str] | None = None
) -> list[Finding]:
    """Lenient mode for a line of free text: only rule matches and bypass findings.

    `earlier` holds the commands of the lines before (and is extended with this line's), so
    rules that expect earlier steps see the whole text, not just this line.
    """
    walker = _Walker(ruleset, strict=False)
    walker.walk_input(line, _Scope(first_line=line_no))
    return walker.findings(earlier)


def parse_commands(text: str, first_line: int = 1) -> ParseResult:
    """Every simple command the text would run (with redirect pseudo-commands), unwrapped."""
    walker = _Walker(RuleSet(), strict=True)
    walker.walk_input(text, _Scope(first_line=first_line))
    return ParseResult(
        commands=[record.command for record in walker.records],
        problems=list(walker.problems),
        parse_ok=walker.parse_ok,
    )


# ---------------------------------------------------------------------------------------------
# What the walk collects


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


_MAX_DEPTH = 12  # nested sh -c / eval / script levels before we give up and ask a human

# Programs that run their argument as shell code or read shell code from stdin.
SHELLS = _names("sh bash zsh dash ksh mksh ash")
# Interpreters whose inline code we scan for shell-outs and deletions.
INTERPRETERS = {
    "python": "-c",
    "python2": "-c",
    "python3": "-c",
    "perl": "-e",
    "node": "-e",
    "nodejs": "-e",
    "ruby": "-e",
}
SQL_CLIENTS = _names("psql mysql mariadb sqlite3")
# Shell builtins that cannot change anything by themselves (a redirect on them is its own
# pseudo-command), so strict mode need not call them unknown.
HARMLESS_BUILTINS = _names(
    "true false : cd pushd popd pwd echo printf test [ set shopt export local declare typeset "
    "readonly unset type hash read wait jobs shift return exit break continue yes"
)


@dataclass(frozen=True, slots=True)
class _Word:
    """One argv word after expansion; dynamic when part of it is only known at run time."""

    text: str
    dynamic: bool = False


@dataclass(frozen=True, slots=True)
class _Stream:
    """What flows into a command's stdin: literal text when we can know it."""

    text: str | None  # the literal content, or None when it is computed at run time
    source: str  # what produced it, for messages ("curl", "heredoc", "base64 -d")
    answers: bool = False  # `yes`, `echo y`: the agent answering a prompt itself
    line: int | None = None  # first input line of a heredoc body, so findings point into it


@dataclass(slots=True)
class _Record:
    """A command reached by the walk, with what the matcher needs to know besides argv."""

    command: Command
    pseudo: bool = False  # a redirect target (`>`), not a program
    answered: bool = False  # its stdin answers prompts (`yes | cmd`)
    known: bool = False  # a harmless builtin, a function defined here, or a script we read


@dataclass(frozen=True, slots=True)
class _Scope:
    """Where the text being walked sits in the original input, and how it was reached."""

    first_line: int = 1
    fixed: tuple[int, int] | None = None  # nested strings keep the outer command's lines
    via: tuple[str, ...] = ()
    depth: int = 0
    stdin: _Stream | None = None  # what the whole text inherits on stdin

    def nested(self, span: tuple[int, int], via: str, stdin: _Stream | None = None) -> _Scope:
        return _Scope(
            first_line=span[0],
            fixed=span,
            via=(*self.via, via),
            depth=self.depth + 1,
            stdin=stdin,
        )

    def through(self, via: str) -> _Scope:
        return _Scope(self.first_line, self.fixed, (*self.via, via), self.depth, self.stdin)


_parser: tree_sitter.Parser | None = None


def _get_parser() -> tree_sitter.Parser:
    """One parser per process: building the language object is the slow part."""
    global _parser
    if _parser is None:
        _parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_bash.language()))
    return _parser


# tree-sitter-bash 0.25's scanner can corrupt memory (and segfault later) on some non-ASCII
# input, found by fuzzing. Bash splits words only on ASCII blanks, so the parser is given a copy
# with every non-ASCII byte turned into `x`, same length; text is read from the original bytes.
_NON_ASCII = re.compile(rb"[\x80-\xff]")


def _parse(source: bytes) -> tree_sitter.Tree:
    return _get_parser().parse(source if source.isascii() else _NON_ASCII.sub(b"x", source))


def _finding(span: tuple[int, int], severity: Tier, rule: str, why: str) -> Finding:
    return Finding(line=span[0], end_line=span[1], severity=severity, rule=rule, why=why)


def _via_note(via: Sequence[str]) -> str:
    return f" [reached through {' -> '.join(via)}]" if via else ""


# ---------------------------------------------------------------------------------------------
# Words: quotes, escapes and expansions


_ANSI_C_ESCAPE = re.compile(
    r"\\(x[0-9A-Fa-f]{1,2}|u[0-9A-Fa-f]{1,4}|U[0-9A-Fa-f]{1,8}|[0-7]{1,3}|c.|.)", re.S
)
_SIMPLE_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "a": "\a",
    "b": "\b",
    "e": "\x1b",
    "E": "\x1b",
    "f": "\f",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "?": "?",
}


def _decode_escape(match: re.Match[str]) -> str:
    code = match.group(1)
    head = code[0]
    if head in "xuU" and len(code) > 1:
        return chr(min(int(code[1:], 16), 0x10FFFF))
    if head.isdigit():
        return chr(int(code, 8) & 0xFF)
    if head == "c" and len(code) == 2:
        return chr(ord(code[1].upper()) & 0x1F)
    return _SIMPLE_ESCAPES.get(code, "\\" + code)


def decode_ansi_c(body: str) -> str:
    """The value of `$'body'` (also used for `echo -e` and printf formats)."""
    return _ANSI_C_ESCAPE.sub(_decode_escape, body)


# Two operands with no operator between them: never arithmetic, probably a command.
_NOT_ARITHMETIC = re.compile(r"[A-Za-z_][\w.]*\s+(?:-[A-Za-z]|[A-Za-z/.'\"])")
_UNQUOTED_ESCAPE = re.compile(r"\\(\n|.)", re.S)
_DOUBLE_QUOTED_ESCAPE = re.compile(r"\\([\\\"$`\n])")


def _unescape_unquoted(text: str) -> str:
    return _UNQUOTED_ESCAPE.sub(lambda m: "" if m.group(1) == "\n" else m.group(1), text)


def _unescape_double_quoted(text: str) -> str:
    return _DOUBLE_QUOTED_ESCAPE.sub(lambda m: "" if m.group(1) == "\n" else m.group(1), text)


# ---------------------------------------------------------------------------------------------
# Wrappers: programs that run the rest of their argv as a command


@dataclass(frozen=True, slots=True)
class _Options:
    """A program's options: which take a value, and how many positionals precede the command."""

    value: frozenset[str] = frozenset()  # short (-u) and long (--user) options taking a value
    positionals: int = 0  # e.g. timeout DURATION, chroot NEWROOT, flock FILE
    assignments: bool = False  # NAME=VALUE words before the command (env, sudo)
    stop_words: frozenset[str] = frozenset()  # options after which no command runs


def _opts(
    value: str = "", positionals: int = 0, assignments: bool = False, stop: str = ""
) -> _Options:
    return _Options(frozenset(value.split()), positionals, assignments, frozenset(stop.split()))


WRAPPERS: dict[str, _Options] = {
    "sudo": _opts(
        "-u -g -C -D -h -p -r -t -T -U -R --user --group --close-from --chdir --host "
        "--prompt --role --type --command-timeout --other-user --chroot",
        assignments=True,
        stop="-l --list -v --validate -k -K --reset-timestamp --remove-timestamp -e --edit -V",
    ),
    "doas": _opts("-u -C", stop="-L"),
    "env": _opts("-u --unset -C --chdir -S --split-string -P", assignments=True),
    "nohup": _opts(),
    "timeout": _opts("-s --signal -k --kill-after", positionals=1),
    "nice": _opts("-n --adjustment"),
    "ionice": _opts("-c --class -n --classdata", stop="-p --pid -P --pgid -u --uid"),
    "time": _opts("-f --format -o --output"),
    "command": _opts(stop="-v -V"),
    "exec": _opts("-a"),
    "builtin": _opts(),
    "stdbuf": _opts("-i -o -e --input --output --error"),
    "chroot": _opts("--userspec --groups", positionals=1),
    "flock": _opts("-w --timeout -E --conflict-exit-code", positionals=1),
    "setsid": _opts(),
    "unbuffer": _opts(),
    "caffeinate": _opts("-t -w"),
    "busybox": _opts(),
    "torsocks": _opts(),
    "proxychains": _opts("-f"),
    "proxychains4": _opts("-f"),
}
# Wrappers that pass their words to `sh -c` rather than running them as argv.
_WATCH = _opts("-n --interval -d --differences -q --equexit", stop="-x")  # joins into sh -c


def _skip_options(words: Sequence[_Word], options: _Options) -> tuple[int, list[_Word]] | None:
    """Index where the wrapped command starts, and option values that hide a command.

    Returns None when an option means no command runs (`command -v rm`, `sudo -l`).
    Option values are skipped as getopt would: `-u root`, `-uroot`, `--user=root`, `-iu root`.
    """
    index = 1
    positionals_left = options.positionals
    split_strings: list[_Word] = []
    while index < len(words):
        word = words[index].text
        if word == "--":
            index += 1
            break
        if word in options.stop_words or word.split("=", 1)[0] in options.stop_words:
            return None
        if word.startswith("--") and len(word) > 2:
            name, has_value, value = word.partition("=")
            value_word: _Word | None = _Word(value, words[index].dynamic) if has_value else None
            if name in options.value and not has_value:
                index += 1  # the value is the next word
                value_word = words[index] if index < len(words) else None
            if name == "--split-string" and value_word is not None:
                split_strings.append(value_word)  # env --split-string='rm -rf'
            index += 1
            continue
        if word.startswith("-") and len(word) > 1 and not word[1].isdigit():
            taken = _short_cluster_length(words, index, options, split_strings)
            if taken is None:
                return None
            index += taken
            continue
        if word.startswith("-") and word[1:].isdigit():  # `nice -10 cmd`
            index += 1
            continue
        if options.assignments and _is_assignment(word):
            index += 1
            continue
        if positionals_left:
            positionals_left -= 1
            index += 1
            continue
        break
    return index, split_strings


def _short_cluster_length(
    words: Sequence[_Word], index: int, options: _Options, split_strings: list[_Word]
) -> int | None:
    """How many words a short-option cluster like `-iu root` takes (None: nothing runs)."""
    word = words[index].text
    for position in range(1, len(word)):
        flag = "-" + word[position]
        if flag in options.stop_words:
            return None
        if flag in options.value:
            attached = word[position + 1 :]
            if flag == "-S":
                value = (
                    _Word(attached)
                    if attached
                    else (words[index + 1] if index + 1 < len(words) else None)
                )
                if value is not None:
                    split_strings.append(value)
            return 1 if attached else 2
    return 1


_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")


def _is_assignment(word: str) -> bool:
    return _ASSIGNMENT.match(word) is not None


# Options of programs that run another command further on in their argv.
_XARGS = _opts(
    "-a --arg-file -d --delimiter -E -e --eof -I -i --replace -L -l --max-lines -n "
    "--max-args -P --max-procs -s --max-chars --process-slot-var"
)
_XARGS_OPTIONAL_VALUE = frozenset({"-i", "-e", "-l"})  # values only when attached: -i{}
_SSH = _opts("-b -c -D -E -e -F -I -i -J -L -l -m -O -o -p -Q -R -S -W -w -B", positionals=0)
_DOCKER_EXEC = _opts("-e --env --env-file -u --user -w --workdir --detach-keys")
_SHELL_OPTIONS = frozenset({"-o", "+o", "-O", "+O", "--rcfile", "--init-file"})
_PSQL_VALUES = _names(
    "-d --dbname -h --host -p --port -U --username -o --output -v --set --variable "
    "-P --pset -T --table-attr -F --field-separator -R --record-separator -L --log-file"
)
_SQLITE_VALUES = _names("-cmd -init -separator -nullvalue -newline -mode")

# ---------------------------------------------------------------------------------------------
# Interpreter code (python -c, perl -e, node -e, ruby -e): shell-outs and deletions

_SHELL_OUT = re.compile(
    r"(?:\bos\.(?:system|popen|exec[lv]p?e?|spawn[lv]p?e?)"
    r"|\bsubprocess\.(?:run|call|check_call|check_output|Popen|getoutput|getstatusoutput)"
    r"|\bchild_process\.(?:exec|execSync|spawn|spawnSync|execFile|execFileSync)"
    r"|(?<![\w.])(?:execSync|spawnSync|execFileSync|system|exec|qx|popen)"
    r"|\.(?:execSync|spawnSync|execFileSync|exec|spawn))\s*[({]?\s*"
)
# Calls that surely run a command: a non-literal argument hides what runs.
_CERTAIN_SHELL_OUT = re.compile(
    r"^(?:os\.|subprocess\.|child_process\.|execSync|spawnSync|execFileSync|system)"
)
_BACKTICKS = re.compile(r"`([^`]*)`")
_DELETE_CALL = re.compile(
    r"\b(?:shutil\.rmtree|os\.(?:remove|unlink|rmdir|removedirs)|fs\.(?:promises\.)?"
    r"(?:rm|rmSync|rmdir|rmdirSync|unlink|unlinkSync)|rimraf|FileUtils\.(?:rm_rf|rm_r|rm|"
    r"remove_dir|remove_entry)|File\.delete|remove_tree|rmtree|unlink)\s*\("
    r"|\.(?:unlink|rmdir|rmtree)\s*\(|\bunlink\b"
)
_LITERAL_START = re.compile(r"""[rRbBuU]?(['"])""")


def _read_literal(code: str, start: int) -> tuple[str, int] | None:
    """A quoted string literal at `start`: (its value, the index after it)."""
    match = _LITERAL_START.match(code, start)
    if not match:
        return None
    quote = match.group(1)
    index = match.end()
    out: list[str] = []
    while index < len(code):
        char = code[index]
        if char == "\\" and index + 1 < len(code):
            out.append(decode_ansi_c(code[index : index + 2]))
            index += 2
            continue
        if char == quote:
            return "".join(out), index + 1
        out.append(char)
        index += 1
    return None


def _read_arguments(code: str, start: int) -> tuple[str, ...] | None:
    """Literal arguments of a call: `'cmd'`, `['rm', '-rf']` or `"rm", "-rf"`; None if not."""
    index = start
    closing = None
    if index < len(code) and code[index] == "[":
        closing, index = "]", index + 1
    values: list[str] = []
    while True:
        while index < len(code) and code[index] in " \t\n":
            index += 1
        literal = _read_literal(code, index)
        if literal is None:
            break
        values.append(literal[0])
        index = literal[1]
        while index < len(code) and code[index] in " \t\n":
            index += 1
        if index < len(code) and code[index] == ",":
            index += 1
            continue
        break
    if not values:
        return None
    if closing and (index >= len(code) or code[index] != closing):
        return None
    return tuple(values)


# ---------------------------------------------------------------------------------------------
# The walk


class _Walker:
    """Walks one input (and everything nested in it), collecting commands and findings."""

    def __init__(self, ruleset: RuleSet, strict: bool) -> None:
        self.ruleset = ruleset  # SQL findings are made during the walk
        self.strict = strict
        self.records: list[_Record] = []
        self.problems: list[Finding] = []
        self.parse_ok = True
        self.variables: dict[str, str | None] = {}  # None: assigned, but unknown here
        self.files: dict[str, str | None] = {}  # scripts written by this input
        self.functions: set[str] = set()
        self._bytes = b""  # the bytes of the text being walked (nested walks swap it)

    # -- entry points ---------------------------------------------------------------------

    def walk_input(self, text: str, scope: _Scope) -> None:
        """Walk the whole input; nesting deeper than Python's stack is a finding, not a crash."""
        try:
            self.walk_text(text, scope)
        except RecursionError:
            self.parse_ok = False
            last = scope.first_line + text.count("\n")
            self.problems.append(
                _finding(
                    (scope.first_line, last),
                    Tier.HIGH,
                    "shell.unparsed",
                    "nested too deeply to analyze: a human must read it",
                )
            )

    def walk_text(self, text: str, scope: _Scope) -> None:
        """Parse `text` and walk it. Nested strings come back here with a deeper scope."""
        if scope.depth > _MAX_DEPTH:
            self._unparsed(scope, self._span_of_scope(scope), "nested too deeply")
            return
        source = text.encode("utf-8", "surrogateescape")
        tree = _parse(source)  # held here: nodes do not keep their tree alive
        if tree.root_node.has_error:
            self.parse_ok = False
            self._unparsed(scope, self._error_span(tree.root_node, scope), "could not parse")
            if b"$((" in source:
                # bash reads a `$((` that is no arithmetic as `$( (`: look at that reading too.
                reread = source.replace(b"$((", b"$( (")
                self._walk_tree(_parse(reread), reread, scope)
        self._walk_tree(tree, source, scope)

    def _walk_tree(self, tree: tree_sitter.Tree, source: bytes, scope: _Scope) -> None:
        outer, self._bytes = self._bytes, source
        try:
            self._statement(tree.root_node, scope, scope.stdin)
        finally:
            self._bytes = outer

    def _text(self, node: Node) -> str:
        """The original text of a node (the parser saw an ASCII-masked copy)."""
        return self._bytes[node.start_byte : node.end_byte].decode("utf-8", "surrogateescape")

    def findings(self, earlier: list[str] | None = None) -> list[Finding]:
        """Rule matches for every command reached, plus what the walk itself found.

        `earlier`: commands that ran before these (extended in place), for rules that expect
        earlier steps in a safe sequence.
        """
        found: list[Finding] = list(self.problems)
        if earlier is None:
            earlier = []
        for record in self.records:
            found.extend(
                note_missing_steps(self._match(record, self.ruleset), earlier, self.ruleset)
            )
            earlier.append(record.command.text)
        return _unique(found)

    def _match(self, record: _Record, ruleset: RuleSet) -> list[Finding]:
        command = record.command
        findings, readonly = match_command(ruleset, command)
        span = (command.line, command.end_line)
        known = readonly or record.known or record.pseudo
        if command.dynamic and not record.pseudo and not readonly:
            worst = max((f.severity for f in findings), default=Tier.SAFE)
            if worst < Tier.HIGH and _has_destructive_rules(ruleset, command.name):
                findings.append(
                    _finding(
                        span,
                        Tier.HIGH,
                        "shell.dynamic-args",
                        f"'{command.name}' has destructive forms and some of its words are "
                        "only known at run time, so they cannot be ruled out"
                        + _via_note(command.via),
                    )
                )
        if record.answered and (findings or not known):
            findings = [_raised(f) for f in findings]
            findings.append(
                _finding(
                    span,
                    Tier.HIGH,
                    "shell.answers-prompt",
                    f"the input answers '{command.name}' prompts itself: a confirmation meant "
                    "for a human is skipped" + _via_note(command.via),
                )
            )
        if readonly and not findings and command.env:
            findings.extend(_env_findings(command, span))
        if self.strict and not findings and not known:
            findings.append(
                _finding(
                    span,
                    Tier.LOW,
                    "shell.unknown-command",
                    f"'{_short(command)}' is not known to be read-only: a human must read it"
                    + _via_note(command.via),
                )
            )
        return findings

    # -- problems ---------------------------------------------------------------------------

    def _span(self, node: Node, scope: _Scope) -> tuple[int, int]:
        if scope.fixed is not None:
            return scope.fixed
        return (scope.first_line + node.start_point.row, scope.first_line + node.end_point.row)

    def _span_of_scope(self, scope: _Scope) -> tuple[int, int]:
        return scope.fixed or (scope.first_line, scope.first_line)

    def _error_span(self, root: Node, scope: _Scope) -> tuple[int, int]:
        rows = [n.start_point.row for n in _error_nodes(root)] or [root.start_point.row]
        if scope.fixed is not None:
            return scope.fixed
        return (scope.first_line + min(rows), scope.first_line + max(rows))

    def _unparsed(self, scope: _Scope, span: tuple[int, int], what: str) -> None:
        self.parse_ok = False
        if self.strict:
            self.problems.append(
                _finding(
                    span,
                    Tier.HIGH,
                    "shell.unparsed",
                    f"{what}: a human must read it" + _via_note(scope.via),
                )
            )

    def _problem(
        self, span: tuple[int, int], severity: Tier, rule: str, why: str, scope: _Scope
    ) -> None:
        if severity == Tier.LOW and not self.strict:
            return  # free text: only rule matches and bypasses
        self.problems.append(_finding(span, severity, rule, why + _via_note(scope.via)))

    # -- statements -------------------------------------------------------------------------

    def _statement(self, node: Node, scope: _Scope, stdin: _Stream | None) -> _Stream | None:
        """Walk any statement node; returns its stdout when it is a known literal."""
        kind = node.type
        if kind == "command":
            return self._command(node, scope, stdin, [])
        if kind == "redirected_statement":
            return self._redirected(node, scope, stdin)
        if kind == "pipeline":
            return self._pipeline(list(node.named_children), scope, stdin)
        if kind in ("variable_assignment", "variable_assignments", "declaration_command"):
            self._assignments(node, scope)
            self._risky_settings(node, scope)
            return None
        if kind == "unset_command":
            for child in node.named_children:
                self.variables[self._text(child)] = None
            return None
        if kind == "function_definition":
            name = node.child_by_field_name("name")
            if name is not None:
                self.functions.add(self._text(name))
        elif kind in ("for_statement", "select_statement"):
            variable = node.child_by_field_name("variable")
            if variable is not None:
                self.variables[self._text(variable)] = None
        elif kind in ("command_substitution", "process_substitution"):
            self._substitution(node, scope)
            return None
        elif kind in ("heredoc_body", "comment"):
            return None
        for child in node.named_children:
            self._statement(child, scope, stdin)
        return None

    def _substitution(self, node: Node, scope: _Scope) -> None:
        inner = scope.through("$(...)" if node.type == "command_substitution" else "<(...)")
        for child in node.named_children:
            self._statement(child, inner, None)

    def _assignments(self, node: Node, scope: _Scope) -> None:
        if node.type == "variable_assignment":
            name_node = node.child_by_field_name("name")
            value_node = node.child_by_field_name("value")
            if name_node is None:
                return
            value = self._word(value_node, scope, quoted=True) if value_node else _Word("")
            self.variables[self._text(name_node)] = None if value.dynamic else value.text
            return
        for child in node.named_children:
            if child.type == "variable_assignment":
                self._assignments(child, scope)
            else:
                self._word(child, scope, quoted=True)  # walks any $(...) inside

    def _risky_settings(self, node: Node, scope: _Scope) -> None:
        """`export PAGER=cmd; git log`: a variable set on its own line that changes what later
        commands run (an exported one, or one the environment already exports)."""
        assignments = [node] if node.type == "variable_assignment" else node.named_children
        for child in assignments:
            name_node = (
                child.child_by_field_name("name") if child.type == "variable_assignment" else None
            )
            name = self._text(name_node) if name_node is not None else ""
            if name in _LOADS_CODE_ENV:
                severity, what = Tier.HIGH, "which code later commands load or which program runs"
            elif name in _CHANGES_COMMAND_ENV or name.startswith("GIT_"):
                severity, what = Tier.LOW, "what later commands run (a pager, an editor, a config)"
            else:
                continue
            self._problem(
                self._span(child, scope),
                severity,
                "shell.env-set",
                f"sets {name}=, which decides {what}",
                scope,
            )

    def _pipeline(
        self, stages: Sequence[Node], scope: _Scope, stdin: _Stream | None
    ) -> _Stream | None:
        stream = stdin
        for stage in stages:
            stream = self._statement(stage, scope, stream)
            if stream is None:
                name = self._text(stage).split(None, 1)[0] if self._text(stage).strip() else "?"
                stream = _Stream(None, name)
        return stream

    def _redirected(self, node: Node, scope: _Scope, stdin: _Stream | None) -> _Stream | None:
        body = node.child_by_field_name("body")
        redirects: list[Node] = []
        continuation: list[Node] = []  # `cat <<EOF | sh`: tree-sitter nests the rest of the line
        for child in node.named_children:
            if child is body or child == body:
                continue
            redirects.append(child)
            if child.type == "heredoc_redirect":
                for inner in child.named_children:
                    if inner.type.endswith("redirect"):
                        redirects.append(inner)
                    elif inner.type not in ("heredoc_start", "heredoc_body", "heredoc_end"):
                        continuation.append(inner)
        if body is None:
            return None
        out = self._with_redirects(body, scope, stdin, redirects)
        for rest in continuation:
            if rest.type == "pipeline":
                out = self._pipeline(list(rest.named_children), scope, out or _Stream(None, "?"))
            else:
                self._statement(rest, scope, None)
        return out

    def _with_redirects(
        self, body: Node, scope: _Scope, stdin: _Stream | None, redirects: list[Node]
    ) -> _Stream | None:
        """Apply redirects to the command they belong to.

        tree-sitter hangs `a && b > f` and `a | b > f` on the whole list or pipeline, but bash
        applies the redirect to the last command only.
        """
        if body.type == "command":
            return self._command(body, scope, stdin, redirects)
        parts = body.named_children
        if body.type == "list" and parts:
            for part in parts[:-1]:
                self._statement(part, scope, stdin)
            return self._with_redirects(parts[-1], scope, stdin, redirects)
        if body.type == "pipeline" and parts:
            stream = self._pipeline(parts[:-1], scope, stdin)
            return self._with_redirects(parts[-1], scope, stream, redirects)
        stdin = self._input_redirects(redirects, scope) or stdin
        out = self._statement(body, scope, stdin)
        self._output_redirects(redirects, scope, out, body, "(...)")
        return out

    # -- redirects --------------------------------------------------------------------------

    def _input_redirects(self, redirects: Iterable[Node], scope: _Scope) -> _Stream | None:
        stream = None
        for redirect in redirects:
            if redirect.type == "heredoc_redirect":
                body = next((c for c in redirect.named_children if c.type == "heredoc_body"), None)
                line = None if scope.fixed or body is None else self._span(body, scope)[0]
                stream = _Stream(self._text(body) if body is not None else "", "heredoc", line=line)
            elif redirect.type == "herestring_redirect":
                words = [self._word(c, scope, quoted=True) for c in redirect.named_children]
                if any(w.dynamic for w in words):
                    stream = _Stream(None, "here-string")
                else:
                    stream = _Stream(" ".join(w.text for w in words) + "\n", "here-string")
            elif redirect.type == "file_redirect" and _redirect_operator(redirect) == "<":
                target = redirect.child_by_field_name("destination")
                if target is not None:
                    path = self._word(target, scope, quoted=False)
                    stream = self._file_stream(path)
        return stream

    def _file_stream(self, path: _Word) -> _Stream:
        key = _normalize_path(path.text)
        if not path.dynamic and key in self.files:
            return _Stream(self.files[key], f"file {path.text}")
        return _Stream(None, f"file {path.text}")

    def _output_redirects(
        self,
        redirects: Iterable[Node],
        scope: _Scope,
        out: _Stream | None,
        owner: Node,
        owner_name: str,
    ) -> None:
        for redirect in redirects:
            if redirect.type != "file_redirect":
                continue
            operator = _redirect_operator(redirect)
            if operator not in (">", ">|", "&>", ">>", "&>>", ">&"):
                continue
            target_node = redirect.child_by_field_name("destination")
            if target_node is None:
                continue
            target = self._word(target_node, scope, quoted=False)
            if operator == ">&" and (target.text.isdigit() or target.text == "-"):
                continue  # fd duplication like 2>&1, not a file
            symbol = ">>" if operator in (">>", "&>>") else ">"
            span = self._span(owner, scope)
            self.records.append(
                _Record(
                    Command(
                        argv=(symbol, target.text),
                        line=span[0],
                        end_line=span[1],
                        text=f"{symbol} {shlex.quote(target.text)}",
                        via=(*scope.via, owner_name),
                        dynamic=target.dynamic,
                    ),
                    pseudo=True,
                )
            )
            descriptor = redirect.child_by_field_name("descriptor")
            to_stdout = descriptor is None or self._text(descriptor) == "1"
            if not target.dynamic:
                key = _normalize_path(target.text)
                content = out.text if (out is not None and to_stdout) else None
                if symbol == ">>" and key in self.files:
                    before = self.files[key]
                    content = None if before is None or content is None else before + content
                self.files[key] = content

    # -- simple commands --------------------------------------------------------------------

    def _command(
        self, node: Node, scope: _Scope, stdin: _Stream | None, redirects: list[Node]
    ) -> _Stream | None:
        env: list[tuple[str, str]] = []
        words: list[_Word] = []
        redirects = list(redirects)
        for index, child in enumerate(node.children):
            kind = child.type
            if kind == "variable_assignment":
                name = child.child_by_field_name("name")
                value = child.child_by_field_name("value")
                text = self._word(value, scope, quoted=True).text if value is not None else ""
                env.append((self._text(name) if name is not None else "", text))
            elif kind == "command_name":
                inner = child.named_child(0)
                words.extend(self._split(self._word(inner or child, scope, quoted=False)))
            elif kind.endswith("redirect"):
                redirects.append(child)
            elif node.field_name_for_child(index) == "argument":
                words.extend(self._split(self._word(child, scope, quoted=False)))
            elif child.is_named and kind != "comment":
                # Not shell, but tree-sitter accepts it (`sudo ( rm -rf / )`): walk it anyway.
                self._statement(child, scope, stdin)
        stdin = self._input_redirects(redirects, scope) or stdin
        span = self._span(node, scope)
        out = self._run(words, tuple(env), span, scope, stdin) if words else None
        owner = words[0].text if words else "(assignment)"
        self._output_redirects(redirects, scope, out, node, os.path.basename(owner))
        return out

    def _split(self, word: _Word) -> list[_Word]:
        """Unquoted expansions split on whitespace (`F="-r -f"; rm $F` is rm -r -f)."""
        if "\0split" not in word.text:
            return [word]
        parts = word.text.replace("\0split", "").split()
        return [_Word(part, word.dynamic) for part in parts] or []

    def _word(self, node: Node, scope: _Scope, quoted: bool) -> _Word:
        """The value of one word node; walks any $(...) inside so its commands are seen."""
        kind = node.type
        if kind == "word":
            return _Word(_unescape_unquoted(self._text(node)))
        if kind == "raw_string":
            return _Word(self._text(node)[1:-1])
        if kind == "number":
            return _Word(self._text(node))
        if kind == "ansi_c_string":
            return _Word(decode_ansi_c(self._text(node)[2:-1]))
        if kind in ("string", "translated_string"):
            return self._double_quoted(node, scope)
        if kind == "concatenation":
            parts = [self._word(child, scope, quoted) for child in node.children]
            return _Word("".join(p.text for p in parts), any(p.dynamic for p in parts))
        if kind in ("simple_expansion", "expansion"):
            return self._expansion(node, scope, quoted)
        if kind in ("command_substitution", "process_substitution"):
            self._substitution(node, scope)
            return _Word(self._text(node), dynamic=True)
        if kind == "arithmetic_expansion":
            self._walk_nested_substitutions(node, scope)
            inner = self._text(node)[3:-2]
            if _NOT_ARITHMETIC.search(inner):
                # `$(( rm -rf / ))` is no arithmetic; read it as the `$( (...) )` it resembles.
                self.walk_text(inner, scope.nested(self._span(node, scope), "$((...))"))
            return _Word(self._text(node), dynamic=True)
        self._walk_nested_substitutions(node, scope)
        return _Word(self._text(node))

    def _walk_nested_substitutions(self, node: Node, scope: _Scope) -> None:
        for child in node.named_children:
            if child.type in ("command_substitution", "process_substitution"):
                self._substitution(child, scope)
            else:
                self._walk_nested_substitutions(child, scope)

    def _double_quoted(self, node: Node, scope: _Scope) -> _Word:
        parts: list[str] = []
        dynamic = False
        for child in node.children:
            kind = child.type
            if kind == '"' or kind == '$"':
                continue
            if kind == "string_content":
                parts.append(_unescape_double_quoted(self._text(child)))
            elif child.is_named:
                value = self._word(child, scope, quoted=True)
                parts.append(value.text)
                dynamic = dynamic or value.dynamic
            else:
                parts.append(self._text(child))
        return _Word("".join(parts), dynamic)

    def _expansion(self, node: Node, scope: _Scope, quoted: bool) -> _Word:
        named = node.named_children
        simple = len(named) == 1 and named[0].type == "variable_name"
        if simple:
            value = self.variables.get(self._text(named[0]))
            if value is not None:
                # Marked so the caller splits it like the shell would; quoted values stay whole.
                return _Word(value if quoted else value + "\0split")
        self._walk_nested_substitutions(node, scope)
        return _Word(self._text(node), dynamic=True)

    # -- what a command runs ----------------------------------------------------------------

    def _run(
        self,
        words: list[_Word],
        env: tuple[tuple[str, str], ...],
        span: tuple[int, int],
        scope: _Scope,
        stdin: _Stream | None,
        dynamic: bool = False,
    ) -> _Stream | None:
        """Emit the command `words` runs, unwrapping wrappers; returns its stdout if literal."""
        # `nohup VAR=x rm` would fail to find a program `VAR=x`, but reading it as an
        # assignment errs on the side of seeing the rm.
        while words and not words[0].dynamic and _is_assignment(words[0].text):
            name, _, value = words[0].text.partition("=")
            env, words = (*env, (name, value)), words[1:]
        if not words:
            return None
        head = words[0]
        if head.dynamic:
            self._problem(
                span,
                Tier.HIGH,
                "shell.dynamic-command",
                f"the command name '{head.text}' is only known at run time",
                scope,
            )
            return None
        name = os.path.basename(head.text)
        call = _Call(name, words, env, span, scope, stdin, dynamic)
        handler = _HANDLERS.get(name)
        if handler is not None:
            return handler(self, call)
        if name in WRAPPERS:
            return self._unwrap(call, WRAPPERS[name])
        if name in SHELLS:
            return self._shell(call)
        if name in INTERPRETERS or _VERSIONED_PYTHON.fullmatch(name):
            return self._interpreter(call)
        if name in SQL_CLIENTS:
            return self._sql_client(call)
        if "/" in head.text and self._is_script_path(head.text):
            self._emit(call, known=True)
            self._run_script(head, "shell", call)
            return None
        self._emit(call, known=name in HARMLESS_BUILTINS or name in self.functions)
        return _output_of(name, words, stdin)

    def _emit(self, call: _Call, known: bool = False) -> None:
        argv = tuple(w.text for w in call.words)
        self.records.append(
            _Record(
                Command(
                    argv=argv,
                    line=call.span[0],
                    end_line=call.span[1],
                    text=shlex.join(argv),
                    via=call.scope.via,
                    env=call.env,
                    dynamic=call.dynamic or any(w.dynamic for w in call.words),
                ),
                answered=call.stdin is not None and call.stdin.answers,
                known=known,
            )
        )

    def _run_rest(
        self, call: _Call, rest: list[_Word], via: str, stdin: _Stream | None, dynamic: bool
    ) -> _Stream | None:
        """Run the command a wrapper-like program runs (`rest` of its words)."""
        return self._run(rest, call.env, call.span, call.scope.through(via), stdin, dynamic)

    def _parse_string(self, code: _Word | str, call: _Call, via: str) -> None:
        """Walk a string as shell code, reached through `via` (sh -c, eval, ssh, ...)."""
        text = code.text if isinstance(code, _Word) else code
        # The nested commands read what the outer command reads: `yes | sh -c 'rm -i x'`.
        self.walk_text(text, call.scope.nested(call.span, via, call.stdin))

    # -- wrappers and shells ----------------------------------------------------------------

    def _unwrap(self, call: _Call, options: _Options) -> _Stream | None:
        """sudo, env, timeout, nice, ...: skip the wrapper and its options."""
        skipped = _skip_options(call.words, options)
        if skipped is None:
            return None  # `command -v rm`, `sudo -l`: nothing runs
        start, split_strings = skipped
        prefix: list[_Word] = []
        for value in split_strings:  # env -S 'rm -rf' /
            prefix.extend(_shell_words(value))
        assignments = tuple(
            (w.text.split("=", 1)[0], w.text.split("=", 1)[1])
            for w in call.words[1:start]
            if _is_assignment(w.text)
        )
        # Without a command, sudo/doas/chroot open an interactive shell: nothing to read.
        rest = prefix + call.words[start:]
        return self._run(
            rest,
            call.env + assignments,
            call.span,
            call.scope.through(call.name),
            call.stdin,
            call.dynamic,
        )

    def _shell(self, call: _Call) -> _Stream | None:
        """sh/bash/...: `-c STRING`, a script file, or code on stdin."""
        words = call.words
        index, run_string, reads_stdin = 1, False, False
        while index < len(words):
            word = words[index].text
            if word == "--":
                index += 1
                break
            if word in _SHELL_OPTIONS:
                index += 2
            elif word.startswith("--"):
                index += 1
            elif len(word) > 1 and word[0] in "-+":
                run_string = run_string or "c" in word[1:]
                reads_stdin = reads_stdin or "s" in word[1:]
                index += 1
            else:
                break
        operands = words[index:]
        if run_string:
            if operands:
                self._parse_string(operands[0], call, f"{call.name} -c")
        elif operands and not reads_stdin:
            self._run_script(operands[0], "shell", call)
        else:
            self._feed_interpreter(call.name, "shell", call)
        return None

    def _feed_interpreter(self, name: str, language: str, call: _Call) -> None:
        """Code arriving on an interpreter's stdin: read it when literal, else a finding."""
        stdin = call.stdin
        if stdin is None:
            return  # nothing piped in: an interactive session, nothing to read
        if stdin.text is None:
            self._problem(
                call.span,
                Tier.HIGH,
                "shell.pipe-to-interpreter",
                f"{stdin.source} output is run by {name}: approve cannot see what it runs",
                call.scope,
            )
            return
        self._code(stdin.text, language, call, f"{stdin.source} | {name}", stdin.line)

    def _code(
        self, code: str, language: str, call: _Call, via: str, line: int | None = None
    ) -> None:
        """Analyze code in `language`; `line` is where it starts when it is in the input."""
        if language == "shell" and line is not None:
            scope = call.scope
            self.walk_text(code, _Scope(line, None, (*scope.via, via), scope.depth + 1))
        elif language == "shell":
            self._parse_string(code, call, via)
        elif language == "sql":
            span = (line, line) if line is not None else call.span
            self._sql(code, span, call.scope.through(via))
        else:
            self._interpreter_code(code, call.span, call.scope.through(via))

    def _is_script_path(self, path: str) -> bool:
        key = _normalize_path(path)
        return key in self.files or path.startswith(("./", "../")) or key.endswith(".sh")

    def _run_script(self, path: _Word, language: str, call: _Call) -> None:
        """`bash x.sh`, `source x.sh`, `python x.py`: read it if this input wrote it."""
        if path.text.startswith("<("):  # bash <(curl ...) is curl | bash
            self._feed_interpreter(
                call.name, language, call._replace(stdin=_Stream(None, path.text))
            )
            return
        key = _normalize_path(path.text)
        if path.dynamic or key not in self.files:
            self._problem(
                call.span,
                Tier.LOW,
                "shell.runs-script",
                f"runs {path.text}, whose content approve cannot see",
                call.scope,
            )
            return
        content = self.files[key]
        if content is None:
            self._problem(
                call.span,
                Tier.HIGH,
                "shell.pipe-to-interpreter",
                f"runs {path.text}, written earlier from output approve cannot see",
                call.scope,
            )
        else:
            self._code(content, language, call, f"script {path.text}")

    # -- interpreters and SQL clients -------------------------------------------------------

    def _interpreter(self, call: _Call) -> _Stream | None:
        """python -c / perl -e / node -e CODE, a script file, or code on stdin."""
        self._emit(call)
        words = call.words
        flag = INTERPRETERS.get(call.name, "-c")
        for index in range(1, len(words)):
            word = words[index].text
            if word == flag or (word.startswith("-") and word.endswith(flag[1]) and len(word) <= 4):
                if index + 1 < len(words):
                    via = call.scope.through(f"{call.name} {flag}")
                    self._interpreter_code(words[index + 1].text, call.span, via)
                return None
            if word in ("-m", "-"):
                break  # a module, or code on stdin
            if not word.startswith("-"):
                self._run_script(words[index], "code", call)
                return None
        self._feed_interpreter(call.name, "code", call)
        return None

    def _interpreter_code(self, code: str, span: tuple[int, int], scope: _Scope) -> None:
        """Shell-outs in python/perl/node/ruby code are parsed as shell; deletions are findings."""
        call = _Call("", [], (), span, scope, None)
        for match in _SHELL_OUT.finditer(code):
            arguments = _read_arguments(code, match.end())
            function = match.group(0).strip(" ({")
            if arguments is None:
                if _CERTAIN_SHELL_OUT.match(function):
                    self._problem(
                        span,
                        Tier.HIGH,
                        "shell.dynamic-command",
                        f"{function} runs a command built at run time",
                        scope,
                    )
                continue
            command = arguments[0] if len(arguments) == 1 else shlex.join(arguments)
            self._parse_string(command, call, function)
        for backticks in _BACKTICKS.finditer(code):
            self._parse_string(backticks.group(1), call, "`...`")
        deletion = _DELETE_CALL.search(code)
        if deletion:
            self._problem(
                span,
                Tier.HIGH,
                "shell.interpreter-delete",
                f"the code deletes files ({deletion.group(0).strip(' (')})",
                scope,
            )

    def _sql_client(self, call: _Call) -> _Stream | None:
        """psql -c, mysql -e, sqlite3 DB 'SQL', -f FILE, or SQL on stdin."""
        self._emit(call)
        statements, script = _sql_arguments(call.name, [w.text for w in call.words])
        for sql in statements:
            self._sql(sql, call.span, call.scope.through(call.name))
        if script is not None:
            self._run_script(_Word(script), "sql", call)
        if not statements and script is None:
            self._feed_interpreter(call.name, "sql", call)
        return None

    def _sql(self, sql: str, span: tuple[int, int], scope: _Scope) -> None:
        try:
            from approve.analyze.sql import sql_findings
        except ImportError:  # fail closed if the SQL analyzer is missing
            self._problem(
                span, Tier.HIGH, "shell.sql-unchecked", "SQL that approve cannot check", scope
            )
            return
        self.problems.extend(sql_findings(sql, span[0], self.ruleset, scope.via))

    # -- programs that run other commands ---------------------------------------------------

    def _xargs(self, call: _Call) -> _Stream | None:
        words = call.words
        index = 1
        while index < len(words):
            word = words[index].text
            if word == "--":
                index += 1
                break
            if not word.startswith("-") or word == "-":
                break
            # `-n 1`, `--max-args 1` take the next word; `-n1`, `--max-args=1`, `-i{}` do not.
            takes_next = word in _XARGS.value and word not in _XARGS_OPTIONAL_VALUE
            index += 2 if takes_next else 1
        rest = words[index:] or [_Word("echo")]
        # The words xargs appends come from its stdin: unknown here, so the command is dynamic.
        return self._run_rest(call, rest, "xargs", None, dynamic=True)

    def _eval(self, call: _Call) -> _Stream | None:
        self._parse_string(" ".join(w.text for w in call.words[1:]), call, "eval")
        return None

    def _source(self, call: _Call) -> _Stream | None:
        if len(call.words) > 1:
            self._run_script(call.words[1], "shell", call)
        return None

    def _watch(self, call: _Call) -> _Stream | None:
        """watch 'cmd': the words are joined and run by sh -c (watch -x runs argv)."""
        skipped = _skip_options(call.words, _WATCH)
        if skipped is None:
            rest = [w for w in call.words[1:] if not w.text.startswith("-")]
            return self._run_rest(call, rest, "watch -x", None, call.dynamic)
        code = " ".join(w.text for w in call.words[skipped[0] :])
        if code:
            self._parse_string(code, call, "watch")
        return None

    def _su(self, call: _Call) -> _Stream | None:
        """su/runuser -c 'cmd' (also flock FILE -c 'cmd'): the string runs in a shell."""
        for index, word in enumerate(call.words):
            if word.text in ("-c", "--command") and index + 1 < len(call.words):
                self._parse_string(call.words[index + 1], call, f"{call.name} -c")
                return None
            if word.text.startswith("--command="):
                self._parse_string(word.text.split("=", 1)[1], call, f"{call.name} -c")
                return None
        if call.name == "flock":
            return self._unwrap(call, WRAPPERS["flock"])
        self._emit(call)
        return None

    def _ssh(self, call: _Call) -> _Stream | None:
        """ssh [opts] host CMD...: the remote command is parsed as shell."""
        self._emit(call._replace(stdin=None))
        skipped = _skip_options(call.words, _SSH)
        if skipped is None or skipped[0] >= len(call.words):
            return None
        host = call.words[skipped[0]].text
        remote = call.words[skipped[0] + 1 :]
        if remote:
            self._parse_string(" ".join(w.text for w in remote), call, f"ssh {host}")
        else:
            self._feed_interpreter(f"ssh {host}", "shell", call)
        return None

    def _container_exec(self, call: _Call) -> _Stream | None:
        """kubectl/oc [global options] exec ... -- CMD; docker/podman [global options] exec
        [opts] CTR CMD."""
        self._emit(call)
        texts = [w.text for w in call.words]
        at = _subcommand_at(texts, call.name)
        if at is None or texts[at] != "exec":
            return None
        if call.name in ("kubectl", "oc"):
            if "--" not in texts:
                return None
            rest = call.words[texts.index("--") + 1 :]
        else:
            skipped = _skip_options(call.words[at:], _DOCKER_EXEC)
            if skipped is None:
                return None
            rest = call.words[at + skipped[0] + 1 :]  # after the container (or compose service)
        return self._run_rest(call, rest, f"{call.name} exec", call.stdin, call.dynamic)

    def _find(self, call: _Call) -> _Stream | None:
        """find ... -exec CMD {} ; -- CMD runs once per file found, with words find fills in."""
        self._emit(call)
        words = call.words
        index = 1
        while index < len(words):
            action = words[index].text
            index += 1
            if action not in ("-exec", "-execdir", "-ok", "-okdir"):
                continue
            start = index
            while index < len(words) and words[index].text not in (";", "+"):
                index += 1
            self._run_rest(call, words[start:index], f"find {action}", None, dynamic=True)
            index += 1
        return None

    def _tee(self, call: _Call) -> _Stream | None:
        """tee FILE: what it writes is remembered, in case the input runs the file later."""
        self._emit(call)
        append = any(w.text in ("-a", "--append") for w in call.words[1:])
        content = call.stdin.text if call.stdin is not None else None
        for word in call.words[1:]:
            if word.text.startswith("-") or word.dynamic:
                continue
            key = _normalize_path(word.text)
            before = self.files.get(key, "") if append else ""
            self.files[key] = None if before is None or content is None else before + content
        return call.stdin


class _Call(NamedTuple):
    """One command about to run: its words and everything around them."""

    name: str  # basename of the program
    words: list[_Word]
    env: tuple[tuple[str, str], ...]
    span: tuple[int, int]
    scope: _Scope
    stdin: _Stream | None
    dynamic: bool = False  # words are filled in at run time (xargs, find -exec)


_VERSIONED_PYTHON = re.compile(r"python[23](?:\.\d+)?")
_HANDLERS: dict[str, Callable[[_Walker, _Call], _Stream | None]] = {
    "xargs": _Walker._xargs,
    "eval": _Walker._eval,
    "source": _Walker._source,
    ".": _Walker._source,
    "watch": _Walker._watch,
    "su": _Walker._su,
    "runuser": _Walker._su,
    "flock": _Walker._su,
    "ssh": _Walker._ssh,
    "kubectl": _Walker._container_exec,
    "oc": _Walker._container_exec,
    "docker": _Walker._container_exec,
    "podman": _Walker._container_exec,
    "find": _Walker._find,
    "tee": _Walker._tee,
}

# Container tools run another command only through `exec` (kubectl exec POD -- CMD, docker
# exec CTR CMD); their other subcommands are plain commands.
CONTAINER_PROGRAMS = frozenset({"kubectl", "oc", "docker", "podman"})
# Their global options that take a value, so that `kubectl --context prod exec ...` is seen.
_GLOBAL_VALUE_FLAGS = {
    "kubectl": frozenset(
        [
            "-n",
            "--namespace",
            "--context",
            "--cluster",
            "--user",
            "--kubeconfig",
            "-s",
            "--server",
            "--as",
            "--as-group",
            "--token",
            "--request-timeout",
            "--cache-dir",
            "--certificate-authority",
            "--client-certificate",
            "--client-key",
            "--tls-server-name",
            "-v",
            "--v",
            "--log-file",
        ]
    ),
    "docker": frozenset(["-H", "--host", "--context", "-c", "--config", "-l", "--log-level"]),
}
_GLOBAL_VALUE_FLAGS["oc"] = _GLOBAL_VALUE_FLAGS["kubectl"]
_GLOBAL_VALUE_FLAGS["podman"] = _GLOBAL_VALUE_FLAGS["docker"] | frozenset({"--url", "--root"})
_GLOBAL_VALUE_FLAGS["compose"] = frozenset(
    ["-f", "--file", "-p", "--project-name", "--profile", "--env-file", "--project-directory"]
)


def _subcommand_at(texts: list[str], program: str, start: int = 1) -> int | None:
    """The index of PROGRAM's subcommand in its argv TEXTS (after its global options); for
    `docker compose ...`, of compose's own subcommand."""
    value_flags = _GLOBAL_VALUE_FLAGS.get(program, frozenset())
    index = start
    while index < len(texts):
        word = texts[index]
        if word == "--":
            return None
        if not word.startswith("-") or word == "-":
            if word == "compose" and program in ("docker", "podman") and start == 1:
                return _subcommand_at(texts, "compose", index + 1)
            return index
        index += 2 if word in value_flags else 1
    return None


# Programs whose command line means more than its own argv (they run, feed or write other
# code): approve/fastpath.py must leave them to this analyzer (the container tools only when
# their command line holds `exec`).
UNWRAPPING_PROGRAMS = (
    frozenset(WRAPPERS) | frozenset(_HANDLERS) | SHELLS | frozenset(INTERPRETERS) | SQL_CLIENTS
) - CONTAINER_PROGRAMS


def _shell_words(value: _Word) -> list[_Word]:
    try:
        return [_Word(part, value.dynamic) for part in shlex.split(value.text)]
    except ValueError:
        return [_Word(value.text, True)]


# ---------------------------------------------------------------------------------------------
# Small helpers


def _error_nodes(node: Node) -> Iterator[Node]:
    """ERROR and MISSING nodes, where the parser gave up (only descends into broken subtrees)."""
    if node.is_error or node.is_missing:
        yield node
        return
    for child in node.children:
        if child.has_error:
            yield from _error_nodes(child)


def _redirect_operator(redirect: Node) -> str:
    for child in redirect.children:
        if not child.is_named and ("<" in child.type or ">" in child.type):
            return child.type
    return ""


def _normalize_path(path: str) -> str:
    """`./x.sh` and `x.sh` name the same file (relative to the same directory)."""
    return os.path.normpath(path) if path else path


def _unique(findings: Iterable[Finding]) -> list[Finding]:
    """Drop exact repeats (eval re-parses text whose $(...) the first walk already saw)."""
    seen: set[tuple[object, ...]] = set()
    result = []
    for finding in findings:
        key = (finding.line, finding.end_line, finding.rule, finding.why, finding.resources)
        if key not in seen:
            seen.add(key)
            result.append(finding)
    return result


def _raised(finding: Finding) -> Finding:
    return Finding(
        line=finding.line,
        end_line=finding.end_line,
        severity=finding.severity.raised(),
        rule=finding.rule,
        why=finding.why + " (its confirmation prompt is answered by the input)",
        resources=finding.resources,
        safer=finding.safer,
        action=finding.action,
        attack=finding.attack,
    )


def _has_destructive_rules(ruleset: RuleSet, name: str) -> bool:
    return any(rule.severity > Tier.SAFE for rule in ruleset.by_command.get(name, ()))


_ANSWERS = re.compile(r"\s*(?:y|yes)\s*(?:\n\s*(?:y|yes)\s*)*", re.IGNORECASE)


def _literal(text: str, source: str) -> _Stream:
    return _Stream(text, source, answers=_ANSWERS.fullmatch(text) is not None)


def _output_of(name: str, words: Sequence[_Word], stdin: _Stream | None) -> _Stream | None:
    """The stdout of a command that only passes on or decodes literal text, else None."""
    args = words[1:]
    if name == "yes":
        return _Stream(None, "yes", answers=True)
    if any(w.dynamic for w in args):
        return None
    texts = [w.text for w in args]
    if name == "echo":
        return _literal(_echo(texts), "echo")
    if name == "printf" and texts:
        return _literal(_printf(texts), "printf")
    if name == "cat" and not [t for t in texts if t != "-"]:
        return stdin
    if name == "base64" and any(t in ("-d", "--decode", "-D") for t in texts):
        return _decoded(stdin, "base64 -d", _base64)
    if name == "xxd" and _has_letters(texts, "r") and _has_letters(texts, "p"):
        return _decoded(stdin, "xxd -r -p", _hex)
    return None


def _has_letters(texts: Sequence[str], letter: str) -> bool:
    return any(t.startswith("-") and not t.startswith("--") and letter in t for t in texts)


def _decoded(stdin: _Stream | None, source: str, decode: Callable[[str], str]) -> _Stream:
    if stdin is None or stdin.text is None:
        return _Stream(None, source)
    try:
        return _literal(decode(stdin.text), source)
    except (ValueError, binascii.Error):
        return _Stream(None, source)


def _base64(text: str) -> str:
    compact = "".join(text.split())
    compact += "=" * (-len(compact) % 4)
    return base64.b64decode(compact, validate=False).decode("utf-8", "replace")


def _hex(text: str) -> str:
    return bytes.fromhex("".join(text.split())).decode("utf-8", "replace")


def _echo(texts: Sequence[str]) -> str:
    newline, escapes = True, False
    while texts and re.fullmatch(r"-[neE]+", texts[0]):
        newline = newline and "n" not in texts[0]
        escapes = "e" in texts[0] or (escapes and "E" not in texts[0])
        texts = texts[1:]
    body = " ".join(texts)
    return (decode_ansi_c(body) if escapes else body) + ("\n" if newline else "")


_FORMAT_SPEC = re.compile(r"%(?:%|[-+ #0]*\d*(?:\.\d+)?([sbdiouxXcfeEgG]))")


def _printf(texts: Sequence[str]) -> str:
    fmt, args = texts[0], list(texts[1:])

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "%%":
            return "%"
        value = args.pop(0) if args else ""
        return decode_ansi_c(value) if match.group(1) == "b" else value

    return _FORMAT_SPEC.sub(substitute, decode_ansi_c(fmt))


def _sql_arguments(name: str, argv: Sequence[str]) -> tuple[list[str], str | None]:
    """SQL passed on the command line (psql -c, mysql -e, sqlite3 DB SQL) and a -f script."""
    statements: list[str] = []
    script: str | None = None
    positionals: list[str] = []
    index = 1
    inline = ("-c", "--command") if name == "psql" else ("-e", "--execute")
    files = ("-f", "--file") if name == "psql" else ()
    while index < len(argv):
        word = argv[index]
        value = argv[index + 1] if index + 1 < len(argv) else None
        if name == "sqlite3":
            if word in _SQLITE_VALUES:
                if word == "-cmd" and value is not None:
                    statements.append(value)
                index += 2
                continue
            if word.startswith("-"):
                index += 1
                continue
            positionals.append(word)
        elif word in inline and value is not None:
            statements.append(value)
            index += 2
            continue
        elif word in files and value is not None:
            script = value
            index += 2
            continue
        elif word.startswith(tuple(f + "=" for f in (*inline, *files) if f.startswith("--"))):
            key, _, rest = word.partition("=")
            if key in inline:
                statements.append(rest)
            else:
                script = rest
        elif word[:2] in inline and len(word) > 2 and not word.startswith("--"):
            statements.append(word[2:])  # mysql -e'DROP ...'
        elif name == "psql" and word in _PSQL_VALUES:
            index += 2
            continue
        index += 1
    if name == "sqlite3" and len(positionals) > 1:
        statements.append(" ".join(positionals[1:]))
    return statements, script


def _short(command: Command) -> str:
    """The program and its first words, enough to recognise the command in a finding."""
    shown = " ".join([command.name, *command.argv[1:3]])
    return shown if len(shown) <= 60 else shown[:57] + "..."


# Variables that only change how a command formats its output. Any other variable set for a
# read-only command can change what it runs: a pager or editor (PAGER=cmd git log), an external
# diff (GIT_EXTERNAL_DIFF), a config file with hooks (GIT_CONFIG_GLOBAL, KUBECONFIG's exec
# plugins), a library loaded into it (LD_PRELOAD) or the program found (PATH).
_HARMLESS_ENV = frozenset({"LANG", "LANGUAGE", "TZ", "NO_COLOR", "CLICOLOR", "TERM", "COLUMNS"})
_LOADS_CODE_ENV = frozenset(
    {"LD_PRELOAD", "LD_AUDIT", "LD_LIBRARY_PATH", "BASH_ENV", "ENV", "PATH", "PYTHONPATH"}
)
# Variables that, set on their own (`export PAGER=cmd`), change what later commands run.
_CHANGES_COMMAND_ENV = frozenset(
    {
        "PAGER",
        "MANPAGER",
        "EDITOR",
        "VISUAL",
        "KUBECONFIG",
        "LESSOPEN",
        "LESSCLOSE",
        "SSH_ASKPASS",
        "SUDO_ASKPASS",
        "PROMPT_COMMAND",
    }
)


def _env_findings(command: Command, span: tuple[int, int]) -> list[Finding]:
    """A read-only command run with variables that can make it run something else."""
    names = [name for name, _ in command.env if name not in _HARMLESS_ENV]
    names = [name for name in names if not name.startswith("LC_")]
    if not names:
        return []
    loads = [name for name in names if name in _LOADS_CODE_ENV]
    shown = ", ".join(f"{name}=" for name in names)
    if loads:
        return [
            _finding(
                span,
                Tier.HIGH,
                "shell.env-loads-code",
                f"'{command.name}' runs with {shown} set, which decides what code it loads or "
                "which program runs",
            )
        ]
    return [
        _finding(
            span,
            Tier.LOW,
            "shell.env-changes-command",
            f"'{command.name}' is read-only, but {shown} can change what it runs (a pager, an "
            "editor, a config file with hooks): a human must read it",
        )
    ]
