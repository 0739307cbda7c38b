"""Attacks on the reviewer are findings, at the right line and severity."""

from __future__ import annotations

from approve.analyze import analyze
from approve.analyze.attacks import mixed_script_words, scan_attacks
from approve.model import Tier


def rules_of(text: str) -> dict[str, tuple[int, Tier]]:
    return {f.rule: (f.line, f.severity) for f in scan_attacks(text)}


def test_clean_text_has_no_attack_findings() -> None:
    assert scan_attacks("ls -la\ncat README.md\n") == []
    assert scan_attacks("naïve café résumé\n") == []


def test_cursor_movement_erase_and_hidden_text_are_critical() -> None:
    assert rules_of("one\ntwo \x1b[1A\x1b[2Kgone")["attack.escape"] == (2, Tier.CRITICAL)
    assert rules_of("\x1b[8mhidden\x1b[0m")["attack.escape"][1] == Tier.CRITICAL


def test_colour_only_codes_are_low() -> None:
    assert rules_of("\x1b[1m\x1b[31m- destroy\x1b[0m")["attack.colour-codes"] == (1, Tier.LOW)


def test_osc_bare_cr_bidi_zero_width_controls() -> None:
    found = rules_of("a\x1b]52;c;ZWNobw==\x07\nb\rc\nd\u2066e\nf\u200bg\nh\x07i")
    assert found["attack.osc"] == (1, Tier.CRITICAL)
    assert found["attack.carriage-return"] == (2, Tier.CRITICAL)
    assert found["attack.bidi"] == (3, Tier.CRITICAL)
    assert found["attack.zero-width"] == (4, Tier.HIGH)
    assert found["attack.control"] == (5, Tier.HIGH)


def test_crlf_line_endings_are_not_an_attack() -> None:
    assert scan_attacks("ls\r\ncat x\r\n") == []


def test_homoglyph_names_are_found() -> None:
    cyrillic_a = "\u0430"
    assert mixed_script_words(f"git push origin m{cyrillic_a}in") == [f"m{cyrillic_a}in"]
    finding = scan_attacks(f"aws_db_instance.pr{cyrillic_a}d")[0]
    assert finding.rule == "attack.homoglyph" and finding.severity == Tier.HIGH
    assert mixed_script_words("Москва main") == []  # one script per word is not mixing


def test_attack_findings_reach_the_assessment() -> None:
    assessment = analyze("just some notes\nand a hidden \x1b[2K line\n", fmt="text")
    assert assessment.tier == Tier.CRITICAL
    assert any(f.attack and f.line == 2 for f in assessment.findings)


def test_invisible_tag_characters_are_found() -> None:
    smuggled = "ls" + "".join(chr(0xE0000 + ord(c)) for c in "rm -rf /")
    finding = scan_attacks(smuggled)[0]
    assert finding.rule == "attack.control" and finding.severity == Tier.HIGH
    assert "U+E0072" in finding.why
