"""Rules that expect earlier steps: a purge says when the safe sequence did not come first."""

from __future__ import annotations

import pytest

from approve.analyze import analyze
from approve.analyze.rules import PackError, RuleSet, load_pack_text
from approve.model import Tier

NOT_OUT = "nothing before it in this input marks it out"
SAFE_TO_DESTROY = "checks ceph osd safe-to-destroy"


def purge_why(text: str, fmt: str) -> str:
    assessment = analyze(text, fmt=fmt)
    (purge,) = [f for f in assessment.findings if f.rule == "ceph.osd-purge"]
    assert purge.severity == Tier.CRITICAL  # the note explains; it never lowers anything
    return purge.why


@pytest.mark.parametrize("fmt", ["shell", "text"])
def test_a_purge_alone_says_both_steps_are_missing(fmt: str) -> None:
    why = purge_why("ceph osd purge 7 --yes-i-really-mean-it\n", fmt)
    assert NOT_OUT in why and SAFE_TO_DESTROY in why


@pytest.mark.parametrize("fmt", ["shell", "text"])
def test_the_safe_sequence_before_it_silences_the_note(fmt: str) -> None:
    text = (
        "ceph osd out 7\nceph osd safe-to-destroy osd.7\nceph osd purge 7 --yes-i-really-mean-it\n"
    )
    why = purge_why(text, fmt)
    assert "nothing before it" not in why


def test_the_steps_must_be_for_the_same_osd_and_come_first() -> None:
    other_osd = "ceph osd out 8\nceph osd safe-to-destroy osd.8\nceph osd purge 7\n"
    assert NOT_OUT in purge_why(other_osd, "shell")
    after = "ceph osd purge 7\nceph osd out 7\nceph osd safe-to-destroy osd.7\n"
    assert NOT_OUT in purge_why(after, "shell")
    only_out = "ceph osd out 7 && ceph osd purge 7"
    why = purge_why(only_out, "shell")
    assert NOT_OUT not in why and SAFE_TO_DESTROY in why


def test_before_steps_are_validated() -> None:
    bad = (
        "pack: x\nrules:\n  - id: x.y\n    severity: high\n    match: {command: a}\n"
        "    why: w\n    before: [{regex: '(unclosed {id}', missing: m}]\n"
    )
    with pytest.raises(PackError, match=r"^p:3: 'before.regex' is not a valid"):
        load_pack_text(bad, "p", RuleSet())
