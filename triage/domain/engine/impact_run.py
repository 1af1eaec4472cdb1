"""Evaluating past intakes with the published version and with the draft, and reporting what a clinician would read differently.

Each ruleset is compiled once (by whoever loaded it) and evaluates many intakes. The screen first reads
only the answers of the rules the draft changes, to find the intakes those rules could touch; only those
are read in full and evaluated with both versions, exactly as the app evaluates them (answers given on an
earlier questionnaire are upgraded to today's ids first, and the date is the intake's submission date).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from triage.domain.engine.evaluate import Result, Ruleset, evaluate
from triage.domain.engine.impact_compare import Change, changes_between
from triage.domain.engine.impact_report import DraftReport, PatientImpact
from triage.domain.engine.impact_rescore import comparison, screen_for
from triage.domain.engine.impact_screen import Screen
from triage.domain.questionnaire.rules_view import UPGRADES, answers_for_rules

CHUNK = 500  # intakes whose full answers are read at a time


@dataclass(frozen=True)
class PastIntake:
    """A submitted intake as the impact reads it: its id, the questionnaire it was answered on, and its submission date."""

    intake_id: int
    questionnaire_version: str
    on: dt.date


class AnswerSource(Protocol):
    """Stored answers, read only when asked for."""

    def answers(self, intake_ids: Sequence[int] | None, questions: Iterable[str] | None) -> dict[int, dict[str, Any]]:
        """Answers by intake: only these questions (all when None) of these intakes (every submitted one when None)."""
        ...


@dataclass(frozen=True)
class Compared:
    """One intake evaluated with both versions."""

    published: Result
    draft: Result
    changes: tuple[Change, ...]


def compare_answers(published: Ruleset, draft: Ruleset, answers: Mapping[str, Any], intake: PastIntake) -> Compared:
    """Evaluate one intake's stored answers with both versions, as the app would today, and compare the results."""
    given = answers_for_rules(answers, intake.questionnaire_version)
    before, after = evaluate(published, given, on=intake.on), evaluate(draft, given, on=intake.on)
    return Compared(before, after, changes_between(before, after))


def _chunks(items: Sequence[PastIntake]) -> Iterable[Sequence[PastIntake]]:
    return (items[i : i + CHUNK] for i in range(0, len(items), CHUNK))


def _screened(screen: Screen, intakes: Sequence[PastIntake], answers: Mapping[int, Mapping[str, Any]]) -> set[int]:
    return {
        i.intake_id
        for i in intakes
        if screen.may_change(answers_for_rules(answers.get(i.intake_id, {}), i.questionnaire_version), i.on)
    }


def candidates(screen: Screen, intakes: Sequence[PastIntake], source: AnswerSource, every_submitted: bool) -> list[PastIntake]:
    """The intakes whose results may differ between the two versions, in the order given.

    An intake answered on an earlier questionnaire is read in full (its answers are upgraded before the rules
    read them); the others only for the questions the changed rules read. `every_submitted` says that `intakes`
    is every submitted intake, so their answers may be read without naming them.
    """
    if screen.nothing_changes:
        return []
    if screen.everyone:
        return list(intakes)
    upgraded = [i for i in intakes if i.questionnaire_version in UPGRADES]
    current = [i for i in intakes if i.questionnaire_version not in UPGRADES]
    found: set[int] = set()
    if current:
        named = None if every_submitted else [i.intake_id for i in current]
        found |= _screened(screen, current, source.answers(named, screen.questions) if screen.questions else {})
    for chunk in _chunks(upgraded):
        found |= _screened(screen, chunk, source.answers([i.intake_id for i in chunk], None))
    return [i for i in intakes if i.intake_id in found]


def draft_impact(
    published: Ruleset, draft: Ruleset, intakes: Sequence[PastIntake], source: AnswerSource, *, every_submitted: bool = False
) -> DraftReport:
    """What the draft changes, for each of these past intakes, against the version now published (both evaluated now)."""
    started = time.perf_counter()
    chosen = candidates(screen_for(published, draft), intakes, source, every_submitted)
    compare = comparison(published, draft)  # by rescoring when the draft changes weights only
    changed: list[PatientImpact] = []
    for chunk in _chunks(chosen):
        answers = source.answers([i.intake_id for i in chunk], None)
        for intake in chunk:
            changes = compare(answers.get(intake.intake_id, {}), intake)
            if changes:
                changed.append(PatientImpact(intake.intake_id, changes))
    return DraftReport(published.version, draft.version, len(intakes), len(chosen), tuple(changed), time.perf_counter() - started)
