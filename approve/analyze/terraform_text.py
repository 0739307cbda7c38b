"""Findings for a Terraform / OpenTofu text plan (`terraform plan -no-color`, `tofu plan`).

Reads the resource headers Terraform prints before each change (`# ADDR will be destroyed`,
`must be replaced`, `is tainted, so [it] must be replaced`, `will be replaced, as requested`,
`(deposed object K) will be destroyed`, `will no longer be managed`, `has moved to`, ...), the
action symbol on the block line that follows (`-/+`, `+/-`, `+`, `-`, `~`, `<=`, `.`), the
`# forces replacement` markers inside it, protection attributes being weakened, and the
`Plan: A to add, C to change, D to destroy[, F to forget].` summary. Legacy 0.11 plans
(`-/+ aws_instance.x (new resource required)`, `  - aws_db_instance.db`) yield their actions too.

The text is not the truth -- multi-line string values are printed raw, so a value can carry a
line that looks like a header. Those values are `<<-EOT ... EOT` heredocs whose closing line is
indented no deeper than the attribute, while every content line is indented deeper: the scan
tracks that, and a header inside one is data. What the headers add up to is checked against the
`Plan:` summary; a disagreement (a forged or hidden header) is a high finding of its own, as is
a block line whose symbol contradicts its header, or a block without a header.

Counts: see terraform_common (a replace counts as `replace` only; Terraform's summary says
add = create + replace, destroy = destroy + replace). Findings point at the header line and
span the resource's block. The hot loop does cheap prefix tests before any regex: this runs at
a few hundred thousand lines a second (bench/bench_terraform_text.py).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Final

from approve.analyze.base import Partial
from approve.analyze.rules import RuleSet
from approve.analyze.terraform_common import (
    ACTION_RANK,
    PROTECTION_ATTRIBUTES,
    UNKNOWN,
    action_finding,
    drift_finding,
    protection_finding,
    resource_type,
)
from approve.model import Finding, Tier

_ANSI: Final = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

_HEADER: Final = re.compile(
    r"^ {0,2}# (?P<addr>.+) (?P<phrase>"
    r"will be created|will be updated in-place|will be destroyed|will be read during apply|"
    r"must be replaced|is tainted, so (?:it )?must be replaced|will be replaced, as requested|"
    r"will be replaced due to changes in replace_triggered_by|"
    r"will no longer be managed by (?:Terraform|OpenTofu), but will not be destroyed|"
    r"will be removed from (?:the )?(?:Terraform|OpenTofu) state,? but will not be destroyed|"
    r"has moved to \S.*|will be imported|has changed|has been deleted|was deferred"
    r")(?P<keep>, but the existing object will not be destroyed"
    r"| - older instance will not be destroyed \(lifecycle\.destroy = false\))?\s*$"
)
# Looks like a header (`# ADDR will ...`) but is in no wording approve knows.
_HEADER_LIKE: Final = re.compile(r"^ {0,2}# [^\s(]+\.\S+ (?:will|must|is|has|was) ")
_DEPOSED: Final = re.compile(r"^(?P<addr>.+) \(deposed object (?P<key>[^()]+)\)$")
_PHRASE_ACTION: Final = {
    "will be created": "create",
    "will be updated in-place": "update",
    "will be destroyed": "destroy",
    "will be read during apply": "read",
    "must be replaced": "replace",
    "is tainted, so must be replaced": "replace",
    "is tainted, so it must be replaced": "replace",
    "will be replaced, as requested": "replace",
    "will be replaced due to changes in replace_triggered_by": "replace",
    "will be imported": "noop",
    "has changed": "drift-update",
    "has been deleted": "drift-delete",
    "was deferred": "deferred",
}
_PHRASE_NOTE: Final = {
    "is tainted, so must be replaced": "the object is tainted",
    "is tainted, so it must be replaced": "the object is tainted",
    "will be replaced, as requested": "replacement was requested (-replace)",
    "will be replaced due to changes in replace_triggered_by": "replace_triggered_by fired",
}
# Block line prefixes (the first four characters) and the action each symbol stands for.
_BLOCK_SYMBOLS: Final = {
    "-/+ ": "replace",
    "+/- ": "replace",
    "  + ": "create",
    "  - ": "destroy",
    "  ~ ": "update",
    " <= ": "read",
    "  . ": "forget",
    " . r": "forget",  # Terraform prints its forget symbol one column further left
    " . d": "forget",
    "./+ ": "create-forget",
    "+/. ": "create-forget",
}
_ORDER: Final = {"-/+ ": "delete-first", "+/- ": "create-first"}
_MODERN_BLOCK: Final = re.compile(r'(resource|data) "([^"]+)" "([^"]+)" \{')
_LEGACY_BLOCK: Final = re.compile(
    r"^(?:-/\+|\+/-|  [-~+]| <=) "
    r"((?:module\.[^\s.]+\.)*(?:data\.)?[^\W\d][\w-]*\.[^\s]+?)"
    r"((?: \((?:new resource required|tainted|deposed)\))*)\s*$"
)
_ATTRIBUTE: Final = re.compile(
    r'^\s*(?:(-/\+|\+/-|[-+~])\s+)?"?([^\W\d][\w-]*)"?\s*=\s*(.*?)\s*'
    r"(?:# (?:forces replacement|whitespace changes force replacement))?$"
)
_ATTRIBUTE_NAME: Final = re.compile(r'^\s*(?:(?:-/\+|\+/-|[-+~]|<=)\s+)?"?([^\s"={:]+)')
_LEGACY_ATTRIBUTE: Final = re.compile(
    r'^\s+([\w.#%-]+):\s+("(?:[^"\\]|\\.)*"|<computed>)'
    r'(?:\s+=>\s+("(?:[^"\\]|\\.)*"|<computed>))?'
)
_HEREDOC_OPEN: Final = re.compile(
    r"<<[-~]?([A-Za-z_]\w*)(?:\s+# (?:forces replacement|whitespace changes force replacement))?"
    r"\s*$"
)
_SUMMARY: Final = re.compile(
    r"^Plan: (?:(\d+) to import, )?(\d+) to add, (\d+) to change, (\d+) to destroy"
    r"(?:, (\d+) to forget)?\."
)
_PLAN_MARKERS: Final = (
    "Terraform will perform the following actions",
    "OpenTofu will perform the following actions",
    "Terraform planned the following actions",
    "OpenTofu planned the following actions",
    "An execution plan has been generated",
    "No changes.",
    "Terraform used the selected providers",
    "OpenTofu used the selected providers",
    "Changes to Outputs:",
)
# Terraform says so when planning stopped part-way: whatever follows is not the whole change.
_PLAN_FAILED: Final = (
    "Terraform planned the following actions, but then encountered a problem",
    "OpenTofu planned the following actions, but then encountered a problem",
    "Planning failed.",
)
_PROTECTION_HINTS: Final = ("protection", "termination", "snapshot", "retention", "force_destroy")
_LEGACY_PROTECTION: Final = frozenset(PROTECTION_ATTRIBUTES)


class _Resource:
    """One planned change as the text shows it, filled in while its block is read."""

    __slots__ = (
        "action",
        "address",
        "deposed",
        "end_line",
        "forcing",
        "line",
        "notes",
        "order",
        "protections",
        "warnings",
    )

    def __init__(self, address: str, action: str, line: int) -> None:
        self.address = address
        self.action = action
        self.line = line
        self.end_line = line
        self.deposed: str | None = None
        self.order: str | None = None
        self.forcing: list[str] = []
        self.notes: list[str] = []
        self.protections: list[Finding] = []
        self.warnings: list[Finding] = []


def analyze_terraform_text(text: str, ruleset: RuleSet) -> Partial:
    """Findings and counts for a text plan; never raises for odd text (it fails closed)."""
    if "\x1b" in text:
        text = _ANSI.sub("", text)  # colour codes never span lines, so line numbers hold
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    resources: list[_Resource] = []
    summaries: list[tuple[int, tuple[int, int, int, int | None]]] = []
    saw_marker = False
    failed_line = 0  # where Terraform said planning failed, if it did
    current: _Resource | None = None  # the resource whose block body is being read
    pending: _Resource | None = None  # header read, its block line not yet
    legacy = False
    heredoc = ""  # the closing word while inside a multi-line string value
    heredoc_column = 0
    heredoc_line = 0
    block_symbols = _BLOCK_SYMBOLS
    hints = _PROTECTION_HINTS

    for number, line in enumerate(text.split("\n"), 1):
        if heredoc:
            if heredoc in line:
                stripped = line.lstrip(" ")
                if stripped.startswith(heredoc) and len(line) - len(stripped) <= heredoc_column:
                    heredoc = ""
            continue
        if not line:
            continue
        head = line[:4]
        if head == "    ":
            # Inside a resource block: the common case, kept cheap.
            if current is not None:
                if line == "    }":
                    current.end_line = number
                    current = None
                    continue
                if "force" in line and (
                    "# forces replacement" in line or "changes force replacement" in line
                ):
                    _note_forcing(current, line)
                if (
                    hints[0] in line
                    or hints[1] in line
                    or hints[2] in line
                    or hints[3] in line
                    or hints[4] in line
                ):
                    _check_protection(current, line, number, legacy)
                if legacy and "(forces new resource)" in line:
                    name = line.strip().split(":", 1)[0]
                    if name and name not in current.forcing:
                        current.forcing.append(name)
            if "<<" in line:
                opened = _heredoc_start(line)
                if opened:
                    heredoc, heredoc_column = opened
                    heredoc_line = number
            continue
        symbol_action = block_symbols.get(head)
        if symbol_action is not None:
            block = _MODERN_BLOCK.match(line, 3 if head[:3] == " . " else 4)
            if block is not None:
                if current is not None and current.end_line == current.line:
                    current.end_line = number - 1
                current = _block_line(pending, head, symbol_action, block, number, resources)
                pending = None
                continue
            old = _LEGACY_BLOCK.match(line)
            if old is not None:
                legacy = True
                current = _legacy_resource(head, old, number)
                resources.append(current)
                pending = None
                continue
        elif head == "  # " or head[:3] == " # " or head[:2] == "# ":
            comment = line.lstrip(" ")[2:]
            if comment[:1] == "(":
                # `# (because ... is not in configuration)`, `# (moved from ...)`: why notes
                if pending is not None:
                    pending.notes.append(comment.strip().strip("()"))
                continue
            found = _HEADER.match(line)
            if found is not None:
                pending = _header(found, number)
                resources.append(pending)
                current = None
                continue
            if _HEADER_LIKE.match(line):
                resources.append(_unknown_header(line, number))
                pending = None
                current = None
                continue
        elif line.startswith("Plan: "):
            totals = _SUMMARY.match(line)
            if totals is not None:
                _imported, add, change, destroy, forget = totals.groups()
                summaries.append(
                    (
                        number,
                        (int(add), int(change), int(destroy), int(forget) if forget else None),
                    )
                )
            current = None
            continue
        elif line.startswith(_PLAN_FAILED):
            failed_line = failed_line or number
            saw_marker = True
            continue
        elif not saw_marker and line.startswith(_PLAN_MARKERS):
            saw_marker = True
            continue
        if "<<" in line:
            opened = _heredoc_start(line)
            if opened:
                heredoc, heredoc_column = opened
                heredoc_line = number

    partial = _conclude(resources, summaries, saw_marker, heredoc, heredoc_line)
    if failed_line:
        partial.findings.append(
            Finding(
                line=failed_line,
                end_line=failed_line,
                severity=Tier.HIGH,
                rule="tf.plan-errored",
                why="planning failed part-way: this plan is incomplete and not what apply would do",
                safer="fix the errors and plan again before reviewing",
            )
        )
    return partial


def _heredoc_start(line: str) -> tuple[str, int] | None:
    """(closing word, deepest column its closing line may have) if `line` opens a heredoc."""
    found = _HEREDOC_OPEN.search(line)
    if found is None:
        return None
    stripped = line.lstrip(" ")
    column = len(line) - len(stripped)
    for symbol in ("-/+ ", "+/- ", "<= ", "+ ", "- ", "~ "):
        if stripped.startswith(symbol):
            column += len(symbol)
            break
    return found.group(1), column


def _header(found: re.Match[str], number: int) -> _Resource:
    address, phrase = found.group("addr"), found.group("phrase")
    if phrase == "must be replaced":
        # The address match is greedy (so a for_each key cannot hide the real phrase), which
        # leaves the tainted wording in it: `ADDR is tainted, so [it] must be replaced`.
        for tainted in (" is tainted, so it", " is tainted, so"):
            if address.endswith(tainted):
                address, phrase = address[: -len(tainted)], "is tainted, so must be replaced"
                break
    deposed = None
    if address.endswith(")"):
        split = _DEPOSED.match(address)
        if split is not None:
            address, deposed = split.group("addr"), split.group("key")
    if phrase.startswith("has moved to"):
        action = "noop"
    elif phrase.startswith("will no longer be managed") or phrase.startswith("will be removed"):
        action = "forget"
    else:
        action = _PHRASE_ACTION[phrase]
    if action == "replace" and found.group("keep"):
        action = "create-forget"
    resource = _Resource(address, action, number)
    resource.deposed = deposed
    note = _PHRASE_NOTE.get(phrase)
    if note:
        resource.notes.append(note)
    return resource


def _unknown_header(line: str, number: int) -> _Resource:
    """A header-looking line in words approve does not know: fail closed, high."""
    text = line.strip()[2:]
    resource = _Resource(text.split(" ", 1)[0], "unknown", number)
    resource.warnings.append(
        Finding(
            line=number,
            end_line=number,
            severity=Tier.HIGH,
            rule="tf.unknown-header",
            why=f"a resource header approve does not recognise: {text!r}; read it yourself",
            resources=(resource.address,),
            safer="review the JSON plan (`terraform show -json PLANFILE`), which is exact",
        )
    )
    return resource


def _block_line(
    pending: _Resource | None,
    head: str,
    symbol_action: str,
    block: re.Match[str],
    number: int,
    resources: list[_Resource],
) -> _Resource:
    """Attach a `-/+ resource "T" "N" {` line to its header, checking that the two agree."""
    kind, rtype, name = block.groups()
    if pending is None:
        address = f"{rtype}.{name}" if kind == "resource" else f"data.{rtype}.{name}"
        resource = _Resource(address, symbol_action, number)
        resource.order = _ORDER.get(head)
        resource.warnings.append(
            Finding(
                line=number,
                end_line=number,
                severity=Tier.HIGH,
                rule="tf.headerless-block",
                why=(
                    f"a `{head.strip()}` block for {address} without the `# ... will be ...` "
                    "header Terraform prints before every change: the text was edited"
                ),
                resources=(address,),
                safer="review the JSON plan (`terraform show -json PLANFILE`), which is exact",
            )
        )
        resources.append(resource)
        return resource
    resource = pending
    if resource.order is None:
        resource.order = _ORDER.get(head)
    header_action = resource.action
    if header_action in ("create", "update", "destroy", "replace", "read", "forget") and (
        symbol_action != header_action
    ):
        worse = max(header_action, symbol_action, key=lambda a: ACTION_RANK.get(a, 0))
        resource.warnings.append(
            Finding(
                line=number,
                end_line=number,
                severity=Tier.HIGH,
                rule="tf.symbol-mismatch",
                why=(
                    f"the header says {resource.address} will {header_action} but its block "
                    f"symbol `{head.strip()}` means {symbol_action}: read as {worse}"
                ),
                resources=(resource.address,),
                safer="review the JSON plan (`terraform show -json PLANFILE`), which is exact",
            )
        )
        resource.action = worse
    return resource


def _legacy_resource(head: str, found: re.Match[str], number: int) -> _Resource:
    """A Terraform 0.11 change line: `-/+ aws_instance.x (new resource required)`."""
    address, flags = found.group(1), found.group(2)
    action = _BLOCK_SYMBOLS[head]
    resource = _Resource(address, action, number)
    resource.order = _ORDER.get(head)
    if "(tainted)" in flags:
        resource.notes.append("the object is tainted")
    if "(deposed)" in flags:
        resource.deposed = "(0.11)"
    return resource


def _note_forcing(resource: _Resource, line: str) -> None:
    found = _ATTRIBUTE_NAME.match(line)
    if found is not None and found.group(1) not in resource.forcing:
        resource.forcing.append(found.group(1))


def _literal(text: str) -> object:
    value = text.strip().rstrip(",")
    if value == "true":
        return True
    if value == "false":
        return False
    if value in ("null", ""):
        return None
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        inner = value[1:-1]
        if inner in ("true", "false"):
            return inner == "true"
        return int(inner) if inner.isdigit() else inner
    try:
        return int(value)
    except ValueError:
        pass
    try:
        return float(value)
    except ValueError:
        return UNKNOWN


def _check_protection(resource: _Resource, line: str, number: int, legacy: bool) -> None:
    if legacy:
        old = _LEGACY_ATTRIBUTE.match(line)
        if old is None or old.group(1) not in _LEGACY_PROTECTION:
            return
        name = old.group(1)
        first = _literal(old.group(2))
        if old.group(3) is not None:
            before, after = first, _literal(old.group(3))
        elif resource.action == "destroy":
            before, after = first, None
        else:
            before, after = None, first
    else:
        found = _ATTRIBUTE.match(line)
        if found is None or found.group(2) not in PROTECTION_ATTRIBUTES:
            return
        symbol, name, value = found.groups()
        if " -> " in value:
            left, right = value.split(" -> ", 1)
            before, after = _literal(left), _literal(right)
        elif symbol == "+":
            before, after = None, _literal(value)
        elif symbol == "-":
            before, after = _literal(value), None
        else:
            before = after = _literal(value)
    finding = protection_finding(name, before, after, resource.action, resource.address, number)
    if finding is not None:
        resource.protections.append(finding)


def _conclude(
    resources: list[_Resource],
    summaries: list[tuple[int, tuple[int, int, int, int | None]]],
    saw_marker: bool,
    heredoc: str,
    heredoc_line: int,
) -> Partial:
    partial = Partial()
    counts = partial.counts
    findings = partial.findings
    for resource in resources:
        action = resource.action
        if action in ("create", "update", "destroy", "replace", "read", "forget"):
            counts[action] += 1
        elif action == "create-forget":
            counts["create"] += 1
            counts["forget"] += 1
        details = list(resource.notes)
        if resource.forcing:
            details.append("replacement forced by " + ", ".join(resource.forcing))
        finding = action_finding(
            action,
            resource.address,
            resource_type(resource.address),
            resource.line,
            resource.end_line,
            details,
            order=resource.order,
            deposed=resource.deposed,
        )
        if finding is not None:
            if resource.warnings and finding.severity < Tier.HIGH:
                finding = replace(
                    finding, severity=Tier.HIGH, why=f"{finding.why}; the text around it was edited"
                )
            findings.append(finding)
        elif action == "drift-delete":
            findings.append(drift_finding(resource.address, resource.line))
        findings.extend(resource.protections)
        findings.extend(resource.warnings)

    if heredoc:
        findings.append(
            Finding(
                line=heredoc_line,
                end_line=heredoc_line,
                severity=Tier.HIGH,
                rule="tf.unterminated-string",
                why=(
                    f"a multi-line value opened here is never closed by `{heredoc}`: everything "
                    "after it was read as data, so changes may be hidden in it"
                ),
                safer="review the JSON plan (`terraform show -json PLANFILE`), which is exact",
            )
        )
    planned = any(r.action not in ("noop", "drift-update", "drift-delete") for r in resources)
    if summaries:
        _compare_summary(summaries, counts, findings)
    elif planned:
        first = resources[0].line
        findings.append(
            Finding(
                line=first,
                end_line=first,
                severity=Tier.HIGH,
                rule="tf.no-summary",
                why=(
                    "the plan has no `Plan: ... to add, ... to destroy.` line: it may be cut "
                    "short, and changes after the cut are not shown"
                ),
                safer="review the whole plan output, or the JSON plan",
            )
        )
    elif not resources and not saw_marker:
        findings.append(
            Finding(
                line=1,
                end_line=1,
                severity=Tier.HIGH,
                rule="tf.unrecognized",
                why=(
                    "no resource changes, `Plan:` summary or `No changes.` line found: this "
                    "does not read as a terraform plan, so a human must read it"
                ),
                safer="give the output of `terraform plan -no-color`, or `--format text`",
            )
        )
    return partial


def _compare_summary(
    summaries: list[tuple[int, tuple[int, int, int, int | None]]],
    counts: dict[str, int],
    findings: list[Finding],
) -> None:
    """A high finding when the headers do not add up to what the `Plan:` line(s) say."""
    add = sum(s[1][0] for s in summaries)
    change = sum(s[1][1] for s in summaries)
    destroy = sum(s[1][2] for s in summaries)
    forgets = [s[1][3] for s in summaries if s[1][3] is not None]
    seen_add = counts["create"] + counts["replace"]
    seen_destroy = counts["destroy"] + counts["replace"]
    problems = []
    if seen_add != add:
        problems.append(f"{add} to add but the headers show {seen_add}")
    if counts["update"] != change:
        problems.append(f"{change} to change but the headers show {counts['update']}")
    if seen_destroy != destroy:
        problems.append(f"{destroy} to destroy but the headers show {seen_destroy}")
    if forgets and sum(forgets) != counts["forget"]:
        problems.append(f"{sum(forgets)} to forget but the headers show {counts['forget']}")
    if problems:
        line = summaries[-1][0]
        findings.append(
            Finding(
                line=line,
                end_line=line,
                severity=Tier.HIGH,
                rule="tf.summary-mismatch",
                why=(
                    "the Plan: summary disagrees with the resource headers ("
                    + "; ".join(problems)
                    + "): headers were forged, hidden or cut"
                ),
                safer="review the JSON plan (`terraform show -json PLANFILE`), which is exact",
            )
        )
