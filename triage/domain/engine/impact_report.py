"""The impact of a draft on past patients: each intake's changes, and how many intakes each change would reach."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from triage.domain.engine import impact_compare as c
from triage.domain.engine.impact_compare import Change


@dataclass(frozen=True)
class PatientImpact:
    """How one past intake would read under the draft, against the version now published."""

    intake_id: int
    changes: tuple[Change, ...]

    def has(self, kinds: Iterable[str]) -> bool:
        """Whether any change is of one of these kinds."""
        wanted = set(kinds)
        return any(change.kind in wanted for change in self.changes)

    def of(self, kinds: Iterable[str]) -> tuple[Change, ...]:
        """The changes of these kinds, in reading order."""
        wanted = set(kinds)
        return tuple(change for change in self.changes if change.kind in wanted)


@dataclass(frozen=True)
class DraftReport:
    """What an editor reads before publishing: the intakes compared, those that would change, and by how much."""

    published: str  # the version text of the version now published
    draft: str
    considered: int
    evaluated: int  # intakes evaluated in full with both versions (the others cannot read differently)
    changed: tuple[PatientImpact, ...]  # in the order the intakes were given (newest first)
    seconds: float = 0.0

    def count(self, kinds: Iterable[str]) -> int:
        """How many intakes have a change of one of these kinds."""
        wanted = tuple(kinds)
        return sum(1 for patient in self.changed if patient.has(wanted))

    def tally(self) -> list[tuple[Change, int]]:
        """Each distinct change with the number of intakes it reaches: in reading order of kind, then most intakes first."""
        counts = Counter(change for patient in self.changed for change in dict.fromkeys(patient.changes))
        order = {kind: i for i, kind in enumerate(c.KINDS)}
        return sorted(counts.items(), key=lambda item: (order.get(item[0].kind, len(order)), -item[1], item[0]))

    @property
    def flags_gained(self) -> int:
        """Intakes that would gain at least one red flag."""
        return self.count([c.FLAG_GAINED])

    @property
    def flags_lost(self) -> int:
        """Intakes that would lose at least one red flag."""
        return self.count([c.FLAG_LOST])

    @property
    def top_changed(self) -> int:
        """Intakes whose first-ranked condition would change."""
        return self.count([c.TOP])

    @property
    def level_changed(self) -> int:
        """Intakes where some differential's suspicion level would change (or it would be newly listed or dropped)."""
        return self.count([c.LEVEL, c.LISTED, c.UNLISTED])
