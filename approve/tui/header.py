"""The header: tier badge, what the plan does ("destroys 3, replaces 1"), the resources, and one
sentence saying why the friction is what it is. All input-derived text is sanitized."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from approve.model import Assessment, Friction, Tier
from approve.sanitize import sanitize

_VERBS = (
    ("destroy", "destroys"),
    ("replace", "replaces"),
    ("update", "changes"),
    ("create", "creates"),
    ("forget", "forgets"),
)
RUNG_NAMES = ("auto", "read", "visit", "prove", "explain", "second person", "defer")


def counts_summary(assessment: Assessment) -> str:
    parts = [
        f"{verb} {assessment.counts[key]}" for key, verb in _VERBS if assessment.counts.get(key)
    ]
    if not parts:
        n = len(assessment.findings)
        parts.append(f"{n} finding{'s' if n != 1 else ''}" if n else "no findings")
    return ", ".join(parts)


def friction_sentence(friction: Friction) -> str:
    """One line: the rung, then the policy's headline (or its reasons joined)."""
    rung = max(0, min(friction.rung, len(RUNG_NAMES) - 1))
    why = friction.headline or ("; ".join(friction.reasons) if friction.reasons else "risk tier")
    return f"R{rung} {RUNG_NAMES[rung]} - {why}"


class HeaderBar(Static):
    """Two lines at the top of the review screen."""

    DEFAULT_CSS = """
    HeaderBar {
        height: auto; padding: 0 1; background: $panel; color: $foreground;
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    HeaderBar.-critical { border-left: thick $error; }
    HeaderBar.-high { border-left: thick $warning; }
    HeaderBar.-low { border-left: thick $accent; }
    HeaderBar.-safe { border-left: thick $success; }
    """

    def __init__(
        self,
        assessment: Assessment,
        friction: Friction,
        title: str | None,
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=f"-{assessment.tier.label}")
        self.assessment = assessment
        self.friction = friction
        self.title_text = title

    def on_mount(self) -> None:
        self.update(self.build())

    def build(self) -> Text:
        assessment = self.assessment
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f" {assessment.tier.label.upper()} ", style=_BADGE[assessment.tier])
        text.append(f"  {counts_summary(assessment)}", style="bold")
        names = assessment.resources
        if names:
            shown = ", ".join(sanitize(n) for n in names[:4]) + (" ..." if len(names) > 4 else "")
            text.append("  ")
            text.append(shown, style="bold underline")
        count = assessment.line_count
        text.append(
            f"   [{assessment.format}, {count} line{'s' if count != 1 else ''}]", style="dim"
        )
        if self.title_text:
            text.append("  " + sanitize(self.title_text), style="dim")
        text.append("\n")
        text.append(friction_sentence(self.friction), style="italic")
        return text


_BADGE = {
    Tier.SAFE: "bold white on dark_green",
    Tier.LOW: "bold black on cyan",
    Tier.HIGH: "bold black on yellow",
    Tier.CRITICAL: "bold white on red",
}
