"""The findings list (one line each, virtualized) and the detail of the selected finding.

Selecting a finding (click, or up/down and enter when focused) asks the screen to jump to its
line. Every text from a finding goes through sanitize: rule packs and resource names come from
the input and are never interpreted as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static

from approve.model import Finding, Tier
from approve.sanitize import sanitize
from approve.tui.plan_view import SEVERITY_LETTER


def span(finding: Finding) -> str:
    if finding.end_line != finding.line:
        return f"L{finding.line}-{finding.end_line}"
    return f"L{finding.line}"


class FindingsList(ScrollView, can_focus=True):
    """One line per finding: visited mark, severity, line span, rule and resource."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("enter", "choose", "Jump", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "findings-list--current",
        "findings-list--critical",
        "findings-list--high",
        "findings-list--low",
        "findings-list--safe",
        "findings-list--visited",
        "findings-list--resource",
    }

    DEFAULT_CSS = """
    FindingsList { background: $surface; }
    FindingsList > .findings-list--current { background: $primary 35%; }
    FindingsList > .findings-list--critical { color: $error; text-style: bold; }
    FindingsList > .findings-list--high { color: $warning; text-style: bold; }
    FindingsList > .findings-list--low { color: $accent; }
    FindingsList > .findings-list--safe { color: $foreground-muted; }
    FindingsList > .findings-list--visited { color: $success; text-style: bold; }
    FindingsList > .findings-list--resource { color: $secondary; }
    """

    current: reactive[int] = reactive(-1, always_update=True)

    class Chosen(Message):
        """The reviewer picked a finding (index into the findings)."""

        def __init__(self, index: int) -> None:
            self.index = index
            super().__init__()

    def __init__(self, findings: Sequence[Finding], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.findings = findings
        self.visited: set[int] = set()
        self.virtual_size = Size(0, len(findings))

    def mark_visited(self, indexes: Sequence[int]) -> None:
        self.visited.update(indexes)
        self.refresh()

    def watch_current(self, index: int) -> None:
        if 0 <= index < len(self.findings):
            height = max(self.scrollable_content_region.height, 1)
            top = self.scroll_offset.y
            if not top <= index < top + height:
                self.scroll_to(y=max(0, index - height // 2), animate=False, immediate=True)
        self.refresh()

    def action_move(self, step: int) -> None:
        if self.findings:
            self.current = max(0, min(len(self.findings) - 1, self.current + step))

    def action_choose(self) -> None:
        if 0 <= self.current < len(self.findings):
            self.post_message(self.Chosen(self.current))

    def on_click(self, event: events.Click) -> None:
        index = self.scroll_offset.y + event.y
        if 0 <= index < len(self.findings):
            self.current = index
            self.post_message(self.Chosen(index))

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        if index >= len(self.findings):
            return Strip.blank(width, self.rich_style)
        finding = self.findings[index]
        style = self.get_component_rich_style
        base = self.rich_style
        if index == self.current:
            base = base + style("findings-list--current")
        label = finding.severity.label
        text = Text(no_wrap=True, end="")
        text.append("✓ " if index in self.visited else "  ", style("findings-list--visited"))
        text.append(
            f"{SEVERITY_LETTER[finding.severity]} {label:<8} ", style(f"findings-list--{label}")
        )
        text.append(f"{span(finding):<9} ")
        text.append(sanitize(finding.rule))
        if finding.resources:
            text.append(
                "  " + sanitize(", ".join(finding.resources)), style("findings-list--resource")
            )
        segments = list(text.render(self.app.console))
        strip = Strip(segments, text.cell_len).crop_extend(0, width, None)
        return strip.apply_style(base)


class FindingDetail(Static):
    """Why the selected finding matters and the safer way, wrapped to the panel's width."""

    DEFAULT_CSS = """
    FindingDetail { height: auto; max-height: 12; padding: 0 1; background: $panel; }
    """

    def show(self, finding: Finding | None, visited: bool = False) -> None:
        if finding is None:
            self.update(Text("No findings: nothing in this input matched a rule.", style="dim"))
            return
        text = Text()
        text.append(f"{finding.severity.label.upper()} ", style=_STYLE[finding.severity])
        text.append(f"{span(finding)}  ")
        text.append(sanitize(finding.rule), style="bold")
        if visited:
            text.append("  ✓ visited", style="green")
        if finding.resources:
            text.append("\nresource: ")
            text.append(sanitize(", ".join(finding.resources)), style="bold underline")
        text.append("\nwhy: " + sanitize(finding.why))
        if finding.safer:
            text.append("\nsafer: " + sanitize(finding.safer), style="italic")
        self.update(text)


_STYLE = {
    Tier.SAFE: "dim",
    Tier.LOW: "cyan",
    Tier.HIGH: "bold yellow",
    Tier.CRITICAL: "bold red",
}
