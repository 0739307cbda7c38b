"""`approve hook claude|codex|gemini|cursor`: the gate between an agent and what it runs.

Reads the agent's hook JSON on stdin, turns it into a Request (approve.agents), analyzes it and
asks the policy for the rung. Rung 0 is answered at once without Textual: no opinion (the
agent's own rules apply), or allow with `auto_allow_safe: true`. Anything above goes to a human:
(1) a running `approve pane` (approve.broker), (2) a tmux popup running the review screen when
TMUX is set, (3) otherwise a deny telling the agent to stop and wait.

The agents fail OPEN when a hook times out, exits 1 or prints something they cannot parse
(FACTS.md 1). So this command keeps its own deadline (hook_deadline_seconds, shorter than the
agent's timeout), turns every error into a deny in the agent's own protocol, exits 0, and writes
nothing else on stdout: stray output from anything it calls is pointed at stderr.

Every decision is journaled once, with the agent, session and tool-use ids: the human's verdict
by whoever showed the review (the pane, or the review in the popup), and here the hook's own:
timeouts, errors and "nobody to ask" as `timeout` or `error`, and allows by auto_allow_safe as
`auto-allowed`, all with no reviewer, so they neither extend nor reset anyone's streak. "No
opinion" is not a decision (the agent's own rules decide) and is not journaled: an agent runs
thousands of `ls` a day, and an fsync for each would be the journal's main content.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time

from approve.agents import AGENTS, Answer

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import FrameType
    from typing import Any

    from approve.agents import Rendered
    from approve.config import Config
    from approve.model import Assessment, Friction, Request

POPUP_TITLE = " approve: review "

STOP_AND_WAIT = (
    "Do not retry this another way, split it up or work around it: stop, tell the user that "
    "this is waiting for their review, and wait for their instruction."
)
HOW_TO_REVIEW = (
    "To review it, the user runs the agent inside tmux (the review then opens as a popup) or "
    "keeps `approve pane` open in another terminal, then asks the agent to try again."
)


# Until the config says otherwise (or when it cannot be read): the shipped default deadline.
DEFAULT_DEADLINE_SECONDS = 540
# The alarm is the backstop behind the popup's own timeout, so it rings a little later.
ALARM_GRACE_SECONDS = 2

# Set once the pane has acknowledged our request: from then on the pane journals its outcome
# (a decision, or a timeout when we hang up), so the hook must not journal it a second time.
_pane_holds_request = False


class HookInterrupted(BaseException):
    """A signal (SIGTERM, SIGHUP, SIGINT) arrived: answer deny before going."""


class HookDeadline(HookInterrupted):
    """The hook's own deadline passed (SIGALRM) before it had an answer: deny."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("agent", choices=AGENTS, help="whose hook protocol to read and answer")
    # Internal: the review running inside the tmux popup, reading DIR/request.json and writing
    # DIR/answer.json for the hook process that opened it.
    parser.add_argument("--popup", metavar="DIR", help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    if args.popup:
        return review_in_popup(args.popup)
    return answer_hook(args.agent)


# ------------------------------------------------------------------ the hook process


def answer_hook(agent: str) -> int:
    """Read the hook JSON, decide, print the answer in AGENT's protocol; the exit status."""
    started = time.monotonic()
    # Our answer goes to the real stdout; anything else that writes to fd 1 meanwhile (a
    # library's warning, a child process) lands on stderr, where it cannot spoil the JSON.
    answer_fd = os.dup(1)
    os.dup2(2, 1)
    previous = _trap_signals()
    payload: dict[str, Any] = {}
    try:
        from approve.agents import adapter

        to_request, render = adapter(agent)
        try:
            # The config first, so its deadline bounds even reading the input; a broken config
            # is reported after the input is read, so the deny is journaled with its ids.
            config = _config_or_error(started)
            payload = _read_payload()
            answer = _decide(agent, payload, to_request, config, started)
        except BaseException as error:  # every failure, signals included, ends in a deny
            answer = _failed(agent, payload, error)
        rendered = _render_safely(render, answer, payload)
    except BaseException as error:  # even the adapter's import failing: still a deny
        rendered = _last_resort(agent, error)
    try:
        _ignore_signals(previous)  # the answer is decided: nothing may cut it short now
        _write_all(answer_fd, rendered.stdout.encode("ascii", "backslashreplace"))
    except OSError:
        pass  # the agent stopped reading: nothing more can be said
    finally:
        os.dup2(answer_fd, 1)  # give fd 1 back (for callers that go on in this process)
        os.close(answer_fd)
        _restore_signals(previous)
    return rendered.exit_code


def _read_payload() -> dict[str, Any]:
    import json

    from approve.agents import AdapterError
    from approve.hookfast import take_preread

    preread = take_preread()  # what the fast path read before it handed over
    data, complete = preread if preread is not None else (b"", False)
    if not complete and sys.stdin is not None:
        data += sys.stdin.buffer.read()
    try:
        payload = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise AdapterError("the hook input is not valid JSON") from None
    if not isinstance(payload, dict):
        raise AdapterError("the hook input is not a JSON object")
    return payload


def _config_or_error(started: float) -> Config | Exception:
    from approve.config import load_config
    from approve.hookfast import config_key, remember_config

    key = config_key()  # before loading: an edit made meanwhile leaves the summary stale
    try:
        config = load_config()
    except Exception as error:  # raised by _decide once the input is read
        return error
    remember_config(config, key)
    _set_alarm(config.hook_deadline_seconds, started)
    return config


def _decide(
    agent: str,
    payload: dict[str, Any],
    to_request: Callable[[dict[str, Any]], Request],
    config: Config | Exception,
    started: float,
) -> Answer:
    request = to_request(payload)
    if isinstance(config, Exception):
        raise config
    if request.kind == "shell" and config.tier_rungs[0] == 0 and not config.auto_allow_safe:
        # A plain read-only command, judged from the cached rules alone: no opinion.
        from approve.fastpath import load_cache, plain_command_is_safe

        cache = load_cache()
        if cache is not None and plain_command_is_safe(request.text, cache):
            return Answer("none")
    from approve.analyze import analyze
    from approve.commands.review import friction_for, parse_now

    assessment = analyze(request)
    now = parse_now(None, config)
    friction = friction_for(request, assessment, now, config)
    if friction.rung == 0:
        return _rung_zero(request, assessment, friction, config)
    # (1) a running `approve pane`.
    answered = _ask_pane(request, assessment, friction, config, started)
    if answered is not None:
        return answered
    # (2) a tmux popup, when the agent runs inside tmux.
    if os.environ.get("TMUX"):
        # A decision that cannot be journaled is refused, so do not ask a human for one.
        from approve.journal import check_writable

        check_writable()
        return _review_in_tmux(agent, request, assessment, friction, config, started)
    # (3) nobody to ask.
    why = "A human must review it first, and no review screen is reachable from here."
    try:
        _journal_outcome(
            request, assessment, friction, "error", "no review screen reachable (no tmux, no pane)"
        )
    except Exception as error:  # the deny stands; say that it went unrecorded
        why += f" (It could not be journaled either: {_describe(error)}.)"
    return _denied(request, assessment, why, hint=HOW_TO_REVIEW)


def _ask_pane(
    request: Request,
    assessment: Assessment,
    friction: Friction,
    config: Config,
    started: float,
) -> Answer | None:
    """The pane's answer, or None when no pane is running (then the popup is tried).

    The pane journals every decision it makes, timeouts and its own shutdown included; only a
    pane that broke without answering leaves the journaling to us.
    """
    from approve.broker.client import submit_and_wait
    from approve.broker.protocol import BrokerError, PaneTimeout, PaneUnavailable

    remaining = config.hook_deadline_seconds - (time.monotonic() - started)

    def taken() -> None:
        global _pane_holds_request
        _pane_holds_request = True

    try:
        verdict, said = submit_and_wait(request, time.time() + remaining, on_queued=taken)
    except PaneUnavailable:
        return None
    except BrokerError as error:
        problem = str(error)
        why = f"It was sent to the approve pane, but {problem[0].lower()}{problem[1:]}."
        if isinstance(error, PaneTimeout) and _pane_holds_request:
            # The pane took the request and is still there: it journals the timeout when we
            # hang up. (A pane that vanished mid-wait journaled nothing: we do, below.)
            return _denied(request, assessment, why)
        try:
            outcome = "timeout" if isinstance(error, PaneTimeout) else "error"
            _journal_outcome(request, assessment, friction, outcome, problem)
        except Exception as journal_error:
            why += f" (It could not be journaled either: {_describe(journal_error)}.)"
        return _denied(request, assessment, why)
    return _human_verdict(request, assessment, verdict, said, "in the approve pane")


def _rung_zero(
    request: Request, assessment: Assessment, friction: Friction, config: Config
) -> Answer:
    """No opinion (not a decision, so not journaled), or with auto_allow_safe an allow of a
    read-only request, journaled first as `auto-allowed`; unjournaled, it stays no opinion."""
    from approve.model import Tier

    if assessment.tier != Tier.SAFE or not config.auto_allow_safe:
        return Answer("none")
    reason = "read-only, allowed without review (auto_allow_safe)"
    try:
        _journal_outcome(request, assessment, friction, "auto-allowed", reason)
    except Exception:
        return Answer("none")  # the agent's own rules decide; we allow nothing unrecorded
    return Answer("allow", f"approve: {reason}")


def _denied(request: Request, assessment: Assessment, why: str, hint: str = "") -> Answer:
    """The deny: for the agent, what was refused and why, then plainly to stop and wait; for
    the person (where the protocol has a message of its own), what and why. HINT, e.g. how to
    open a review, goes to both."""
    worst = max(assessment.findings, key=lambda f: f.severity, default=None)
    risk = f"{assessment.tier.label} risk" + (f" ({worst.why})" if worst is not None else "")
    told = f"{why} {hint}".strip()
    return Answer(
        "deny",
        f"approve refused {_what(request)}: {risk}. {why} {STOP_AND_WAIT}"
        + (f" {hint}" if hint else ""),
        human=f"approve refused {_what(request)}. {told}",
    )


def _human_verdict(
    request: Request, assessment: Assessment, verdict: str, said: str, where: str
) -> Answer:
    """A person's verdict given WHERE (the pane, the popup's review) as the agent's answer."""
    if verdict == "approved":
        return Answer("allow", f"approve: approved by a human {where}. {said}".strip())
    why = f"The verdict {where}: {verdict}" + (f" ({said})." if said else ".")
    return _denied(request, assessment, why)


def _what(request: Request) -> str:
    from approve.agents.base import first_line

    return request.title or first_line(request.text)


def _failed(agent: str, payload: dict[str, Any], error: BaseException) -> Answer:
    """The deny for an error (or a signal), journaled when the journal can take it."""
    from approve.agents import AdapterError

    if isinstance(error, HookInterrupted):
        problem = str(error)
    elif isinstance(error, AdapterError | ValueError):
        problem = str(error)  # ConfigError and InputError are ValueErrors with a clear message
    else:
        problem = _describe(error)
    why = f"approve could not review this request ({problem}), so it is refused."
    journal_note = ""
    try:
        verdict = "timeout" if isinstance(error, HookDeadline) else "error"
        if not _pane_holds_request:  # else the pane journals it when our connection closes
            _journal_outcome(None, None, None, verdict, problem, agent=agent, payload=payload)
    except BaseException as journal_error:
        journal_note = f" (It could not be journaled either: {_describe(journal_error)}.)"
    return Answer(
        "deny",
        f"{why}{journal_note} {STOP_AND_WAIT}",
        human=f"{why}{journal_note} Run `approve doctor` to check the setup.",
    )


def _describe(error: BaseException) -> str:
    try:
        from approve.errors import describe

        if isinstance(error, Exception):
            return describe(error)
    except Exception:
        pass
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _render_safely(
    render: Callable[[Answer, dict[str, Any]], Rendered], answer: Answer, payload: dict[str, Any]
) -> Rendered:
    try:
        return render(answer, payload)
    except Exception:
        return render(Answer("deny", "approve refused this request. " + STOP_AND_WAIT), {})


def _last_resort(agent: str, error: BaseException) -> Rendered:
    """The deny written by hand, when even the adapter failed (exit 2 + stderr also blocks)."""
    import json

    from approve.agents.base import Rendered

    reason = f"approve failed ({type(error).__name__}) and refuses this request. {STOP_AND_WAIT}"
    print(f"approve: {reason}", file=sys.stderr)
    if agent == "claude" or agent == "codex":
        inner = {
            "hookEventName": "PreToolUse",
            "permissionDecision": "deny",
            "permissionDecisionReason": reason,
        }
        output: dict[str, object] = {"hookSpecificOutput": inner}
    elif agent == "gemini":
        output = {"decision": "deny", "reason": reason}
    elif agent == "cursor":
        output = {"permission": "deny", "user_message": reason, "agent_message": reason}
    else:
        return Rendered("", 2)
    return Rendered(json.dumps(output) + "\n", 0)


def _write_all(fd: int, data: bytes) -> None:
    while data:
        written = os.write(fd, data)
        data = data[written:]


def _trap_signals() -> dict[int, Any]:
    import signal

    def interrupted(number: int, frame: FrameType | None) -> None:
        del frame
        if number == signal.SIGALRM:
            # Whatever is slow (a stdin never closed, a stuck analysis), the agent's own
            # timeout must not be the one that ends this: that would fail open.
            raise HookDeadline("the hook's deadline passed")
        raise HookInterrupted(f"interrupted by signal {signal.Signals(number).name}")

    previous: dict[int, Any] = {}
    for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGALRM):
        with contextlib.suppress(OSError, ValueError):  # ValueError: not the main thread
            previous[number] = signal.signal(number, interrupted)
    if signal.SIGALRM in previous:
        signal.alarm(DEFAULT_DEADLINE_SECONDS + ALARM_GRACE_SECONDS)
    return previous


def _set_alarm(deadline_seconds: float, started: float) -> None:
    """Ring at the configured deadline (plus grace), counted from the hook's start."""
    import math
    import signal

    if signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.SIG_IGN, None):
        return  # not trapped (not the main thread): an alarm would kill the process silently
    remaining = deadline_seconds - (time.monotonic() - started)
    signal.alarm(max(1, math.ceil(remaining) + ALARM_GRACE_SECONDS))


def _ignore_signals(previous: dict[int, Any]) -> None:
    import signal

    if signal.SIGALRM in previous:
        signal.alarm(0)
    for number in previous:
        signal.signal(number, signal.SIG_IGN)


def _restore_signals(previous: dict[int, Any]) -> None:
    import signal

    for number, handler in previous.items():
        signal.signal(number, handler)


def _journal_outcome(
    request: Request | None,
    assessment: Assessment | None,
    friction: Friction | None,
    verdict: str,
    reason: str,
    *,
    agent: str | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    """Journal a decision the hook made itself (no reviewer). Raises JournalError."""
    from approve.journal import append, record_for
    from approve.model import Assessment, Decision, Friction, Request, Tier

    if request is None:
        request = Request(
            text=_payload_excerpt(payload), kind="text", origin=_origin_of(agent, payload or {})
        )
    if assessment is None:
        # Nothing was analyzed: the journal records the worst tier rather than guess "safe".
        assessment = Assessment(format="text", tier=Tier.CRITICAL, counts={}, findings=())
    if friction is None:
        friction = Friction(rung=0, gates=(), reasons=(reason,))
    decision = Decision(verdict=verdict, reason=reason, decided_at=time.time())
    append(record_for(request, assessment, friction, decision))


def _payload_excerpt(payload: dict[str, Any] | None) -> str:
    if not payload:
        return "(no readable hook input)"
    import json

    try:
        return json.dumps(payload, ensure_ascii=False)[:2000]
    except (TypeError, ValueError):
        return "(hook input that cannot be shown)"


def _origin_of(agent: str | None, payload: dict[str, Any]) -> Any:
    from approve.model import Origin

    def text(*keys: str) -> str | None:
        for key in keys:
            value = payload.get(key)
            if isinstance(value, str) and value:
                return value
        return None

    return Origin(
        source="hook",
        agent=agent,
        session_id=text("session_id", "conversation_id"),
        tool_use_id=text("tool_use_id", "generation_id"),
        tool_name=text("tool_name", "hook_event_name"),
        cwd=text("cwd"),
    )


# ------------------------------------------------------------------ the tmux popup


def _review_in_tmux(
    agent: str,
    request: Request,
    assessment: Assessment,
    friction: Friction,
    config: Config,
    started: float,
) -> Answer:
    """Open the review screen in a tmux popup and wait for its answer, until the deadline."""
    import json
    import shutil
    import subprocess
    import tempfile

    from approve.tmux import approve_command, pane_target

    remaining = config.hook_deadline_seconds - (time.monotonic() - started)
    directory = tempfile.mkdtemp(prefix="approve-hook-")  # 0700: only we can write the answer
    answer_path = os.path.join(directory, "answer.json")
    process: subprocess.Popen[bytes] | None = None
    target = pane_target()
    try:
        _write_request(request, os.path.join(directory, "request.json"))
        argv = ["tmux", "display-popup", "-E", "-w", "90%", "-h", "90%", "-T", POPUP_TITLE]
        argv += target
        if request.origin.cwd and os.path.isdir(request.origin.cwd):
            argv += ["-d", request.origin.cwd]
        argv.append(approve_command(["hook", agent, "--popup", directory]))
        process = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            _, errors = process.communicate(timeout=max(0.0, remaining))
        except subprocess.TimeoutExpired:
            _close_popup(target, process)
            seconds = config.hook_deadline_seconds
            note = f"nobody decided within {seconds} s (the hook's deadline)"
            _journal_outcome(request, assessment, friction, "timeout", note)
            why = f"It was shown for review, but {note}."
            return _denied(request, assessment, why)
        try:
            with open(answer_path, encoding="utf-8") as handle:
                result = json.load(handle)
        except (OSError, ValueError):
            result = None
        if isinstance(result, dict) and result.get("verdict") == "error":
            # The review itself failed, so nothing was journaled there.
            said = str(result.get("reason") or "the review failed")
            _journal_outcome(request, assessment, friction, "error", said)
            why = f"The review failed ({said})."
            return _denied(request, assessment, why)
        if not isinstance(result, dict) or result.get("input_sha256") != request.identity:
            shown = errors.decode("utf-8", "replace").strip()
            problem = "the review popup closed without a decision" + (
                f" ({shown})" if shown else ""
            )
            _journal_outcome(request, assessment, friction, "error", problem)
            why = f"{problem[0].upper()}{problem[1:]}."
            return _denied(request, assessment, why, hint=HOW_TO_REVIEW)
        verdict = str(result.get("verdict"))
        said = str(result.get("reason") or "")
        return _human_verdict(request, assessment, verdict, said, "in review")
    finally:
        if process is not None and process.poll() is None:
            _close_popup(target, process)
        shutil.rmtree(directory, ignore_errors=True)


def _write_request(request: Request, path: str) -> None:
    import dataclasses
    import json

    data = {
        "text": request.text,
        "kind": request.kind,
        "title": request.title,
        "origin": dataclasses.asdict(request.origin),
    }
    with open(path, "x", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False)


def _close_popup(target: list[str], process: Any) -> None:
    import subprocess

    with contextlib.suppress(OSError, subprocess.SubprocessError):
        subprocess.run(
            ["tmux", "display-popup", "-C", *target],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=5,
            check=False,
        )
    if process.poll() is None:
        process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


# ------------------------------------------------------------------ inside the popup


def review_in_popup(directory: str) -> int:
    """The review screen on the request in DIRECTORY; the verdict goes to DIRECTORY/answer.json.

    The human's decision is journaled here, by review_and_journal, with the agent's origin.
    Whatever goes wrong, an answer is written: `error` with the reason, never an approval.
    """
    import json

    answer: dict[str, Any]
    identity: str | None = None
    try:
        from approve.analyze import analyze
        from approve.commands.review import parse_now, review_and_journal
        from approve.config import load_config
        from approve.model import Origin, Request

        with open(os.path.join(directory, "request.json"), encoding="utf-8") as handle:
            data = json.load(handle)
        request = Request(
            text=data["text"],
            kind=data["kind"],
            title=data["title"],
            origin=Origin(**data["origin"]),
        )
        identity = request.identity
        config = load_config()
        assessment = analyze(request)
        decision = review_and_journal(
            request, assessment, now=parse_now(None, config), theme=config.theme, config=config
        )
        answer = {"verdict": decision.verdict, "reason": decision.reason}
    except BaseException as error:
        answer = {"verdict": "error", "reason": _describe(error)}
        print(f"approve: {answer['reason']}", file=sys.stderr)
        time.sleep(2)  # long enough to read before the popup closes
    answer["input_sha256"] = identity
    temporary = os.path.join(directory, f"answer.{os.getpid()}.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(answer, handle)
    os.replace(temporary, os.path.join(directory, "answer.json"))
    return 0
