"""The plan view: every input line, virtualized with Textual's Line API.

Only the visible lines are rendered (render_line), each once per state through an LRU cache, so
a 100k-line plan scrolls as fast as a 10-line one. Each line shows its number, a severity mark
in the gutter (letter and colour, so it reads without colour too), a check once its finding was
visited, the destructive lines highlighted and the resource names emphasised. Every character
of the input goes through approve.sanitize.sanitize_parts: escapes are shown, never obeyed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from approve.model import Finding, Tier
from approve.sanitize import sanitize, sanitize_parts

SEVERITY_LETTER = {Tier.SAFE: " ", Tier.LOW: "L", Tier.HIGH: "H", Tier.CRITICAL: "C"}
_MAX_MEASURED = 2000
_BUCKET = 256  # lines per bucket of the finding index  # a line longer than this is clipped in width measurement, not content


def shown_parts(raw: str) -> list[tuple[str, bool]]:
    if raw.isascii() and raw.isprintable():
        return [(raw, False)]
    return sanitize_parts(raw.rstrip("\r")) if raw.endswith("\r") else sanitize_parts(raw)


class PlanView(ScrollView, can_focus=True):
    """A scrollable, line-numbered view of the input with findings marked."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "plan-view--gutter",
        "plan-view--cursor",
        "plan-view--critical",
        "plan-view--high",
        "plan-view--low",
        "plan-view--mark-critical",
        "plan-view--mark-high",
        "plan-view--mark-low",
        "plan-view--visited",
        "plan-view--resource",
        "plan-view--escaped",
        "plan-view--match",
        "plan-view--more",
    }

    DEFAULT_CSS = """
    PlanView {
        background: $surface;
        color: $foreground;
    }
    PlanView > .plan-view--gutter { color: $foreground-muted; background: $panel; }
    PlanView > .plan-view--cursor { background: $primary 35%; }
    PlanView > .plan-view--critical { background: $error 22%; }
    PlanView > .plan-view--high { background: $warning 18%; }
    PlanView > .plan-view--low { background: $accent 8%; }
    PlanView > .plan-view--mark-critical { color: $error; text-style: bold; background: $panel; }
    PlanView > .plan-view--mark-high { color: $warning; text-style: bold; background: $panel; }
    PlanView > .plan-view--mark-low { color: $accent; background: $panel; }
    PlanView > .plan-view--visited { color: $success; text-style: bold; background: $panel; }
    PlanView > .plan-view--resource { text-style: bold underline; }
    PlanView > .plan-view--escaped { color: $text-error; text-style: reverse; }
    PlanView > .plan-view--more { color: $text-warning; text-style: bold reverse; }
    PlanView > .plan-view--match { background: $accent 60%; color: $foreground; }
    """

    cursor_line: reactive[int] = reactive(0, always_update=True)

    class LineClicked(Message):
        """The reviewer clicked a line (0-based)."""

        def __init__(self, line: int) -> None:
            self.line = line
            super().__init__()

    def __init__(
        self,
        lines: Sequence[str],
        findings: Sequence[Finding],
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.lines = lines
        self.findings = findings
        # Findings are found per line through buckets of _BUCKET lines, so building the index
        # costs one step per finding (not per line it spans) and a lookup scans one bucket.
        self._spans: list[tuple[int, int]] = []
        self._names: list[tuple[str, ...]] = []
        self._buckets: dict[int, list[int]] = {}
        for index, finding in enumerate(findings):
            first = max(finding.line - 1, 0)
            last = max(finding.end_line, finding.line) - 1
            self._spans.append((first, last))
            self._names.append(tuple(sanitize(name) for name in finding.resources if name))
            for bucket in range(first // _BUCKET, last // _BUCKET + 1):
                self._buckets.setdefault(bucket, []).append(index)
        self.visited: set[int] = set()
        self.search_term = ""
        self._number_width = len(str(max(len(lines), 1)))
        self._gutter_width = self._number_width + 5  # ' 123 ' + mark + check + ' '
        widest = min(max(map(len, lines), default=0), _MAX_MEASURED)
        self.virtual_size = Size(self._gutter_width + widest + 1, len(lines))
        self._cache: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)

    # -- state changes -------------------------------------------------------------------------

    def findings_at(self, line: int) -> list[int]:
        """Indexes of the findings whose span holds this 0-based line."""
        spans = self._spans
        return [
            i for i in self._buckets.get(line // _BUCKET, ()) if spans[i][0] <= line <= spans[i][1]
        ]

    def mark_visited(self, indexes: Sequence[int]) -> None:
        self.visited.update(indexes)  # the cache key holds each line's visited flag
        self.refresh()

    def set_search(self, term: str) -> None:
        self.search_term = term
        self._cache.clear()
        self.refresh()

    def go_to_line(self, line: int) -> None:
        """Put the cursor on a 0-based line and bring it into view, a third from the top."""
        if not self.lines:
            return
        line = max(0, min(line, len(self.lines) - 1))
        self.cursor_line = line
        top = self.scroll_offset.y
        height = max(self.scrollable_content_region.height, 1)
        if not top <= line < top + height:
            self.scroll_to(y=max(0, line - height // 3), animate=False, immediate=True)

    def watch_cursor_line(self) -> None:
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()

    def on_click(self, event: events.Click) -> None:
        line = self.scroll_offset.y + event.y
        if 0 <= line < len(self.lines):
            self.cursor_line = line
            self.post_message(self.LineClicked(line))

    # -- rendering -----------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        number = scroll_y + y
        width = self.scrollable_content_region.width
        if number >= len(self.lines):
            return Strip.blank(width, self.rich_style)
        here = self.findings_at(number)
        visited = any(i in self.visited for i in here)
        key = (number, number == self.cursor_line, visited, self.search_term, scroll_x, width)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        strip = self._render_plan_line(number, here, scroll_x, width, visited)
        self._cache[key] = strip
        return strip

    def _render_plan_line(
        self, number: int, here: list[int], scroll_x: int, width: int, visited: bool
    ) -> Strip:
        style = self.get_component_rich_style
        severity = max((self.findings[i].severity for i in here), default=None)
        base = self.rich_style
        if number == self.cursor_line:
            base = base + style("plan-view--cursor")
        elif severity is not None and severity >= Tier.LOW:
            base = base + style(f"plan-view--{severity.label}")
        gutter_style = style("plan-view--gutter")
        gutter = [Segment(f" {number + 1:>{self._number_width}} ", gutter_style)]
        if severity is not None and severity >= Tier.LOW:
            gutter.append(
                Segment(SEVERITY_LETTER[severity], style(f"plan-view--mark-{severity.label}"))
            )
        else:
            gutter.append(Segment(" ", gutter_style))
        gutter.append(Segment("✓" if visited else " ", style("plan-view--visited")))
        gutter.append(Segment(" ", gutter_style))

        text = Text(no_wrap=True, end="")
        escaped_style = style("plan-view--escaped")
        for shown, escaped in shown_parts(self.lines[number]):
            text.append(shown, escaped_style if escaped else None)
        names = [name for i in here for name in self._names[i]]
        if names:
            text.highlight_words(names, style("plan-view--resource"))
        if self.search_term:
            text.highlight_words(
                [self.search_term], style("plan-view--match"), case_sensitive=False
            )
        body_width = max(width - self._gutter_width, 0)
        body = Strip(text.render(self.app.console), text.cell_len)
        # A line that goes on past the right edge (or began before the left one) says so: the
        # dangerous half of `a && b` must never be hidden without a mark.
        more_left = scroll_x > 0 and text.cell_len > 0 and body_width > 2
        more_right = text.cell_len > scroll_x + body_width and body_width > 2
        start, end = scroll_x + more_left, scroll_x + body_width - more_right
        body = body.crop_extend(start, end, None).apply_style(base)
        more = style("plan-view--more")
        left = [Segment("←", more)] if more_left else []
        right = [Segment("→", more)] if more_right else []
        segments = [*gutter, *left, *body, *right]
        return Strip(segments, self._gutter_width + body_width).simplify()
