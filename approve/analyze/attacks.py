"""Findings for text that attacks the reviewer rather than the infrastructure.

Escape sequences that move the cursor or erase lines, bare carriage returns, hidden (SGR 8) text,
OSC sequences, C0/C1 controls, bidi controls, zero-width characters and names that mix scripts
(homoglyphs, CVE-2021-42694). Each is reported at its line; `approve.sanitize` shows them.
"""

from __future__ import annotations

import re
import unicodedata

from approve.model import Finding, Tier
from approve.sanitize import BIDI, ZERO_WIDTH, has_hidden_characters

_CSI = re.compile(r"\x1b\[([0-?]*)[ -/]*([@-~])")
_COLOUR_ONLY = re.compile(r"[0-9;]*")
_WORD = re.compile(r"[^\W\d_][\w.\-]*", re.UNICODE)
# Scripts whose letters are commonly confused with Latin ones.
_CONFUSABLE_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE")


def _script(char: str) -> str | None:
    if char.isascii():
        return "LATIN" if char.isalpha() else None
    if not char.isalpha():
        return None
    name = unicodedata.name(char, "")
    for script in _CONFUSABLE_SCRIPTS:
        if name.startswith(script):
            return script
    return "OTHER"


def mixed_script_words(line: str) -> list[str]:
    """Words that mix Latin letters with look-alike letters from another script."""
    found = []
    for match in _WORD.finditer(line):
        word = match.group(0)
        if word.isascii():
            continue
        scripts = {s for s in map(_script, word) if s is not None}
        if "LATIN" in scripts and scripts & {"CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE"}:
            found.append(word)
    return found


def _finding(
    line_no: int, severity: Tier, rule: str, why: str, resources: tuple[str, ...] = ()
) -> Finding:
    return Finding(
        line=line_no,
        end_line=line_no,
        severity=severity,
        rule=rule,
        why=why,
        resources=resources,
        safer="Read the escaped text shown here; ask the agent where it came from.",
        attack=True,
    )


def scan_line(line: str, line_no: int) -> list[Finding]:
    """Every attack finding on one line (without its newline)."""
    findings: list[Finding] = []
    if line.isascii():
        if not has_hidden_characters(line.rstrip("\r")):
            return findings
    elif mixed := mixed_script_words(line):
        findings.append(
            _finding(
                line_no,
                Tier.HIGH,
                "attack.homoglyph",
                "mixes Latin with look-alike letters from another script: "
                + ", ".join(mixed)
                + " may not be the name it looks like",
                tuple(mixed),
            )
        )
    body = line[:-1] if line.endswith("\r") else line  # CRLF line endings are not an attack

    colour_only = True
    cursor = False
    for match in _CSI.finditer(body):
        params, final = match.group(1), match.group(2)
        if final == "m" and _COLOUR_ONLY.fullmatch(params) and "8" not in params.split(";"):
            continue
        colour_only = False
        cursor = cursor or final in "ABCDEFGHJKfsu" or (final == "m")
    if "\x1b" in body:
        if "\x1b]" in body:
            findings.append(
                _finding(
                    line_no,
                    Tier.CRITICAL,
                    "attack.osc",
                    "an OSC escape (window title, hyperlink or clipboard) is hidden in the text",
                )
            )
        elif colour_only and _CSI.search(body):
            findings.append(
                _finding(
                    line_no,
                    Tier.LOW,
                    "attack.colour-codes",
                    "colour escape codes in the input: produce it with -no-color so nothing is styled by the input",
                )
            )
        else:
            findings.append(
                _finding(
                    line_no,
                    Tier.CRITICAL,
                    "attack.escape",
                    "terminal escape sequences that can move the cursor, erase or hide text",
                )
            )
    if "\r" in body:
        findings.append(
            _finding(
                line_no,
                Tier.CRITICAL,
                "attack.carriage-return",
                "a bare carriage return lets later text overwrite what is printed before it",
            )
        )
    if any(c in BIDI for c in body):
        findings.append(
            _finding(
                line_no,
                Tier.CRITICAL,
                "attack.bidi",
                "bidirectional control characters reorder how the line is displayed (Trojan Source)",
            )
        )
    if any(c in ZERO_WIDTH for c in body):
        findings.append(
            _finding(
                line_no,
                Tier.HIGH,
                "attack.zero-width",
                "zero-width characters hide a difference between names that look the same",
            )
        )
    other_controls = [
        c
        for c in body
        if (ord(c) < 0x20 and c not in "\t\x1b\r")
        or 0x7F <= ord(c) <= 0x9F
        # unassigned, separators and invisible format characters such as the Unicode tag block
        or (ord(c) > 0x9F and c not in BIDI and c not in ZERO_WIDTH and not c.isprintable())
    ]
    if other_controls:
        findings.append(
            _finding(
                line_no,
                Tier.HIGH,
                "attack.control",
                "control, invisible or unassigned characters: "
                + ", ".join(f"U+{ord(c):04X}" for c in sorted(set(other_controls))),
            )
        )
    return findings


def scan_attacks(text: str) -> list[Finding]:
    """Attack findings for every line of text."""
    if text.isascii() and not has_hidden_characters(text.replace("\r\n", "\n").replace("\n", "")):
        return []
    findings: list[Finding] = []
    for number, line in enumerate(text.split("\n"), start=1):
        findings.extend(scan_line(line, number))
    return findings
