"""Render untrusted text so that what the reviewer sees is what is there.

Plans, commands and diffs come from the agent, so they may carry terminal escape sequences,
C0/C1 controls, bidi overrides (Trojan Source, CVE-2021-42574) or zero-width characters that
hide or reorder what a terminal shows. Every output path (check, review, log) passes text
through `sanitize` or `sanitize_parts`: nothing from the input reaches the terminal raw.
"""

from __future__ import annotations

import re

# Bidi controls (CVE-2021-42574) and zero-width characters, each shown by its code point.
BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")

# A whole escape sequence is shown as one visible token, so `ESC[2K` reads as one thing.
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: cursor moves, erase line, SGR colours and SGR 8 (hidden)
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: title, hyperlink, clipboard
    r"|\x1b[@-Z\\-_]"  # other two-byte escapes
)
_SUSPECT = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]"
    r"|\x1b"
)


def _visible(char: str) -> str:
    code = ord(char)
    if code == 0x1B:
        return "␛"
    if code < 0x20:
        return chr(0x2400 + code)  # Unicode control pictures: ␀ … ␟
    if code == 0x7F:
        return "␡"
    return f"<U+{code:04X}>"


def sanitize_parts(text: str) -> list[tuple[str, bool]]:
    """Split text into (shown text, was_escaped) runs; the UI styles the escaped ones.

    Tabs are expanded to spaces and newlines are kept; everything else that could change how a
    terminal draws the text becomes a visible token.
    """
    parts: list[tuple[str, bool]] = []
    position = 0
    for match in _SUSPECT.finditer(text):
        start = match.start()
        if start < position:
            continue
        if start > position:
            parts.append((text[position:start], False))
        sequence = _ESCAPE_SEQUENCE.match(text, start)
        if sequence:
            raw = sequence.group(0)
            shown = "␛" + "".join(c if c.isprintable() else _visible(c) for c in raw[1:])
            parts.append((shown, True))
            position = sequence.end()
        else:
            parts.append((_visible(text[start]), True))
            position = start + 1
    if position < len(text):
        parts.append((text[position:], False))
    return [run for shown, escaped in parts for run in _split_unprintable(shown, escaped)]


def _split_unprintable(shown: str, escaped: bool) -> list[tuple[str, bool]]:
    """Expand tabs, and make any remaining non-printable character visible.

    Unassigned code points, separators and format characters such as the invisible Unicode
    tag block (U+E0000..) are not in the fast regex above; this catches every one of them.
    """
    if escaped:
        return [(shown, True)]
    shown = shown.expandtabs(4)
    if shown.replace("\n", "").isprintable():
        return [(shown, False)]
    runs: list[tuple[str, bool]] = []
    plain: list[str] = []
    for char in shown:
        if char == "\n" or char.isprintable():
            plain.append(char)
            continue
        if plain:
            runs.append(("".join(plain), False))
            plain = []
        runs.append((_visible(char), True))
    if plain:
        runs.append(("".join(plain), False))
    return runs


def sanitize(text: str) -> str:
    """The text with every control, escape, bidi and zero-width character made visible."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(shown for shown, _ in sanitize_parts(text))


def has_hidden_characters(text: str) -> bool:
    """Whether anything in text (newlines and tabs aside) would not show as itself."""
    if _SUSPECT.search(text) is not None:
        return True
    return not text.replace("\n", "").replace("\t", "").isprintable()
