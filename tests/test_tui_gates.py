"""Pilot tests of the review screen's gates: what unlocks approve, and what never does."""

from __future__ import annotations

import asyncio

from textual import events
from textual.widgets import Button
from tui_helpers import FakeClock, make_app

from approve.tui.app import ReviewApp
from approve.tui.gate_panel import PASTE_REFUSED, RetypeInput

SIZE = (130, 36)


def approve_disabled(app: ReviewApp) -> bool:
    return app.query_one("#approve", Button).disabled


def message(app: ReviewApp) -> str:
    return str(app.query_one("#gate-message").render())


async def drawn(pilot: object) -> None:
    await pilot.pause()  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]


def test_reject_returns_rejected_decision() -> None:
    async def scenario() -> None:
        app = make_app(("read", "visit", "prove"))
        async with app.run_test(size=SIZE) as pilot:
            await drawn(pilot)
            await pilot.press("r")
        assert app.return_value is not None
        assert app.return_value.verdict == "rejected"
        assert not app.return_value.approved

    asyncio.run(scenario())


def test_reject_exit_status_is_1() -> None:
    from approve.commands.review import exit_status
    from approve.model import Decision

    assert exit_status(Decision(verdict="rejected", reason="x")) == 1
    assert exit_status(Decision(verdict="deferred", reason="x")) == 1
    assert exit_status(Decision(verdict="approved", reason="x")) == 0


def test_early_keys_are_ignored_and_a_buffered_a_never_approves() -> None:
    async def scenario() -> None:
        clock = FakeClock()
        app = make_app((), clock=clock, guard_s=1.5)
        async with app.run_test(size=SIZE) as pilot:
            await drawn(pilot)
            await pilot.press("a", "a", "r")  # inside the guard: all dropped
            await pilot.pause()
            assert app.return_value is None
            assert app.ignored_early == 3
            clock.advance(1.0)
            await pilot.press("a")
            await pilot.pause()
            assert app.return_value is None
            clock.advance(0.6)  # 1.6 s after the first paint
            await pilot.press("a")
        assert app.return_value is not None and app.return_value.verdict == "approved"

    asyncio.run(scenario())


def test_countdown_enables_approve() -> None:
    async def scenario() -> None:
        clock = FakeClock()
        app = make_app(("read",), floor=10.0, clock=clock)
        async with app.run_test(size=SIZE) as pilot:
            await drawn(pilot)
            assert approve_disabled(app)
            status = str(app.query_one("#gate-status").render())
            assert "unlocks in 10 s" in status
            await pilot.press("a")
            await pilot.pause()
            assert app.return_value is None
            assert "approve is locked" in message(app)
            clock.advance(6)
            await pilot.pause(0.35)  # one timer tick redraws the countdown
            assert "unlocks in 4 s" in str(app.query_one("#gate-status").render())
            assert approve_disabled(app)
            clock.advance(4)
            await pilot.pause(0.35)
            assert not approve_disabled(app)
            await pilot.press("a")
        decision = app.return_value
        assert decision is not None and decision.verdict == "approved"
        assert decision.gates_passed == ("read",)

    asyncio.run(scenario())


def test_visiting_every_finding_enables_approve() -> None:
    async def scenario() -> None:
        app = make_app(("visit",))
        async with app.run_test(size=SIZE) as pilot:
            await drawn(pilot)
            assert approve_disabled(app)
            await pilot.press("n")
            await pilot.pause()
            assert approve_disabled(app)  # one of two
            assert app.tracker.visited == {0}
            await pilot.press("n")
            await pilot.pause()
            assert not approve_disabled(app)
            await pilot.press("a")
        assert app.return_value is not None and app.return_value.approved

    asyncio.run(scenario())


def test_selecting_a_finding_jumps_to_its_line() -> None:
    async def scenario() -> None:
        app = make_app(("visit",))
        async with app.run_test(size=SIZE) as pilot:
            await drawn(pilot)
            listing = app.query_one("#findings")
            listing.focus()
            await pilot.press("down", "down", "enter")
            await pilot.pause()
            assert app.query_one("#plan").cursor_line == 3  # finding 2 is on line 4
            assert app.tracker.visited == {1}

    asyncio.run(scenario())


def test_wrong_retype_stays_locked_and_right_one_unlocks() -> None:
    async def scenario() -> None:
        app = make_app(("prove",), seed=3)
        challenge = app.tracker.challenge
        assert challenge is not None
        async with app.run_test(size=SIZE) as pilot:
            await drawn(pilot)
            await pilot.press("p")
            wrong = "9" if challenge.kind == "count" else challenge.expected.upper() + "x"
            await pilot.press(*wrong, "enter")
            await pilot.pause()
            assert "does not match" in message(app)
            assert approve_disabled(app)
            box = app.query_one("#challenge", RetypeInput)
            assert box.value == ""  # a wrong answer is cleared: the next try starts afresh
            assert box.has_focus and box.region.height == 1  # focused, still one visible line
            assert box.styles.border_top[0] in ("", "none")
            await pilot.press("a")  # typed into the input, never approves
            await pilot.pause()
            assert app.return_value is None
            box.value = ""
            await pilot.press(*challenge.expected, "enter")
            await pilot.pause()
            assert app.tracker.challenge_ok
            assert not approve_disabled(app)
            await pilot.press("a")
        assert app.return_value is not None and app.return_value.challenge_ok is True

    asyncio.run(scenario())


def test_homoglyph_name_does_not_pass_for_the_latin_one() -> None:
    from approve.model import Assessment, Finding, Tier

    cyrillic = "aws_db_instance.prоd"  # the o is U+043E
    finding = Finding(1, 1, Tier.CRITICAL, "tf.replace", "replaced", (cyrillic,), None, "replace")
    assessment = Assessment("terraform", Tier.CRITICAL, {}, (finding,), 1, 3)

    async def scenario() -> None:
        app = make_app(("prove",), text=f"# {cyrillic} must be replaced\n", assessment=assessment)
        challenge = app.tracker.challenge
        assert challenge is not None and challenge.kind == "retype"
        assert challenge.warning is not None and "mixes" in challenge.warning
        async with app.run_test(size=SIZE) as pilot:
            await drawn(pilot)
            await pilot.press("p", *"aws_db_instance.prod", "enter")
            await pilot.pause()
            assert not app.tracker.challenge_ok
            assert approve_disabled(app)

    asyncio.run(scenario())


def test_paste_is_refused_with_a_message() -> None:
    async def scenario() -> None:
        app = make_app(("prove",), seed=3)
        challenge = app.tracker.challenge
        assert challenge is not None
        async with app.run_test(size=SIZE) as pilot:
            await drawn(pilot)
            await pilot.press("p")
            box = app.query_one("#challenge", RetypeInput)
            box.post_message(events.Paste(challenge.expected))
            await pilot.pause()
            assert box.value == ""
            assert PASTE_REFUSED in message(app)
            app.copy_to_clipboard(challenge.expected)
            await pilot.press("ctrl+v")
            await pilot.pause()
            assert box.value == ""
            assert approve_disabled(app)

    asyncio.run(scenario())


def test_explain_needs_twenty_characters() -> None:
    async def scenario() -> None:
        app = make_app(("explain",))
        async with app.run_test(size=SIZE) as pilot:
            await drawn(pilot)
            await pilot.press("e", *"too short", "enter")
            await pilot.pause()
            assert approve_disabled(app)
            await pilot.press("e", *" - osd.7 is already drained", "enter")
            await pilot.pause()
            assert not approve_disabled(app)
            await pilot.press("a")
        decision = app.return_value
        assert decision is not None and decision.approved
        assert decision.explanation == "too short - osd.7 is already drained"

    asyncio.run(scenario())


def test_second_person_and_defer_never_approve_here() -> None:
    async def scenario() -> None:
        app = make_app(("second",))
        async with app.run_test(size=SIZE) as pilot:
            await drawn(pilot)
            assert "second reviewer" in str(app.query_one("#gate-status").render())
            await pilot.press("a")
            await pilot.pause()
            assert app.return_value is None
            await pilot.press("d")
        assert app.return_value is not None and app.return_value.verdict == "deferred"

    asyncio.run(scenario())


def test_too_small_terminal_shows_a_message_and_survives_resize() -> None:
    async def scenario() -> None:
        app = make_app(("read",))
        async with app.run_test(size=(40, 10)) as pilot:
            await drawn(pilot)
            assert app.screen.has_class("-too-small")
            assert "needs at least" in str(app.query_one("#too-small").render())
            await pilot.resize_terminal(120, 30)
            await pilot.pause()
            assert not app.screen.has_class("-too-small")

    asyncio.run(scenario())


def test_keys_move_between_findings_and_search_finds_lines() -> None:
    async def scenario() -> None:
        app = make_app(("visit",))
        async with app.run_test(size=SIZE) as pilot:
            await drawn(pilot)
            plan = app.query_one("#plan")
            await pilot.press("n", "n", "N")
            await pilot.pause()
            assert app.current_finding == 0 and plan.cursor_line == 2
            await pilot.press("G")
            await pilot.pause()
            assert plan.cursor_line == 4
            await pilot.press("g")
            await pilot.pause()
            assert plan.cursor_line == 0
            await pilot.press("slash", *"zap", "enter")
            await pilot.pause()
            assert plan.cursor_line == 3
            await pilot.press("escape", "question_mark")
            await pilot.pause()
            assert app.screen.__class__.__name__ == "HelpScreen"

    asyncio.run(scenario())


def test_mouse_click_on_a_line_visits_its_finding_and_buttons_work() -> None:
    async def scenario() -> None:
        app = make_app(("visit",))
        async with app.run_test(size=SIZE) as pilot:
            await drawn(pilot)
            await pilot.click("#plan", offset=(12, 2))  # line 3: the purge
            await pilot.pause()
            assert app.tracker.visited == {0}
            await pilot.click("#findings", offset=(5, 1))  # the second finding
            await pilot.pause()
            assert app.tracker.visited == {0, 1}
            assert not approve_disabled(app)
            await pilot.click("#approve")
        assert app.return_value is not None and app.return_value.approved

    asyncio.run(scenario())
