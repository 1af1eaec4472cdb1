"""Clinicians' coded feedback on differentials, counted by reason per differential and per ruleset version."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from triage.domain.report.feedback_reasons import AGREE, REASONS

UNCODED = "uncoded"  # a disagreement stored before reason codes (migration 0012)
COLUMNS: tuple[tuple[str, str], ...] = (
    (AGREE, "Agree"),
    *((r.code, r.display) for r in REASONS),
    (UNCODED, "Disagreed (no reason code)"),
)


@dataclass(frozen=True)
class FeedbackCount:
    """How many verdicts of one kind one differential got under one ruleset version."""

    differential: str
    version: str
    agrees: bool
    code: str | None
    count: int

    @property
    def column(self) -> str:
        """The column it counts in: agree, a reason code, or uncoded."""
        if self.agrees:
            return AGREE
        known = {r.code for r in REASONS}
        return self.code if self.code in known else UNCODED


@dataclass
class Tally:
    """One differential's verdicts by column (agree, each reason), and their total."""

    by_column: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Every verdict counted."""
        return sum(self.by_column.values())

    @property
    def disagree(self) -> int:
        """Every verdict but agreement."""
        return self.total - self.by_column.get(AGREE, 0)

    def cells(self) -> list[int]:
        """The counts in column order."""
        return [self.by_column.get(key, 0) for key, _label in COLUMNS]


def tally(counts: Iterable[FeedbackCount], version: str = "") -> dict[str, Tally]:
    """Counts by differential and column, over every version or only the one given."""
    found: dict[str, Tally] = {}
    for row in counts:
        if version and row.version != version:
            continue
        cell = found.setdefault(row.differential, Tally())
        cell.by_column[row.column] = cell.by_column.get(row.column, 0) + row.count
    return found


def versions_of(counts: Sequence[FeedbackCount]) -> list[str]:
    """The ruleset versions feedback was given under, newest text last as sorted (for the version choice)."""
    return sorted({row.version for row in counts if row.version})


def summary(tallied: Mapping[str, Tally], differential: str) -> str:
    """One differential's feedback in a line: "5 agree; Not relevant for this patient 2, Other 1" ('' when none)."""
    cell = tallied.get(differential)
    if cell is None or not cell.total:
        return ""
    labels = dict(COLUMNS)
    reasons = [f"{labels[k]} {n}" for k, n in cell.by_column.items() if k != AGREE and n]
    return f"{cell.by_column.get(AGREE, 0)} agree" + (f"; {', '.join(reasons)}" if reasons else "; none disagree")
