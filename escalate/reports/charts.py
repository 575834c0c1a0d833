"""Bar charts drawn on the server as SVG (from our own template), each with the table
of its data: no chart JavaScript. Small counts can be suppressed for publication."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from escalate.reports.selectors import FEWER, SUPPRESS_BELOW
from escalate.reports.tables import item

BAR_HEIGHT = 28
GAP = 10
LABEL_WIDTH = 300
PLOT_WIDTH = 220


def shown(n: int | None, suppress: bool) -> str:
    """A count as published: 1 to 4 become "fewer than 5" when suppressing."""
    if n is None:
        return "not applicable"
    if suppress and 0 < n < SUPPRESS_BELOW:
        return FEWER
    return f"{n:,}"


def shown_pct(part: int, whole: int, suppress: bool) -> str:
    """A percentage, withheld when it would reveal a count below 5."""
    if not whole:
        return "not applicable"
    if suppress and (0 < part < SUPPRESS_BELOW or 0 < whole - part < SUPPRESS_BELOW):
        return "withheld (small numbers)"
    return f"{100 * part / whole:.1f}%"


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    text: str
    y: int
    width: int
    text_y: int
    value_x: int  # where the count's words start, after the bar


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    description: str
    label_heading: str
    bars: list[Bar]
    height: int
    label_width: int = LABEL_WIDTH
    plot_width: int = PLOT_WIDTH

    @property
    def total_width(self) -> int:
        return self.label_width + self.plot_width + 130

    @property
    def text_x(self) -> int:
        """Where the bars' labels end."""
        return self.label_width - 8

    @property
    def table_head(self) -> list[dict[str, Any]]:
        """The headings of the chart's table of data."""
        return [item(text=self.label_heading), item(text="Cases", format="numeric")]

    @property
    def table_rows(self) -> list[list[dict[str, Any]]]:
        """The chart's data as its table's rows."""
        if not self.bars:
            return [[item(text="None in this period.", colspan=2)]]
        return [[item(text=b.label), item(text=b.text, format="numeric")] for b in self.bars]


def bar_chart(
    key: str, title: str, label_heading: str, data: list[tuple[str, int]], *, suppress: bool
) -> Chart:
    biggest = max((v for _, v in data), default=0)
    bars = []
    for i, (label, value) in enumerate(data):
        hidden = suppress and 0 < value < SUPPRESS_BELOW
        width = 0 if hidden or not biggest else max(2, round(PLOT_WIDTH * value / biggest))
        y = i * (BAR_HEIGHT + GAP)
        short = label if len(label) <= 40 else label[:39] + "…"
        text_y = y + BAR_HEIGHT // 2 + 5
        bars.append(
            Bar(short, value, shown(value, suppress), y, width, text_y, LABEL_WIDTH + width + 8)
        )
    parts = "; ".join(f"{b.label}: {b.text}" for b in bars) or "no cases"
    return Chart(
        key,
        title,
        f"Bar chart. {parts}.",
        label_heading,
        bars,
        max(BAR_HEIGHT, len(bars) * (BAR_HEIGHT + GAP)),
    )
