"""Unified diffs: git diff, `diff -u`, kubectl diff and agents' file edits -> findings.

Parsed with unidiff. Every finding points at the 1-based line of the diff input where the
offending `+`/`-` line (or the file's header) is. What is looked for:

- Line rules from the packs (`packs/protections.yaml`: prevent_destroy, deletion protection,
  reclaimPolicy Retain, finalizers, backups, ...) on the removed or added lines. A removed line
  whose text is added back in the same file (or the reverse) is a move, not a change, and does not
  count; when one key is flipped in a hunk (`= true` removed, `= false` added) only the worse
  finding is kept.
- kubectl diff (`diff -u -N` over LIVE-*/MERGED-* directories, one file per object named
  `group.version.kind.namespace.name`): an object that exists only on the LIVE side is a deletion,
  critical for kinds that hold data. Objects are counted as destroy / create / update.
- git: a deleted file is low (git can bring it back), worse for state, backup and migration files.
- Added lines in shell scripts, Makefile recipes, Dockerfile RUN and CI `run:` steps go through the
  shell analyzer; added lines in `.sql` files through the SQL analyzer.

A diff unidiff cannot parse (hunk counts that do not add up, as hand- or agent-edited diffs often
have) is not refused: refusing would show the reviewer nothing. It gets a high `diff.unparsed`
finding (so it fails closed at the default threshold) and is then read leniently line by line, so
the reviewer still sees which protections it touches.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from unidiff.errors import UnidiffParseError
from unidiff.patch import PatchSet

from approve.analyze.base import Partial
from approve.analyze.rules import Rule, RuleSet
from approve.model import Finding, Tier

# kubectl names each object's file `group.version.kind.namespace.name` (no group for core
# objects, an empty namespace for cluster-scoped ones).
_KUBE_OBJECT = re.compile(
    r"^(?:(?P<group>[a-z0-9.-]+?)\.)?(?P<version>v\d+(?:(?:alpha|beta)\d+)?)\."
    r"(?P<kind>[A-Z][A-Za-z0-9]*)\.(?P<namespace>[a-z0-9-]*)\.(?P<name>.+)$"
)
_KUBE_DIR = re.compile(r"(?:^|/)(?:LIVE|MERGED)-[^/]*/")
# Kinds whose deletion deletes data (or every object inside them).
_DATA_KINDS = {
    "PersistentVolumeClaim",
    "PersistentVolume",
    "Namespace",
    "StatefulSet",
    "CustomResourceDefinition",
    "Secret",
    "VolumeSnapshot",
    "VolumeSnapshotContent",
    "CephCluster",
    "CephBlockPool",
    "CephFilesystem",
    "CephObjectStore",
    "CephObjectStoreUser",
    "CephNFS",
    "Backup",  # velero.io: deleting it deletes the backup's data
    "Cluster",  # postgresql.cnpg.io and friends
    "Postgresql",
    "PerconaXtraDBCluster",
    "PerconaServerMongoDB",
    "MongoDBCommunity",
    "Elasticsearch",
    "Kafka",
    "KafkaTopic",
    "RedisCluster",
}
_TERRAFORM_BLOCK = re.compile(r'^\s*(resource|data)\s+"([^"]+)"\s+"([^"]+)"|^\s*module\s+"([^"]+)"')
_KEY = re.compile(r"""^\s*(?:-\s+)?["']?([A-Za-z_][\w.\-/]*)["']?\s*(?:[:=]|\{)""")
_STATE_FILE = re.compile(r"(?:^|/)(?:[^/]*\.tfstate(?:\.backup)?|terraform\.tfstate\.d/.*)$")
_BACKUP_FILE = re.compile(
    r"(?i)(?:^|/)(?:backups?/|[^/]*\.(?:bak|dump|backup)$|[^/]*\.sql\.(?:gz|bz2|xz|zst)$)"
)
_MIGRATION_FILE = re.compile(r"(?i)(?:^|/)(?:migrations?|migrate|alembic/versions|db/migrate)/")
_SHELL_FILE = re.compile(r"(?:\.(?:sh|bash|zsh|ksh)$|(?:^|/)(?:GNU)?[Mm]akefile$|\.mk$)")
_DOCKERFILE = re.compile(r"(?:^|/)(?:Dockerfile|Containerfile)[^/]*$|\.dockerfile$")
_CI_FILE = re.compile(
    r"(?:^|/)(?:\.github/workflows/[^/]+|\.gitlab-ci[^/]*|\.circleci/[^/]+|azure-pipelines[^/]*"
    r"|bitbucket-pipelines[^/]*|\.drone[^/]*|\.woodpecker[^/]*)\.ya?ml$"
)
_CI_SHELL_KEYS = {"run", "script", "before_script", "after_script", "command", "commands"}
_CI_RUN = re.compile(r"""^\s*(?:-\s+)?(?:run|script|command)\s*:\s*(?![|>]\s*$)(.+)$""")
_DOCKER_RUN = re.compile(r"^\s*RUN\s+(?!\[)(.+)$", re.IGNORECASE)
# A line that only makes sense with the key above it: (parent key, line pattern, rule id).
_NESTED_RULES = (
    ("finalizers", re.compile(r"^\s*-\s*\S"), "protect.finalizers"),
    (
        "point_in_time_recovery",
        re.compile(r"^\s*enabled\s*=\s*true\b"),
        "protect.point-in-time-recovery",
    ),
    ("backup_configuration", re.compile(r"^\s*enabled\s*=\s*true\b"), "protect.backup-removed"),
)


@dataclass(frozen=True, slots=True)
class _Line:
    sign: str  # "+", "-" or " "
    text: str
    number: int  # 1-based line of the diff input
    hunk: int
    section: str  # the hunk header's section text (git puts the enclosing block there)


@dataclass
class _File:
    source: str
    target: str
    header_line: int
    lines: list[_Line] = field(default_factory=list)
    deleted: bool = False
    added: bool = False
    binary: bool = False
    parents: dict[int, int | None] = field(default_factory=dict)  # _parent's memo

    @property
    def path(self) -> str:
        name = self.target if self.target not in ("/dev/null", "") and not self.deleted else ""
        name = name or self.source
        return name[2:] if name[:2] in ("a/", "b/") else name

    @property
    def end_line(self) -> int:
        return self.lines[-1].number if self.lines else self.header_line

    @property
    def kube_object(self) -> re.Match[str] | None:
        if not (_KUBE_DIR.search(self.source) or _KUBE_DIR.search(self.target)):
            return None
        return _KUBE_OBJECT.match(os.path.basename(self.path))


def _header_line(lines: list[str], number: int) -> int:
    """The first line of a file's header (`diff ...` or `--- ...`) given unidiff's line."""
    start = number
    if start >= 2 and lines[start - 2].startswith("--- "):
        start -= 1
        if start >= 2 and lines[start - 2].startswith("diff "):
            start -= 1
    return start


def _parse(text: str, lines: list[str]) -> list[_File]:
    """unidiff's reading of the diff; UnidiffParseError when it does not add up."""
    files: list[_File] = []
    for patched in PatchSet(text):
        item = _File(
            source=patched.source_file or "",
            target=patched.target_file or "",
            header_line=_header_line(lines, patched.diff_line_no or 1),
            deleted=patched.is_removed_file,
            added=patched.is_added_file,
            binary=patched.is_binary_file,
        )
        for index, hunk in enumerate(patched):
            for line in hunk:
                if line.line_type in ("+", "-", " ") and line.diff_line_no:
                    value = line.value.rstrip("\n").rstrip("\r")
                    item.lines.append(
                        _Line(line.line_type, value, line.diff_line_no, index, hunk.section_header)
                    )
        files.append(item)
    return files


def _parse_leniently(lines: list[str]) -> list[_File]:
    """Best effort for a diff unidiff refuses: headers and +/- lines, hunk counts ignored."""
    files: list[_File] = []
    current: _File | None = None
    hunk = -1
    section = ""
    in_hunk = False
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r")
        following = lines[number] if number < len(lines) else ""
        if line.startswith("diff ") or (line.startswith("--- ") and following.startswith("+++ ")):
            if line.startswith("diff ") or current is None or current.lines:
                words = line.split()
                current = _File(source="", target=words[-1] if words else "", header_line=number)
                files.append(current)
                hunk, in_hunk = -1, False
            if line.startswith("--- "):
                current.source = line[4:].split("\t")[0]
            continue
        if current is None:
            continue
        if line.startswith("+++ ") and not in_hunk:
            current.target = line[4:].split("\t")[0]
            continue
        if line.startswith("deleted file mode"):
            current.deleted = True
        elif line.startswith("new file mode"):
            current.added = True
        elif line.startswith("@@"):
            hunk += 1
            in_hunk = True
            # `-N` diffs of a file that is gone have one hunk ending at line 0 of the new side
            current.deleted = current.deleted or (hunk == 0 and " +0,0 @@" in line)
            section = line.rsplit("@@", 1)[-1].strip()
        elif in_hunk and line[:1] in ("+", "-", " "):
            current.lines.append(_Line(line[0], line[1:], number, hunk, section))
        elif in_hunk and line == "":
            current.lines.append(_Line(" ", "", number, hunk, section))
        else:
            in_hunk = False
    for item in files:
        if item.target == "/dev/null":
            item.deleted = True
        if item.source == "/dev/null":
            item.added = True
    return files


def _normalized(text: str) -> str:
    return " ".join(text.split())


def _unpaired(file: _File) -> set[int]:
    """Indexes of the +/- lines that are real changes, not moves or re-indentation."""
    removed = Counter(_normalized(line.text) for line in file.lines if line.sign == "-")
    added = Counter(_normalized(line.text) for line in file.lines if line.sign == "+")
    budget = {"-": removed & added, "+": removed & added}
    result: set[int] = set()
    for index, line in enumerate(file.lines):
        if line.sign == " ":
            continue
        key = _normalized(line.text)
        if budget[line.sign][key] > 0:
            budget[line.sign][key] -= 1
        else:
            result.add(index)
    return result


def _side(file: _File, index: int, limit: int = 400) -> Iterator[tuple[int, _Line]]:
    """The lines before `index` in its hunk, nearest first, as they read on the line's side.

    At most `limit` lines back, so a 100k-line hunk costs linear time, not quadratic.
    """
    line = file.lines[index]
    other = "+" if line.sign == "-" else "-"
    for back in range(index - 1, max(-1, index - 1 - limit), -1):
        candidate = file.lines[back]
        if candidate.hunk != line.hunk:
            return
        if candidate.sign != other:
            yield back, candidate


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" \t"))


def _parent(file: _File, index: int) -> _Line | None:
    """The nearest line above that holds this one (YAML parent key, HCL block), if any."""
    if index in file.parents:
        found = file.parents[index]
        return None if found is None else file.lines[found]
    own_text = file.lines[index].text
    own = _indent(own_text)
    # YAML list items may sit at the same indentation as their key (`finalizers:\n- x`).
    item = own_text.lstrip().startswith("- ")
    result: int | None = None
    for back, candidate in _side(file, index):
        if not candidate.text.strip():
            continue
        depth = _indent(candidate.text)
        candidate_item = candidate.text.lstrip().startswith("- ")
        if depth < own or (item and depth == own and not candidate_item):
            result = back
            break
        if depth == own and candidate_item == item and back in file.parents:
            result = file.parents[back]  # a sibling: same parent, already known
            break
    file.parents[index] = result
    return None if result is None else file.lines[result]


def _parent_key(file: _File, index: int) -> str | None:
    parent = _parent(file, index)
    match = _KEY.match(parent.text) if parent is not None else None
    return match.group(1) if match else None


def _kube_name(match: re.Match[str]) -> str:
    namespace = match.group("namespace")
    kind, name = match.group("kind"), match.group("name")
    return f"{kind}/{namespace}/{name}" if namespace else f"{kind}/{name}"


def _resource(file: _File, index: int, rule: Rule | None = None) -> tuple[str, ...]:
    """What a line belongs to: the kube object, the enclosing terraform block, or the file."""
    line = file.lines[index]
    if rule is not None and "regex" in rule.resource:
        found = re.search(str(rule.resource["regex"]), line.text)
        if found:
            return (found.group(1) if found.groups() else found.group(0),)
    kube = file.kube_object
    if kube:
        return (_kube_name(kube),)
    candidates = [line, *(candidate for _, candidate in _side(file, index))]
    for candidate in candidates:
        block = _TERRAFORM_BLOCK.match(candidate.text)
        if block:
            return (_block_name(block),)
    block = _TERRAFORM_BLOCK.match(line.section)
    if block:
        return (_block_name(block),)
    return (file.path,)


def _block_name(block: re.Match[str]) -> str:
    if block.group(4):
        return f"module.{block.group(4)}"
    prefix = "data." if block.group(1) == "data" else ""
    return f"{prefix}{block.group(2)}.{block.group(3)}"


def _flip_key(text: str) -> str | None:
    match = _KEY.match(text)
    return match.group(1).lower() if match else None


def _line_findings(file: _File, ruleset: RuleSet, elsewhere: dict[str, set[str]]) -> list[Finding]:
    unpaired = _unpaired(file)
    by_id = {rule.id: rule for rule in ruleset.line_rules}
    # (finding, hunk, flip key, side) so flipped keys can be collapsed below
    found: list[tuple[Finding, int, str | None, str]] = []
    for index in sorted(unpaired):
        line = file.lines[index]
        side = "removed" if line.sign == "-" else "added"
        matched: list[Rule] = [
            rule
            for rule in ruleset.line_rules
            if rule.line is not None and rule.side in (side, "any") and rule.line.search(line.text)
        ]
        nested = side == "removed" and any(p.search(line.text) for _, p, _ in _NESTED_RULES)
        parent = _parent(file, index) if nested else None
        # When the parent key itself is removed, its own finding covers the items under it.
        if parent is not None and parent.sign == " ":
            key_match = _KEY.match(parent.text)
            parent_key = key_match.group(1) if key_match else None
            for key, pattern, rule_id in _NESTED_RULES:
                rule_for = by_id.get(rule_id)
                if (
                    rule_for is not None
                    and parent_key == key
                    and pattern.search(line.text)
                    and rule_for not in matched
                ):
                    matched.append(rule_for)
        for rule in matched:
            why = rule.why
            moved_to = elsewhere.get(_normalized(line.text), set()) - {file.path}
            if side == "removed" and moved_to:
                why += (
                    f" (the same line is added in {', '.join(sorted(moved_to))}: if the resource"
                    " moved there, this is a move)"
                )
            finding = Finding(
                line=line.number,
                end_line=line.number,
                severity=rule.severity,
                rule=rule.id,
                why=why,
                resources=_resource(file, index, rule),
                safer=rule.safer,
            )
            found.append((finding, line.hunk, _flip_key(line.text), side))
    # A key flipped in one hunk (true removed, false added) is one change: keep the worse finding.
    by_key: dict[tuple[int, str], dict[str, list[int]]] = {}
    for position, (_, hunk, flip_key, flip_side) in enumerate(found):
        if flip_key is not None:
            by_key.setdefault((hunk, flip_key), {}).setdefault(flip_side, []).append(position)
    dropped: set[int] = set()
    for sides in by_key.values():
        for removed, added in zip(sides.get("removed", []), sides.get("added", []), strict=False):
            worse_removed = found[removed][0].severity >= found[added][0].severity
            dropped.add(added if worse_removed else removed)
    return [item[0] for index, item in enumerate(found) if index not in dropped]


def _file_findings(file: _File) -> list[Finding]:
    """A deleted file: low when git can bring it back, worse when it is state or a backup."""
    path = file.path
    end = max(file.header_line, file.end_line)
    if _STATE_FILE.search(path):
        severity, rule, why = (
            Tier.CRITICAL,
            "diff.state-deleted",
            "a Terraform state file is deleted; without it Terraform loses track of everything it manages",
        )
        safer = "keep state in a remote backend with versioning; never delete it by hand"
    elif _BACKUP_FILE.search(path):
        severity, rule, why = Tier.HIGH, "diff.backup-deleted", "a backup file is deleted"
        safer = "keep backups; move old ones to cold storage rather than deleting them"
    elif _MIGRATION_FILE.search(path):
        severity, rule, why = (
            Tier.HIGH,
            "diff.migration-deleted",
            "a database migration is deleted; databases that already ran it no longer match the code",
        )
        safer = "add a new migration that reverts it instead of deleting the old one"
    else:
        severity, rule, why = (
            Tier.LOW,
            "diff.file-deleted",
            "a file is deleted (git can restore it if it was committed)",
        )
        safer = f"git checkout HEAD -- {path}  # to get it back"
    return [Finding(file.header_line, end, severity, rule, why, (path,), safer, action="destroy")]


def _kube_findings(file: _File, kube: re.Match[str], partial: Partial) -> list[Finding]:
    """kubectl diff: one object per file; only on the LIVE side means kubectl deletes it."""
    if file.added or (file.lines and all(line.sign == "+" for line in file.lines)):
        partial.counts["create"] += 1
        return []
    if not file.deleted:
        partial.counts["update"] += 1
        return []
    partial.counts["destroy"] += 1
    kind = kube.group("kind")
    group = kube.group("group") or ""
    critical = kind in _DATA_KINDS and (kind not in {"Backup", "Cluster"} or bool(group))
    why = f"kubectl deletes this {kind}: it exists only on the LIVE side of the diff"
    if kind == "PersistentVolumeClaim":
        why += "; if its volume's reclaimPolicy is Delete, the disk and its data go with it"
    elif kind == "Namespace":
        why += "; every object in the namespace is deleted with it"
    elif kind in _DATA_KINDS:
        why += "; the data it holds goes with it"
    return [
        Finding(
            line=file.header_line,
            end_line=max(file.header_line, file.end_line),
            severity=Tier.CRITICAL if critical else Tier.HIGH,
            rule="diff.object-deleted",
            why=why,
            resources=(_kube_name(kube),),
            safer="keep the object in the manifests (or drop --prune) unless deleting it is the point; back up its data first",
            action="destroy",
        )
    ]


def _shell_command(file: _File, index: int) -> str | None:
    """The command an added line runs, when the file is a script, Makefile, Dockerfile or CI."""
    path = file.path
    text = file.lines[index].text
    if _SHELL_FILE.search(path):
        if os.path.basename(path).lower().endswith(("makefile", ".mk")):
            if not text.startswith("\t"):
                return None
            return text.strip().lstrip("@-+").strip() or None
        stripped = text.strip()
        return stripped if stripped and not stripped.startswith("#") else None
    if _DOCKERFILE.search(path):
        run = _DOCKER_RUN.match(text)
        return run.group(1).rstrip("\\").strip() if run else None
    if _CI_FILE.search(path):
        run = _CI_RUN.match(text)
        if run:
            return run.group(1).strip().strip("'\"") or None
        if _parent_key(file, index) in _CI_SHELL_KEYS:
            stripped = text.strip()
            stripped = stripped[2:] if stripped.startswith("- ") else stripped
            return stripped or None
    return None


def _shell_findings(file: _File, unpaired: set[int], ruleset: RuleSet) -> list[Finding]:
    from approve.analyze import shell  # lazy: only diffs that touch scripts need the parser

    findings: list[Finding] = []
    for index in sorted(unpaired):
        line = file.lines[index]
        if line.sign != "+":
            continue
        command = _shell_command(file, index)
        if command is None:
            continue
        for finding in shell.analyze_line(command, line.number, ruleset):
            findings.append(
                replace(
                    finding,
                    line=line.number,
                    end_line=line.number,
                    why=f"{finding.why} [added to {file.path}]",
                )
            )
    return findings


def _sql_findings(file: _File, unpaired: set[int], ruleset: RuleSet) -> list[Finding]:
    """Statements in a .sql file's new text that contain an added line."""
    from approve.analyze.sql import sql_findings  # lazy: sqlglot is slow to import

    findings: list[Finding] = []
    by_hunk: dict[int, list[tuple[int, _Line]]] = {}
    for index, line in enumerate(file.lines):
        if line.sign != "-":
            by_hunk.setdefault(line.hunk, []).append((index, line))
    for new_side in by_hunk.values():
        if not any(index in unpaired and line.sign == "+" for index, line in new_side):
            continue
        text = "\n".join(line.text for _, line in new_side)
        for finding in sql_findings(text, 1, ruleset):
            span = new_side[finding.line - 1 : finding.end_line]
            if not any(index in unpaired and line.sign == "+" for index, line in span):
                continue  # the statement was there before; this diff does not add it
            findings.append(
                replace(
                    finding,
                    line=span[0][1].number,
                    end_line=span[-1][1].number,
                    why=f"{finding.why} [added to {file.path}]",
                )
            )
    return findings


def analyze_diff(text: str, ruleset: RuleSet) -> Partial:
    partial = Partial()
    lines = text.split("\n")
    try:
        files = _parse(text, lines)
    except (UnidiffParseError, ValueError, IndexError, TypeError, AttributeError) as error:
        problem = " ".join(str(error).split())[:120]
        partial.findings.append(
            Finding(
                line=1,
                end_line=max(1, len(lines) - (1 if text.endswith("\n") else 0)),
                severity=Tier.HIGH,
                rule="diff.unparsed",
                why=(
                    f"could not parse this diff ({problem}): a human must read it;"
                    " its lines were checked one by one"
                ),
                safer="regenerate the diff with git diff or diff -u",
            )
        )
        files = _parse_leniently(lines)
    if not files and text.strip():
        partial.findings.append(
            Finding(
                1,
                1,
                Tier.LOW,
                "diff.empty",
                "looks like a diff but changes no file: a human must read it",
            )
        )
    # Removed lines added back in another file: likely a move, said so in the finding.
    added_in: dict[str, set[str]] = {}
    for file in files:
        for line in file.lines:
            if line.sign == "+":
                added_in.setdefault(_normalized(line.text), set()).add(file.path)
    for file in files:
        kube = file.kube_object
        if kube:
            partial.findings.extend(_kube_findings(file, kube, partial))
            if file.deleted:
                continue  # the deletion says it all; the LIVE object's lines are not edits
        elif file.deleted:
            partial.findings.extend(_file_findings(file))
        if file.binary:
            partial.findings.append(
                Finding(
                    file.header_line,
                    file.header_line,
                    Tier.LOW,
                    "diff.binary",
                    "a binary file changes; its content is not shown",
                    (file.path,),
                )
            )
        partial.findings.extend(_line_findings(file, ruleset, added_in))
        if file.deleted:
            continue
        unpaired = _unpaired(file)
        path = file.path
        if _SHELL_FILE.search(path) or _DOCKERFILE.search(path) or _CI_FILE.search(path):
            partial.findings.extend(_shell_findings(file, unpaired, ruleset))
        if path.lower().endswith(".sql"):
            partial.findings.extend(_sql_findings(file, unpaired, ruleset))
    return partial
