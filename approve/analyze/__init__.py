"""analyze(): a Request's text -> an Assessment (findings, counts, tier).

Dispatches on the format (detected or given), adds reviewer-attack findings and environment
markers, and computes the tier. Pure but for loading the rule packs and the config once; no
Textual.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs ~10 ms of start-up

# Imported inside the functions, so that importing approve.analyze stays cheap for code that
# needs only part of it (the agent hook decides many requests in a few milliseconds).
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from approve.analyze.base import Partial
    from approve.analyze.rules import RuleSet
    from approve.model import Assessment, Request

# The default environment markers; approve.analyze.markers imports them from here.
DEFAULT_MARKERS = ("prod", "production", "live")

__all__ = ["analyze", "analyze_command"]


def _analyzer(fmt: str) -> Callable[[str, RuleSet], Partial]:
    from approve.analyze.base import InputError
    from approve.model import FORMATS

    # Imported on demand: sqlglot and unidiff cost startup time that a shell check never needs.
    if fmt == "shell":
        from approve.analyze.shell import analyze_shell

        return analyze_shell
    if fmt == "terraform":
        from approve.analyze.terraform_text import analyze_terraform_text

        return analyze_terraform_text
    if fmt == "terraform-json":
        from approve.analyze.terraform_json import analyze_terraform_json

        return analyze_terraform_json
    if fmt == "diff":
        from approve.analyze.diff import analyze_diff

        return analyze_diff
    if fmt == "sql":
        from approve.analyze.sql import analyze_sql

        return analyze_sql
    if fmt == "text":
        from approve.analyze.text import analyze_text

        return analyze_text
    raise InputError(f"unknown format {fmt!r} (expected auto or one of: {', '.join(FORMATS)})")


def analyze(
    request: Request | str,
    fmt: str | None = None,
    ruleset: RuleSet | None = None,
    markers: Sequence[str] | None = None,
) -> Assessment:
    """Analyze a request (or bare text). Raises InputError for input that cannot be read.

    `markers` defaults to the configured `env_markers` (prod, production, live).
    """
    from approve.analyze.attacks import scan_attacks
    from approve.analyze.detect import detect_format
    from approve.analyze.markers import raise_for_markers
    from approve.analyze.rules import default_rules
    from approve.model import Assessment, Request, Tier

    if isinstance(request, str):
        request = Request(text=request)
    text = request.text
    chosen = fmt or request.kind
    if chosen in (None, "auto"):
        chosen = detect_format(text)
    rules = ruleset if ruleset is not None else default_rules()
    partial = _analyzer(chosen)(text, rules)
    lines = text.split("\n")
    if markers is None:
        from approve.config import load_config

        markers = load_config().env_markers
    findings = raise_for_markers(partial.findings, lines, markers) + scan_attacks(text)
    findings.sort(key=lambda f: (f.line, -f.severity, f.rule))
    tier = max((f.severity for f in findings), default=Tier.SAFE)
    return Assessment(
        format=chosen,
        tier=tier,
        counts=partial.counts,
        findings=tuple(findings),
        line_count=len(lines) - (1 if text.endswith("\n") else 0),
        word_count=len(text.split()),
    )


def analyze_command(command: str, ruleset: RuleSet | None = None) -> Assessment:
    """A single shell command line, as the hooks and `check --jsonl` see it."""
    from approve.model import Request

    return analyze(Request(text=command, kind="shell"), ruleset=ruleset)
