"""sanitize(): nothing from the input reaches the terminal raw."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from approve.sanitize import BIDI, ZERO_WIDTH, sanitize, sanitize_parts


def test_plain_text_is_unchanged() -> None:
    assert sanitize("terraform apply -auto-approve") == "terraform apply -auto-approve"


def test_escape_sequence_is_one_visible_token() -> None:
    parts = sanitize_parts("ok\x1b[2Kfake")
    assert parts == [("ok", False), ("␛[2K", True), ("fake", False)]


def test_osc_sequence_is_visible() -> None:
    shown = sanitize("a\x1b]0;title\x07b")
    assert "\x1b" not in shown and "\x07" not in shown
    assert shown.startswith("a␛]0;title")


def test_carriage_return_and_controls_are_visible() -> None:
    assert sanitize("safe\rrm -rf /") == "safe␍rm -rf /"
    assert sanitize("a\x00b\x7fc") == "a␀b␡c"


def test_c1_bidi_and_zero_width_show_their_code_points() -> None:
    assert sanitize("a\u202eb") == "a<U+202E>b"
    assert sanitize("ma\u200bin") == "ma<U+200B>in"
    assert sanitize("x\x9by") == "x<U+009B>y"


def test_tabs_expand_and_newlines_stay() -> None:
    assert sanitize("a\tb\nc") == "a   b\nc"


@given(st.text())
def test_nothing_dangerous_survives(text: str) -> None:
    shown = sanitize(text)
    assert "\x1b" not in shown and "\r" not in shown
    assert not any(c in BIDI or c in ZERO_WIDTH for c in shown)
    assert not any(0x80 <= ord(c) <= 0x9F for c in shown)
    assert all(c == "\n" or c.isprintable() or c == " " for c in shown)
