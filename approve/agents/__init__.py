"""The agents `approve hook` speaks to: one adapter each, from stdin JSON to Request and back.

Each adapter module (claude, codex, gemini, cursor) has two functions:

- `to_request(payload) -> Request`: the agent's hook JSON as a Request with its Origin; raises
  AdapterError for anything it cannot turn into exactly what will run (fail closed).
- `render(answer, payload) -> Rendered`: an Answer in that agent's own output protocol
  (FACTS.md 1), as the text for stdout and the exit status.

Stdlib only, and cheap to import: the hook's fast path loads this package on every tool call.
"""

from __future__ import annotations

from approve.agents.base import AdapterError, Answer, Rendered

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from approve.model import Request

AGENTS = ("claude", "codex", "gemini", "cursor")

__all__ = ["AGENTS", "AdapterError", "Answer", "Rendered", "adapter"]


def adapter(
    agent: str,
) -> tuple[Callable[[dict[str, Any]], Request], Callable[[Answer, dict[str, Any]], Rendered]]:
    """(to_request, render) of AGENT; ValueError for an agent we do not know."""
    if agent == "claude":
        from approve.agents import claude as module
    elif agent == "codex":
        from approve.agents import codex as module  # type: ignore[no-redef]
    elif agent == "gemini":
        from approve.agents import gemini as module  # type: ignore[no-redef]
    elif agent == "cursor":
        from approve.agents import cursor as module  # type: ignore[no-redef]
    else:
        raise ValueError(f"unknown agent {agent!r} (expected one of: {', '.join(AGENTS)})")
    return module.to_request, module.render
