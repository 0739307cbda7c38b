"""Findings for a Terraform / OpenTofu JSON plan (`terraform show -json PLANFILE`).

The JSON plan is the truth about what apply will do (the text rendering can carry forged lines
inside multi-line strings). Every entry of `resource_changes` is read; its `change.actions`
must be one of the arrays Terraform documents, and anything else -- a new action, a missing or
malformed one -- is a critical `tf.unknown-action` finding: fail closed. `action_reason` and
`replace_paths` go into the finding's `why`. `resource_drift` (changes made outside Terraform)
is not a planned action: it is never counted, and a drifted deletion is one low finding.

Counts follow the convention in terraform_common: a replace is counted under `replace` only,
not also under `destroy`; Terraform's `Plan:` line would say add = create + replace and
destroy = destroy + replace. Data-source deletes, which Terraform neither shows nor counts,
are skipped.

Line numbers: the top-level object is walked with the C JSON decoder one value at a time, so
the offset where each `resource_changes` entry starts is known (and with it its 1-based line),
for pretty-printed and single-line JSON alike, in one pass.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Final

from approve.analyze.base import InputError, Partial
from approve.analyze.rules import RuleSet
from approve.analyze.terraform_common import (
    PROTECTION_ATTRIBUTES,
    action_finding,
    describe_reason,
    drift_finding,
    protection_finding,
    resource_type,
)
from approve.model import Finding, Tier

KNOWN_ACTIONS: Final[dict[tuple[str, ...], str]] = {
    ("no-op",): "noop",
    ("create",): "create",
    ("read",): "read",
    ("update",): "update",
    ("delete", "create"): "replace",
    ("create", "delete"): "replace",
    ("delete",): "destroy",
    ("forget",): "forget",
    ("create", "forget"): "create-forget",
}
_COUNT_KEY: Final = {
    "create": ("create",),
    "read": ("read",),
    "update": ("update",),
    "replace": ("replace",),
    "destroy": ("destroy",),
    "forget": ("forget",),
    "create-forget": ("create", "forget"),
}
_WHITESPACE: Final = re.compile(r"[ \t\n\r]*")
_NOT_A_PLAN: Final = (
    "the JSON is not a terraform plan (it has neither format_version nor resource_changes); "
    "make one with `terraform show -json PLANFILE`, or review it as plain text with --format text"
)


class _Malformed(Exception):
    """The fast walk met something it does not expect; json.loads then names the error."""


def analyze_terraform_json(text: str, ruleset: RuleSet) -> Partial:
    """Findings and counts for a JSON plan. Raises InputError for JSON that is broken or no plan."""
    top, offsets, duplicated = _load(text)
    _check_is_plan(top)
    lines = _LineIndex(text)
    partial = Partial()
    changes = top.get("resource_changes")
    if changes is None:
        changes = []
    if not isinstance(changes, list):
        partial.findings.append(_malformed_finding(1, "resource_changes is not a list"))
        return partial
    # resource_drift comes before resource_changes in Terraform's output: read it first.
    drift = top.get("resource_drift")
    if isinstance(drift, list):
        drift_spans = offsets.get("resource_drift", [])
        for index, entry in enumerate(drift):
            actions = _actions(entry)
            if actions == ("delete",) and isinstance(entry, dict):
                start = drift_spans[index][0] if index < len(drift_spans) else 0
                address = str(entry.get("address", "?"))
                partial.findings.append(drift_finding(address, lines.line_of(start)))
    spans = offsets.get("resource_changes", [])
    for index, entry in enumerate(changes):
        start, end = spans[index] if index < len(spans) else (0, len(text))
        _analyze_entry(entry, text, start, end, lines, partial)
    if top.get("errored") is True:
        partial.findings.append(
            Finding(
                line=1,
                end_line=1,
                severity=Tier.HIGH,
                rule="tf.plan-errored",
                why="planning failed part-way (errored: true): this plan is incomplete",
                safer="fix the errors and plan again before reviewing",
            )
        )
    for key in sorted(duplicated):
        partial.findings.append(
            Finding(
                line=1,
                end_line=1,
                severity=Tier.HIGH,
                rule="tf.duplicate-key",
                why=(
                    f"the plan has more than one top-level {key!r}: tools disagree on which "
                    "one counts, so every copy was reviewed"
                ),
                safer="regenerate the JSON with `terraform show -json PLANFILE`",
            )
        )
    return partial


def _actions(entry: object) -> tuple[str, ...] | None:
    if not isinstance(entry, dict):
        return None
    change = entry.get("change")
    if not isinstance(change, dict):
        return None
    actions = change.get("actions")
    if not isinstance(actions, list) or not all(isinstance(a, str) for a in actions):
        return None
    return tuple(actions)


def _analyze_entry(
    entry: object, text: str, start: int, end: int, lines: _LineIndex, partial: Partial
) -> None:
    line = lines.line_of(start)
    end_line = line + text.count("\n", start, max(start, end - 1))
    if not isinstance(entry, dict):
        partial.findings.append(_malformed_finding(line, "a resource_changes entry is no object"))
        return
    address = entry.get("address")
    address = address if isinstance(address, str) and address else "(no address)"
    actions = _actions(entry)
    kind = KNOWN_ACTIONS.get(actions) if actions is not None else None
    if kind is None:
        shown = json.dumps(list(actions)) if actions is not None else "missing or malformed"
        partial.findings.append(
            Finding(
                line=line,
                end_line=end_line,
                severity=Tier.CRITICAL,
                rule="tf.unknown-action",
                why=(
                    f"{address}: change.actions is {shown}, which approve does not know; "
                    "an action it cannot read may destroy data"
                ),
                resources=(address,),
                safer="read this change with `terraform show PLANFILE` before applying",
                action=None,
            )
        )
        return
    if kind == "destroy" and entry.get("mode") == "data":
        return  # Terraform cleans data sources out of state this way; it shows and counts nothing
    for key in _COUNT_KEY.get(kind, ()):
        partial.counts[key] += 1
    rtype = entry.get("type")
    rtype = rtype if isinstance(rtype, str) and rtype else resource_type(address)
    change: dict[str, Any] = entry["change"]
    details: list[str] = []
    reason = entry.get("action_reason")
    if isinstance(reason, str) and reason:
        details.append(describe_reason(reason))
    forcing = _replace_paths(change.get("replace_paths"))
    if forcing:
        details.append("replacement forced by " + ", ".join(forcing))
    previous = entry.get("previous_address")
    if isinstance(previous, str) and previous and previous != address:
        details.append(f"moved from {previous}")
    deposed = entry.get("deposed")
    order = None
    if kind == "replace" and actions is not None:
        order = "delete-first" if actions[0] == "delete" else "create-first"
    finding = action_finding(
        kind,
        address,
        rtype,
        line,
        end_line,
        details,
        order=order,
        deposed=str(deposed) if deposed else None,
    )
    if finding is not None:
        partial.findings.append(finding)
    before, after = change.get("before"), change.get("after")
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    after_unknown = change.get("after_unknown")
    unknown = after_unknown if isinstance(after_unknown, dict) else {}
    for attribute in PROTECTION_ATTRIBUTES:
        if attribute not in before and attribute not in after:
            continue
        new: object = after.get(attribute)
        if unknown.get(attribute) is True:
            continue  # not known until apply: nothing to judge yet
        protection = protection_finding(attribute, before.get(attribute), new, kind, address, line)
        if protection is not None:
            where = _attribute_line(text, start, end, attribute, line)
            partial.findings.append(replace(protection, line=where, end_line=where))


def _replace_paths(value: object) -> list[str]:
    """[["engine_version"], ["ebs", 0, "size"]] -> ["engine_version", "ebs[0].size"]."""
    if not isinstance(value, list):
        return []
    shown = []
    for path in value:
        if not isinstance(path, list):
            continue
        text = ""
        for step in path:
            if isinstance(step, int) and not isinstance(step, bool):
                text += f"[{step}]"
            else:
                text += ("." if text else "") + str(step)
        if text:
            shown.append(text)
    return shown


def _attribute_line(text: str, start: int, end: int, attribute: str, line: int) -> int:
    """The line of `"attribute"` in the entry's `after` (else `before`) object; else `line`,
    the entry's first line (which is at offset `start`)."""
    for side in ('"after"', '"before"'):
        anchor = text.find(side, start, end)
        if anchor < 0:
            continue
        found = text.find(f'"{attribute}"', anchor, end)
        if found >= 0:
            return line + text.count("\n", start, found)
    return line


def _malformed_finding(line: int, what: str) -> Finding:
    return Finding(
        line=line,
        end_line=line,
        severity=Tier.CRITICAL,
        rule="tf.unknown-action",
        why=f"{what}: the plan cannot be read, so nothing in it can be called safe",
        safer="regenerate the JSON with `terraform show -json PLANFILE`",
    )


class _LineIndex:
    """1-based line of a character offset, counting newlines from the last offset asked for.

    Offsets are asked for mostly in increasing order, so the whole text is counted about once.
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._offset = 0
        self._line = 1

    def line_of(self, offset: int) -> int:
        if offset < self._offset:
            self._offset, self._line = 0, 1
        self._line += self._text.count("\n", self._offset, offset)
        self._offset = offset
        return self._line


def _check_is_plan(top: dict[str, Any]) -> None:
    if "resource_changes" in top:
        return
    if "format_version" not in top:
        raise InputError(_NOT_A_PLAN)
    if "values" in top and "planned_values" not in top:
        raise InputError(
            "the JSON is terraform state, not a plan: plan first (`terraform plan -out=PLANFILE`)"
            " and give `terraform show -json PLANFILE`"
        )
    if "provider_schemas" in top and "planned_values" not in top:
        raise InputError(
            "the JSON is provider schemas, not a plan: make one with `terraform show -json PLANFILE`"
        )


def _load(text: str) -> tuple[dict[str, Any], dict[str, list[tuple[int, int]]], set[str]]:
    """The top-level object, (start, end) offsets of each resource_changes/resource_drift
    entry, and the top-level keys that appear more than once."""
    try:
        return _walk(text)
    except (_Malformed, json.JSONDecodeError, IndexError):
        pass
    _streaming_log_check(text)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(
            f"the JSON plan is broken at line {error.lineno}, column {error.colno}: {error.msg}"
            " (truncated?)"
        ) from None
    except RecursionError:
        raise InputError("the JSON plan is nested too deeply to read") from None
    if not isinstance(data, dict):
        raise InputError(_NOT_A_PLAN)
    return data, {}, set()


def _streaming_log_check(text: str) -> None:
    """`terraform plan -json` prints a log of JSON lines, which is not the plan itself."""
    first = text.lstrip().split("\n", 1)[0]
    try:
        head = json.loads(first)
    except (json.JSONDecodeError, RecursionError):
        return
    if isinstance(head, dict) and "@level" in head and "\n" in text.strip():
        raise InputError(
            "this is the log of `terraform plan -json`, not a plan: save the plan with "
            "`terraform plan -out=PLANFILE` and give `terraform show -json PLANFILE`"
        )


def _skip(text: str, pos: int) -> int:
    """The offset of the next non-whitespace character at or after `pos`."""
    found = _WHITESPACE.match(text, pos)
    return found.end() if found else pos


def _walk(text: str) -> tuple[dict[str, Any], dict[str, list[tuple[int, int]]], set[str]]:
    """Read the top-level object value by value; IndexError or _Malformed if it breaks off."""
    decode = json.JSONDecoder().raw_decode
    pos = _skip(text, 1 if text.startswith("\ufeff") else 0)
    if text[pos] != "{":
        raise _Malformed
    top: dict[str, Any] = {}
    offsets: dict[str, list[tuple[int, int]]] = {}
    duplicated: set[str] = set()
    pos = _skip(text, pos + 1)
    if text[pos] == "}":
        pos += 1
    else:
        while True:
            if text[pos] != '"':
                raise _Malformed
            key, pos = decode(text, pos)
            pos = _skip(text, pos)
            if text[pos] != ":":
                raise _Malformed
            pos = _skip(text, pos + 1)
            value: Any
            if key in top:
                duplicated.add(key)
            if key in ("resource_changes", "resource_drift") and text[pos] == "[":
                value, pos, spans = _walk_array(text, pos, decode)
                if isinstance(top.get(key), list):
                    # Read every copy: tools disagree on which duplicate wins.
                    value = top[key] + value
                    spans = offsets.get(key, []) + spans
                offsets[key] = spans
            else:
                value, pos = decode(text, pos)
            top[key] = value
            pos = _skip(text, pos)
            if text[pos] == ",":
                pos = _skip(text, pos + 1)
                continue
            if text[pos] == "}":
                pos += 1
                break
            raise _Malformed
    if _skip(text, pos) != len(text):
        raise _Malformed
    return top, offsets, duplicated


def _walk_array(
    text: str, pos: int, decode: Callable[[str, int], tuple[Any, int]]
) -> tuple[list[Any], int, list[tuple[int, int]]]:
    """The items of the array opening at `pos`, where it ends, and each item's (start, end)."""
    items: list[Any] = []
    spans: list[tuple[int, int]] = []
    pos = _skip(text, pos + 1)
    if text[pos] == "]":
        return items, pos + 1, spans
    while True:
        start = pos
        item, pos = decode(text, pos)
        spans.append((start, pos))
        items.append(item)
        pos = _skip(text, pos)
        if text[pos] == ",":
            pos = _skip(text, pos + 1)
            continue
        if text[pos] == "]":
            return items, pos + 1, spans
        raise _Malformed
