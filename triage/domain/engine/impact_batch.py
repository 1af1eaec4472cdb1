"""The impact of a draft counted batch by batch (for a background job): each batch's changes, then the run's summary.

A job reads past intakes a batch at a time, newest first; the screen (compiled once for the run) picks the intakes
of the batch the changed rules could touch, and only those are evaluated with both versions. What a batch finds is
stored as it goes, so a run taken over by another worker goes on from the last stored batch; the summary (counts
and the tally of distinct changes) is made once, from every stored change, when the last batch is done.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from triage.domain.engine import impact_compare as kinds
from triage.domain.engine.evaluate import Ruleset
from triage.domain.engine.impact_compare import Change
from triage.domain.engine.impact_report import DraftReport, PatientImpact
from triage.domain.engine.impact_rescore import Comparison, comparison, screen_for
from triage.domain.engine.impact_run import CHUNK, AnswerSource, PastIntake, candidates
from triage.domain.engine.impact_screen import Screen

TALLY_KEPT = 100  # distinct changes a summary keeps, most intakes first within each kind (the page lists as many)


@dataclass(frozen=True)
class BatchResult:
    """What one batch found: how many of its intakes were evaluated with both versions, and those that would change."""

    evaluated: int
    changed: tuple[PatientImpact, ...]


@dataclass
class BatchCounter:
    """The draft against the published version, with the screen compiled once, counting one batch of intakes at a time."""

    published: Ruleset
    draft: Ruleset
    screen: Screen = field(init=False)
    compare: Comparison = field(init=False)  # by rescoring when the draft changes weights only

    def __post_init__(self) -> None:
        self.screen = screen_for(self.published, self.draft)
        self.compare = comparison(self.published, self.draft)

    def count(self, intakes: Sequence[PastIntake], source: AnswerSource) -> BatchResult:
        """Evaluate the intakes of this batch the changed rules could touch, with both versions, and keep what changes."""
        chosen = candidates(self.screen, intakes, source, every_submitted=False)
        changed: list[PatientImpact] = []
        for start in range(0, len(chosen), CHUNK):
            chunk = chosen[start : start + CHUNK]
            answers = source.answers([i.intake_id for i in chunk], None)
            for intake in chunk:
                changes = self.compare(answers.get(intake.intake_id, {}), intake)
                if changes:
                    changed.append(PatientImpact(intake.intake_id, changes))
        return BatchResult(len(chosen), tuple(changed))


def change_rows(changes: Iterable[Change]) -> list[list[str]]:
    """Changes as stored (JSON lists of kind, subject, before, after, detail)."""
    return [[c.kind, c.subject, c.before, c.after, c.detail] for c in changes]


def changes_of(rows: Iterable[Sequence[Any]]) -> tuple[Change, ...]:
    """Stored changes back as Change values (rows of another shape are skipped: a newer app may store more)."""
    return tuple(Change(*(str(part) for part in row[:5])) for row in rows if isinstance(row, list | tuple) and len(row) >= 2)


def counts(report: DraftReport) -> dict[str, int]:
    """The counts an editor reads on the impact page, by the element id each is shown under."""
    return {
        "considered": report.considered,
        "evaluated": report.evaluated,
        "changed": len(report.changed),
        "flags_gained": report.flags_gained,
        "flags_lost": report.flags_lost,
        "flags_urgency": report.count([kinds.FLAG_URGENCY]),
        "top_changed": report.top_changed,
        "rank_changed": report.count([kinds.RANK, kinds.LISTED, kinds.UNLISTED]),
        "level_changed": report.level_changed,
        "tests_changed": report.count(kinds.TEST_KINDS),
        "caveats_changed": report.count(kinds.CAVEAT_KINDS),
        "asks_changed": report.count(kinds.ASK_KINDS),
    }


def summary(report: DraftReport) -> dict[str, Any]:
    """What a finished run keeps besides its changes: the counts and the most common distinct changes, with their reach."""
    tally = report.tally()
    return {
        "counts": counts(report),
        "tally": [[*change_rows([change])[0], reach] for change, reach in tally[:TALLY_KEPT]],
        "tally_more": max(0, len(tally) - TALLY_KEPT),
    }


def tally_of(stored: Mapping[str, Any]) -> list[tuple[Change, int]]:
    """A stored summary's tally as (change, intakes it reaches)."""
    rows = [row for row in stored.get("tally", []) if isinstance(row, list) and len(row) == 6]
    return [(changes_of([row[:5]])[0], int(row[5])) for row in rows]
