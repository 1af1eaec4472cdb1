"""Geometry of the symptom-severity bar chart; a template draws it as inline SVG from these numbers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from triage.domain.report.model import Severity

SCALE_MAX = 10
MAX_BARS = 12
LABEL_WIDTH = 150
BAR_AREA = 200
VALUE_WIDTH = 40
ROW_HEIGHT = 18
BAR_HEIGHT = 12
TOP = 4
MAX_LABEL = 34


@dataclass(frozen=True)
class Bar:
    """One bar: its (shortened) label, value and rectangle, all in SVG user units."""

    label: str
    value: int
    x: int
    y: int
    width: int
    height: int
    text_y: int
    level: str


@dataclass(frozen=True)
class Tick:
    """A scale mark under the bars."""

    x: int
    label: str


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart of 0-10 severities; `title` and `summary` make it readable without sight."""

    width: int
    height: int
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    axis_y: int
    title: str
    summary: str


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1].rstrip() + "\u2026"


def _level(value: int) -> str:
    return "severe" if value >= 7 else "moderate" if value >= 4 else "mild"


def severity_chart(items: Sequence[Severity]) -> Chart | None:
    """The chart for up to MAX_BARS severities (None when there are none); values are clamped to 0-10."""
    if not items:
        return None
    bars = []
    for index, item in enumerate(items[:MAX_BARS]):
        value = max(0, min(SCALE_MAX, int(item.value)))
        y = TOP + index * ROW_HEIGHT
        bars.append(
            Bar(
                _short(item.label),
                value,
                LABEL_WIDTH,
                y,
                round(BAR_AREA * value / SCALE_MAX),
                BAR_HEIGHT,
                y + BAR_HEIGHT - 2,
                _level(value),
            )
        )
    axis_y = TOP + len(bars) * ROW_HEIGHT + 2
    ticks = tuple(Tick(LABEL_WIDTH + BAR_AREA * v // SCALE_MAX, str(v)) for v in (0, 5, 10))
    summary = "; ".join(f"{b.label} {b.value} of 10" for b in bars)
    return Chart(
        LABEL_WIDTH + BAR_AREA + VALUE_WIDTH,
        axis_y + 14,
        tuple(bars),
        ticks,
        axis_y,
        "Symptom severity at its worst (0-10)",
        summary,
    )
