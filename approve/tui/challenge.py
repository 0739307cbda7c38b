"""The R3 "prove" challenge: a question read from the plan, and the check of its answer.

Pure (no Textual): the kind and wording are picked from the Friction's seed so they vary between
reviews and cannot become a reflex. Answers are compared code point by code point, with no
Unicode normalisation, so a look-alike letter never passes for the real one.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from approve.analyze.attacks import mixed_script_words
from approve.model import Assessment, Tier
from approve.sanitize import sanitize


@dataclass(frozen=True, slots=True)
class Challenge:
    """One question with its exact expected answer."""

    kind: str  # retype (a name) | count (a number) | namespace, all read from the plan
    prompt: str
    expected: str
    warning: str | None = None  # e.g. the name mixes scripts

    def check(self, answer: str) -> bool:
        if self.kind == "count":
            return answer.strip() == self.expected
        return answer == self.expected  # code point by code point, no normalisation


_RETYPE_WORDINGS = (
    "Retype the name of the resource on line {line}:",
    "Which resource does line {line} act on? Type its full name:",
    "Type exactly the name flagged {severity} on line {line}:",
)
_NAMESPACE_WORDINGS = (
    "Which namespace does line {line} act in? Type it:",
    "Type the Kubernetes namespace of the command on line {line}:",
)
# `-n NS`, `--namespace NS`, `--namespace=NS`, `namespace: NS`, `delete namespace NS`
_NAMESPACE = re.compile(
    r"(?:\s-n\s+|--namespace[=\s]+|\bnamespace:\s*|\b(?:namespace|ns)\s+)([A-Za-z0-9][-A-Za-z0-9.]*)"
)
_COUNT_WORDINGS = (
    "How many objects will this destroy (a replace destroys one too)? Type the number:",
    "Count the resources destroyed or replaced, and type that number:",
)


def destroyed_count(assessment: Assessment) -> int:
    return assessment.counts.get("destroy", 0) + assessment.counts.get("replace", 0)


def homoglyph_warning(name: str) -> str | None:
    mixed = mixed_script_words(name)
    if not mixed and name.isascii():
        return None
    if mixed:
        return (
            f"warning: {sanitize(name)!s} mixes Latin with look-alike letters from another "
            "script; type exactly what the plan holds"
        )
    return None


def namespace_on(line: str) -> str | None:
    match = _NAMESPACE.search(line)
    return match.group(1) if match else None


def make_challenge(assessment: Assessment, seed: int, text: str = "") -> Challenge | None:
    """A challenge read from this plan, or None when the plan names nothing to ask about.

    Kinds: retype a resource name, count what is destroyed, name the Kubernetes namespace a
    risky line acts in (when `text`, the plan itself, shows one).
    """
    chooser = random.Random(seed)
    risky = [f for f in assessment.findings if f.severity >= Tier.HIGH and f.resources]
    candidates: list[Challenge] = []
    if risky:
        finding = chooser.choice(risky)
        name = finding.resources[0]
        wording = chooser.choice(_RETYPE_WORDINGS)
        candidates.append(
            Challenge(
                kind="retype",
                prompt=wording.format(line=finding.line, severity=finding.severity.label),
                expected=name,
                warning=homoglyph_warning(name),
            )
        )
    if text:
        lines = text.split("\n")
        for finding in assessment.findings:
            if finding.severity < Tier.HIGH or not 0 < finding.line <= len(lines):
                continue
            namespace = namespace_on(lines[finding.line - 1])
            if namespace:
                wording = chooser.choice(_NAMESPACE_WORDINGS)
                candidates.append(
                    Challenge(
                        kind="namespace",
                        prompt=wording.format(line=finding.line),
                        expected=namespace,
                    )
                )
                break
    count = destroyed_count(assessment)
    if count > 0:
        candidates.append(
            Challenge(kind="count", prompt=chooser.choice(_COUNT_WORDINGS), expected=str(count))
        )
    if not candidates and assessment.findings:
        worst = max(assessment.findings, key=lambda f: (f.severity, -f.line))
        candidates.append(
            Challenge(
                kind="count",
                prompt=f"On which line is the {worst.severity.label} finding {worst.rule}? "
                "Type the line number:",
                expected=str(worst.line),
            )
        )
    if not candidates:
        return None
    return chooser.choice(candidates)
