"""The decision journal: an append-only, hash-chained, fsynced JSONL file of every decision.

One JSON object a line at $APPROVE_JOURNAL, else $XDG_STATE_HOME/approve/journal.jsonl (default
~/.local/state/approve/journal.jsonl). Each record carries `prev` (the previous record's hash)
and ends with `hash`, the sha256 of the record's canonical JSON without `hash`, so an edited,
removed or reordered record is detectable (`approve verify`).

Safe with many writers: each append takes an exclusive flock, reads the previous hash from the
end of the file, writes its line with one write call, and fsyncs before returning. A torn last
line (a crash mid-write) is fenced by the next append: a newline, then a `fence` record whose
fields name the torn bytes' length and sha256, so the chain accounts for them and nothing
before them is lost. Secrets are redacted before anything is written. Any failure raises
JournalError: the caller denies (fail closed), never proceeds unjournaled.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import socket
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from approve.model import Assessment, Decision, Friction, Origin, Request, Tier
from approve.policy import destructive_line_count
from approve.redact import redact, redact_value

GENESIS = "0" * 64
VERSION = 1
VERDICTS = ("approved", "rejected", "deferred", "timeout", "error", "too-fast", "auto-allowed")
EXCERPT_CHARS = 600
EXCERPT_LINES = 8
_HASH_SUFFIX_LEN = len(',"hash":""}') + 64
_TAIL_CHUNK = 65536


class JournalError(Exception):
    """The journal cannot be written or read; the decision must not go ahead."""


def default_journal_path() -> Path:
    explicit = os.environ.get("APPROVE_JOURNAL")
    if explicit:
        return Path(explicit)
    from approve.paths import state_dir

    return Path(state_dir()) / "journal.jsonl"


def check_writable(path: Path | None = None) -> None:
    """Raise JournalError unless the journal (default: the user's) can be opened for appending.

    Opens it exactly as append does, creating it when missing, and writes nothing.
    """
    target = path or default_journal_path()
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600))
    except OSError as error:
        raise JournalError(f"cannot open the journal {target}: {error.strerror or error}") from None


def _compact(record: Mapping[str, Any]) -> bytes:
    # Key order is kept as built (not sorted): the hash covers the exact bytes written, and the
    # fields that stats and history read come first, so readers can parse just that prefix.
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def seal(record: Mapping[str, Any], prev: str) -> tuple[bytes, str]:
    """The line to write (with its newline) for RECORD chained after PREV, and its hash.

    The hash is the sha256 of the line's bytes up to `prev` plus the closing brace, i.e. of the
    record without its `hash` field, exactly as written.
    """
    body = dict(record)
    body.pop("hash", None)
    body.pop("prev", None)
    body["prev"] = prev
    compact = _compact(body)
    digest = hashlib.sha256(compact).hexdigest()
    line = compact[:-1] + b',"hash":"' + digest.encode("ascii") + b'"}\n'
    return line, digest


def check_line(line: bytes) -> tuple[str, dict[str, Any]] | str:
    """(hash, record) for a sealed line (no newline), or why it is not one."""
    if len(line) < _HASH_SUFFIX_LEN + 2 or not line.endswith(b'"}'):
        return "not a sealed record (no hash at its end)"
    suffix = line[-_HASH_SUFFIX_LEN:]
    if not suffix.startswith(b',"hash":"'):
        return "not a sealed record (no hash at its end)"
    claimed = suffix[9:-2].decode("ascii", "replace")
    body = line[:-_HASH_SUFFIX_LEN] + b"}"
    if hashlib.sha256(body).hexdigest() != claimed:
        return "its hash does not match its content (the record was changed)"
    try:
        record = json.loads(line)
    except ValueError:
        return "not valid JSON"
    if not isinstance(record, dict) or not isinstance(record.get("prev"), str):
        return "not a record (no prev field)"
    return claimed, record


# ---------------------------------------------------------------- writing


def _read_at(fd: int, offset: int, size: int) -> bytes:
    return os.pread(fd, size, offset)


def _tail_lines(fd: int, size: int) -> tuple[bytes, bytes | None, bool]:
    """(last piece, the complete line before it when torn, whether the last piece is torn).

    The last piece is the last complete line (without its newline), or, when the file does not
    end with a newline, what follows the last newline: a torn line.
    """
    torn = _read_at(fd, size - 1, 1) != b"\n"
    end = size if torn else size - 1
    needed = 2 if torn else 1
    start = end
    data = b""
    while start > 0 and data.count(b"\n") < needed:
        step = min(_TAIL_CHUNK, start)
        start -= step
        data = _read_at(fd, start, step) + data
    cut = data.rfind(b"\n")
    last = data[cut + 1 :]
    if not torn or cut < 0:
        return last, None, torn
    head = data[:cut]
    return last, head[head.rfind(b"\n") + 1 :], torn


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _utc_iso(epoch: float) -> str:
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def append(record: Mapping[str, Any], path: Path | None = None) -> dict[str, Any]:
    """Redact, chain, write and fsync RECORD; return it as written (with prev and hash).

    Raises JournalError when anything goes wrong: the caller must then deny.
    """
    target = path or default_journal_path()
    clean = redact_value(dict(record))
    assert isinstance(clean, dict)
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(target, os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
    except OSError as error:
        raise JournalError(f"cannot open the journal {target}: {error.strerror or error}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        size = os.fstat(fd).st_size
        out: list[bytes] = []
        prev = GENESIS
        if size:
            last, before, torn = _tail_lines(fd, size)
            checked = check_line(last)
            if not isinstance(checked, str):
                prev = checked[0]
                if torn:  # a whole record whose newline never made it
                    out.append(b"\n")
            elif not torn:
                raise JournalError(
                    f"the last record of {target} is damaged ({checked}); run `approve verify`"
                )
            else:
                previous = check_line(before) if before is not None else None
                if before is not None and isinstance(previous, str):
                    raise JournalError(
                        f"the end of {target} is damaged ({previous}); run `approve verify`"
                    )
                prev = previous[0] if isinstance(previous, tuple) else GENESIS
                fence = {
                    "fence": {
                        "why": "torn line (a write was cut short)",
                        "bytes": len(last),
                        "sha256": hashlib.sha256(last).hexdigest(),
                    },
                    "v": VERSION,
                    "t": _utc_iso(time.time()),
                }
                fence_line, prev = seal(fence, prev)
                out.append(b"\n" + fence_line)
        line, digest = seal(clean, prev)
        out.append(line)
        _write_all(fd, b"".join(out))
        os.fsync(fd)
        if size == 0:
            _fsync_dir(target.parent)
    except OSError as error:
        raise JournalError(
            f"cannot write the journal {target}: {error.strerror or error}"
        ) from None
    finally:
        os.close(fd)  # also releases the lock
    written = dict(clean)
    written["prev"] = prev
    written["hash"] = digest
    return written


def _fsync_dir(directory: Path) -> None:
    try:
        dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


# ---------------------------------------------------------------- building records


def _excerpt(text: str) -> str:
    lines = text.splitlines()
    cut = "\n".join(lines[:EXCERPT_LINES])
    if len(cut) > EXCERPT_CHARS:
        cut = cut[:EXCERPT_CHARS]
    if cut != text:
        cut += " [...]"
    return redact(cut)


def record_for(
    request: Request,
    assessment: Assessment,
    friction: Friction,
    decision: Decision,
    origin: Origin | None = None,
    *,
    too_fast_ratio: float = 0.6,
    host: str | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    """The journal record for one decision (not yet chained: pass it to `append`).

    A refused too-fast approval is journaled with verdict "too-fast".
    """
    source = origin or request.origin
    decided = decision.decided_at if decision.decided_at is not None else (now or time.time())
    elapsed = (
        max(0.0, decision.decided_at - decision.shown_at)
        if decision.decided_at is not None and decision.shown_at is not None
        else None
    )
    pressed_approve = decision.verdict in ("approved", "too-fast")
    too_fast = (
        pressed_approve
        and friction.rung > 0
        and (elapsed is None or elapsed < too_fast_ratio * friction.reading_floor_s)
    )
    rules: dict[str, None] = {}
    for finding in sorted(assessment.findings, key=lambda f: (-f.severity, f.line)):
        rules.setdefault(finding.rule, None)
    record: dict[str, Any] = {
        # -- the summary that history and stats read (a prefix of the line; see SUMMARY_END) --
        "v": VERSION,
        "t": _utc_iso(decided),
        "decided_at": decided,
        "shown_at": decision.shown_at,
        "verdict": decision.verdict,
        "reviewers": list(decision.reviewers),
        "tier": assessment.tier.label,
        "rung": friction.rung,
        "too_fast": too_fast,
        "elapsed_s": round(elapsed, 3) if elapsed is not None else None,
        "floor_s": round(friction.reading_floor_s, 2),
        "destructive_lines": destructive_line_count(assessment),
        # -- the rest --
        "origin": {
            key: value
            for key, value in (
                ("source", source.source),
                ("agent", source.agent),
                ("session_id", source.session_id),
                ("tool_use_id", source.tool_use_id),
                ("tool_name", source.tool_name),
                ("cwd", source.cwd),
            )
            if value is not None
        },
        "kind": assessment.format,
        "title": request.title,
        "input_sha256": request.identity,
        "excerpt": _excerpt(request.text),
        "counts": {key: value for key, value in assessment.counts.items() if value},
        "findings": len(assessment.findings),
        "high_findings": sum(1 for f in assessment.findings if f.severity >= Tier.HIGH),
        "rules": list(rules)[:8],
        "resources": list(assessment.resources[:10]),
        "words": assessment.word_count,
        "gates": list(friction.gates),
        "reasons": list(friction.reasons),
        "challenge_seed": friction.challenge_seed,
        "defer_until": friction.defer_until,
        "gates_passed": list(decision.gates_passed),
        "challenge": decision.challenge,
        "challenge_ok": decision.challenge_ok,
        "explanation": decision.explanation,
        "first_key_at": decision.first_key_at,
        "reason": decision.reason,
        "host": host or socket.gethostname(),
    }
    return record


# ---------------------------------------------------------------- reading


def iter_records(path: Path) -> Iterator[dict[str, Any]]:
    """Every decision record, oldest first, without checking the chain (see `verify`).

    Fences, torn lines and unparsable lines are skipped. Raises JournalError when unreadable.
    """
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed by the with below; open errors named
    except OSError as error:
        raise JournalError(f"cannot read the journal {path}: {error.strerror or error}") from None
    loads = json.loads
    with handle:
        for raw in handle:
            if not raw.endswith(b"\n"):
                break  # torn tail
            try:
                record = loads(raw)
            except ValueError:
                continue
            if isinstance(record, dict) and "fence" not in record:
                yield record


SUMMARY_END = b',"origin":'


def _summary(raw: bytes) -> dict[str, Any] | None:
    """The leading summary fields of a record line (all of it when it has no summary marker)."""
    cut = raw.find(SUMMARY_END)
    try:
        record = json.loads(raw[:cut] + b"}" if cut > 0 else raw)
    except ValueError:
        if cut <= 0:
            return None
        return _parse(raw)
    if isinstance(record, dict) and "fence" not in record:
        return record
    return None


# The summary prefix as record_for writes it; a line that does not match is parsed as JSON.
_SUMMARY = re.compile(
    rb'\{"v":1,"t":"([^"\\]*)","decided_at":([-0-9.e+]+),"shown_at":([-0-9.e+]+|null),'
    rb'"verdict":"([a-z-]*)","reviewers":\[([^\]\\]*)\],"tier":"([a-z]*)","rung":(\d+),'
    rb'"too_fast":(true|false),"elapsed_s":([-0-9.e+]+|null),"floor_s":([-0-9.e+]+),'
    rb'"destructive_lines":(\d+),"origin":'
)
_CHUNK = 8 << 20


_words_seen: dict[bytes, Any] = {}  # the few distinct verdicts, tiers and reviewer lists


def _word(raw: bytes) -> Any:
    value = _words_seen.get(raw)
    if value is None:
        value = json.loads(raw.decode("utf-8"))
        if len(_words_seen) < 4096:
            _words_seen[raw] = value
    return value


def _fast_summary(raw: bytes) -> dict[str, Any] | None:
    match = _SUMMARY.match(raw)
    if match is None:
        return _summary(raw)
    t, decided, shown, verdict, reviewers, tier, rung, fast, elapsed, floor, lines = match.groups()
    return {
        "v": 1,
        "t": t.decode(),
        "decided_at": float(decided),
        "shown_at": None if shown == b"null" else float(shown),
        "verdict": _word(b'"' + verdict + b'"'),
        "reviewers": list(_word(b"[" + reviewers + b"]")),
        "tier": _word(b'"' + tier + b'"'),
        "rung": int(rung),
        "too_fast": fast == b"true",
        "elapsed_s": None if elapsed == b"null" else float(elapsed),
        "floor_s": float(floor),
        "destructive_lines": int(lines),
    }


def iter_summaries(path: Path) -> Iterator[dict[str, Any]]:
    """Like iter_records, but only each record's leading fields (time, verdict, reviewers,
    tier, rung, timing): several times faster, for stats and history over big journals."""
    for raw in _complete_lines(path):
        if raw:
            record = _fast_summary(raw)
            if record is not None:
                yield record


def _complete_lines(path: Path) -> Iterator[bytes]:
    """The journal's complete lines (without their newline), read in large chunks; a torn last
    line is left out. Raises JournalError when the journal cannot be opened."""
    try:
        handle = open(path, "rb", buffering=0)  # noqa: SIM115 - closed by the with below
    except OSError as error:
        raise JournalError(f"cannot read the journal {path}: {error.strerror or error}") from None
    with handle:
        rest = b""
        while True:
            chunk = handle.read(_CHUNK)
            if not chunk:
                break  # whatever is left in rest is a torn tail
            lines = (rest + chunk).split(b"\n")
            rest = lines.pop()
            yield from lines


# One decision as the fatigue report needs it:
# (decided_at, shown_at, verdict, first reviewer, too_fast, elapsed_s, floor_s, destructive_lines)
Row = tuple[float, float | None, str, str, bool, float | None, float | None, int]


def row_of(record: Mapping[str, Any]) -> Row | None:
    """The Row of a parsed record, or None when it has no decision time or verdict."""
    decided = record.get("decided_at")
    verdict = record.get("verdict")
    if not isinstance(decided, int | float) or not isinstance(verdict, str):
        return None
    shown, elapsed, floor = record.get("shown_at"), record.get("elapsed_s"), record.get("floor_s")
    reviewers = record.get("reviewers")
    lines = record.get("destructive_lines")
    return (
        float(decided),
        float(shown) if isinstance(shown, int | float) else None,
        verdict,
        str(reviewers[0]) if isinstance(reviewers, list) and reviewers else "?",
        record.get("too_fast") is True,
        float(elapsed) if isinstance(elapsed, int | float) else None,
        float(floor) if isinstance(floor, int | float) else None,
        lines if isinstance(lines, int) else 0,
    )


def iter_rows(path: Path, since_epoch: float | None = None) -> Iterator[Row]:
    """Rows for every decision from SINCE_EPOCH on, straight from the line prefixes: the fast
    path of `approve stats` (100k records well under a second)."""
    first_reviewer: dict[bytes, str] = {}
    match = _SUMMARY.match
    floor_since = since_epoch if since_epoch is not None else float("-inf")
    for raw in _complete_lines(path):
        found = match(raw)
        if found is None:
            record = _summary(raw) if raw else None
            row = row_of(record) if record is not None else None
            if row is not None and row[0] >= floor_since:
                yield row
            continue
        _, decided, shown, verdict, reviewers, _, _, fast, elapsed, floor, count = found.groups()
        when = float(decided)
        if when < floor_since:
            continue
        who = first_reviewer.get(reviewers)
        if who is None:
            names = _word(b"[" + reviewers + b"]")
            who = first_reviewer[reviewers] = str(names[0]) if names else "?"
        yield (
            when,
            None if shown == b"null" else float(shown),
            _word(b'"' + verdict + b'"'),
            who,
            fast == b"true",
            None if elapsed == b"null" else float(elapsed),
            float(floor),
            int(count),
        )


def iter_records_reverse(path: Path, summary: bool = False) -> Iterator[dict[str, Any]]:
    """Decision records newest first, reading backwards from the end (cheap for recent ones).

    With summary, only each record's leading fields (see iter_summaries)."""
    parse = _fast_summary if summary else _parse
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return
    except OSError as error:
        raise JournalError(f"cannot read the journal {path}: {error.strerror or error}") from None
    try:
        position = os.fstat(fd).st_size
        rest = b""
        first = True
        while position > 0:
            step = min(_TAIL_CHUNK, position)
            position -= step
            try:
                data = os.pread(fd, step, position) + rest
            except OSError as error:  # EISDIR, EIO: a journal we cannot read, said plainly
                raise JournalError(
                    f"cannot read the journal {path}: {error.strerror or error}"
                ) from None
            lines = data.split(b"\n")
            rest = lines[0]
            body = lines[1:]
            if first:
                body = body[:-1]  # after the last newline: empty, or a torn line
                first = False
            for raw in reversed(body):
                record = parse(raw)
                if record is not None:
                    yield record
        if rest:
            record = parse(rest)
            if record is not None:
                yield record
    finally:
        os.close(fd)


def _parse(raw: bytes) -> dict[str, Any] | None:
    if not raw:
        return None
    try:
        record = json.loads(raw)
    except ValueError:
        return None
    if isinstance(record, dict) and "fence" not in record:
        return record
    return None


def recent_records(path: Path, since_epoch: float, summary: bool = True) -> list[dict[str, Any]]:
    """Records decided at or after SINCE_EPOCH, oldest first (for the policy's history).

    By default only the summary fields the history needs (see iter_summaries)."""
    found: list[dict[str, Any]] = []
    for record in iter_records_reverse(path, summary):
        decided = record.get("decided_at")
        if isinstance(decided, int | float) and decided < since_epoch:
            break
        found.append(record)
    found.reverse()
    return found


@dataclass(frozen=True, slots=True)
class Verification:
    """What `verify` found: ok, or the first broken line and why."""

    ok: bool
    records: int
    fences: int
    line: int | None = None
    why: str | None = None
    last_hash: str = GENESIS


def verify(path: Path) -> Verification:
    """Check every line and the chain; stop at the first broken record. JournalError if unreadable."""
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed by the with below; open errors named
    except OSError as error:
        raise JournalError(f"cannot read the journal {path}: {error.strerror or error}") from None
    prev = GENESIS
    records = fences = 0
    pending: tuple[int, bytes, str] | None = None  # a bad line that a fence must account for
    last_good_line = 0
    with handle:
        for number, raw in enumerate(handle, 1):
            if not raw.endswith(b"\n"):
                why = (
                    "incomplete last line (a write was cut short); the next append fences it"
                    if pending is None
                    else f"not a record: {pending[2]}"
                )
                return Verification(
                    False, records, fences, pending[0] if pending else number, why, prev
                )
            line = raw[:-1]
            checked = check_line(line)
            if isinstance(checked, str):
                if pending is not None:
                    return Verification(
                        False, records, fences, pending[0], f"not a record: {pending[2]}", prev
                    )
                pending = (number, line, checked)
                continue
            digest, record = checked
            fence = record.get("fence")
            if pending is not None:
                ok_fence = (
                    isinstance(fence, dict)
                    and fence.get("bytes") == len(pending[1])
                    and fence.get("sha256") == hashlib.sha256(pending[1]).hexdigest()
                )
                if not ok_fence:
                    return Verification(False, records, fences, pending[0], pending[2], prev)
                pending = None
            elif fence is not None:
                return Verification(
                    False, records, fences, number, "a fence with no torn line before it", prev
                )
            if record["prev"] != prev:
                where = f"line {last_good_line}" if last_good_line else "the start"
                return Verification(
                    False,
                    records,
                    fences,
                    number,
                    f"its prev does not match the hash of the record at {where} "
                    "(a record was removed, inserted or reordered)",
                    prev,
                )
            prev = digest
            last_good_line = number
            if fence is not None:
                fences += 1
            else:
                records += 1
    if pending is not None:
        return Verification(False, records, fences, pending[0], pending[2], prev)
    return Verification(True, records, fences, last_hash=prev)


def tier_label(value: object) -> str:
    """A tier name from a record, `critical` when missing or unknown (fail closed)."""
    try:
        return Tier.parse(str(value)).label
    except ValueError:
        return Tier.CRITICAL.label
