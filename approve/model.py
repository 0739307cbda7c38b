"""The values that flow through approve, one stage to the next.

source -> Request -> analyze() -> Assessment -> policy() -> Friction -> review -> Decision -> journal

Plain frozen dataclasses with no behaviour beyond small derived properties, so every stage is a
pure function of these values and each can be tested without the others.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import IntEnum


class Tier(IntEnum):
    """How bad the worst outcome is. Ordered, so max() picks the worst."""

    SAFE = 0  # read-only
    LOW = 1  # reversible or local
    HIGH = 2  # changes shared state
    CRITICAL = 3  # destroys data or cannot be undone

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Tier:
        """Tier from its lowercase name; ValueError naming the choices otherwise."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            choices = ", ".join(t.label for t in cls)
            raise ValueError(f"unknown severity {text!r} (expected one of: {choices})") from None

    def raised(self, steps: int = 1) -> Tier:
        return Tier(min(int(self) + steps, int(Tier.CRITICAL)))


FORMATS = ("terraform", "terraform-json", "diff", "shell", "sql", "text")
COUNT_KEYS = ("destroy", "replace", "update", "create", "read", "forget")


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a request came from: who asks, and who must be answered."""

    source: str = "cli"  # cli | review | run | hook | pane
    agent: str | None = None  # claude | codex | gemini | cursor
    session_id: str | None = None
    tool_use_id: str | None = None
    tool_name: str | None = None
    cwd: str | None = None


@dataclass(frozen=True, slots=True)
class Request:
    """What is asked: the text to be reviewed and what kind of text it claims to be."""

    text: str
    kind: str = "auto"  # "auto" or one of FORMATS
    origin: Origin = field(default_factory=Origin)
    title: str | None = None  # e.g. "Bash: rm -rf build" or the file an edit touches

    @property
    def identity(self) -> str:
        """sha256 of the text: what the journal and a challenge are bound to."""
        return hashlib.sha256(self.text.encode("utf-8", "surrogateescape")).hexdigest()


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing the reviewer must see, pointing at 1-based input lines."""

    line: int
    end_line: int
    severity: Tier
    rule: str
    why: str
    resources: tuple[str, ...] = ()
    safer: str | None = None
    action: str | None = None  # destroy | replace | update | create | read | forget | None
    attack: bool = False  # an attack on the reviewer rather than on infrastructure

    def to_json(self) -> dict[str, object]:
        return {
            "line": self.line,
            "end_line": self.end_line,
            "severity": self.severity.label,
            "rule": self.rule,
            "resources": list(self.resources),
            "why": self.why,
            "safer": self.safer,
        }


@dataclass(frozen=True, slots=True)
class Assessment:
    """What analyze() concluded about one request."""

    format: str
    tier: Tier
    counts: dict[str, int]
    findings: tuple[Finding, ...]
    line_count: int = 0
    word_count: int = 0

    @property
    def resources(self) -> tuple[str, ...]:
        """Every resource named by a finding, worst first, without repeats."""
        seen: dict[str, None] = {}
        for finding in sorted(self.findings, key=lambda f: (-f.severity, f.line)):
            for name in finding.resources:
                seen.setdefault(name, None)
        return tuple(seen)

    @property
    def destructive_lines(self) -> int:
        """Distinct input lines where a high or critical finding starts.

        A finding's span (a whole replaced resource block) is context for reading; the line that
        says what happens (the header, the command) is the one the reading floor pays for.
        """
        return len({f.line for f in self.findings if f.severity >= Tier.HIGH})

    def to_json(self) -> dict[str, object]:
        return {
            "format": self.format,
            "tier": self.tier.label,
            "counts": {key: self.counts.get(key, 0) for key in COUNT_KEYS},
            "findings": [f.to_json() for f in self.findings],
        }


@dataclass(frozen=True, slots=True)
class Friction:
    """What the policy demands of the reviewer, and why, in words a person can read."""

    rung: int  # 0..6 on the ladder in DESIGN.md
    gates: tuple[str, ...]  # read | visit | prove | explain | second | defer
    reasons: tuple[str, ...]
    reading_floor_s: float = 0.0
    challenge_seed: int = 0
    defer_until: str | None = None  # ISO time when a deferred request may come back
    headline: str = ""  # one line for the header: "02:41, 4th approval in a row: retype the name"


@dataclass(frozen=True, slots=True)
class Decision:
    """What the human decided, with the evidence that they read it."""

    verdict: str  # approved | rejected | deferred | timeout | error
    reason: str
    reviewers: tuple[str, ...] = ()
    shown_at: float | None = None
    first_key_at: float | None = None
    decided_at: float | None = None
    gates_passed: tuple[str, ...] = ()
    challenge: str | None = None
    challenge_ok: bool | None = None
    explanation: str | None = None

    @property
    def approved(self) -> bool:
        return self.verdict == "approved"
