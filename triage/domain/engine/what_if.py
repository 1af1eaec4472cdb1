"""What a draft ruleset would change in past intakes' stored results, over data that a caller reads from storage."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from triage.domain.engine.evaluate import Ruleset, evaluate
from triage.domain.engine.impact import DraftImpact, IntakeImpact, compare_summaries, summary_of_result

# One submitted intake's newest stored evaluation: intake id, evaluation id, the ruleset hash that made it,
# its fired rules as JSON text, and the submission time in the storage's own form (read by StoredData.submitted_on).
StoredRow = tuple[int, int, str, str | None, Any]


class StoredData(Protocol):
    """The stored answers and results the what-if reads, loaded only when it asks for them."""

    def answers(self, intake_ids: Sequence[int] | None, questions: Iterable[str] | None) -> dict[int, dict[str, Any]]:
        """Answers by intake: only these questions (all when None) of these intakes (every submitted one when None)."""
        ...

    def results(self, evaluation_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """Stored results by evaluation id."""
        ...

    def submitted_on(self, submitted: Any) -> dt.date:
        """The UTC date of a stored submission time."""
        ...


def what_if(
    draft: Ruleset,
    rows: Sequence[StoredRow],
    bases: Mapping[str, Ruleset],
    data: StoredData,
    *,
    every_submitted: bool,
    today: dt.date,
) -> list[IntakeImpact]:
    """The intakes (in the order of `rows`) whose stored result the draft would change.

    `bases` maps a ruleset hash to the stored version that made those results. Answers are read in two
    rounds: first those of rules evaluated again in full and of changed comparisons; then, only for
    intakes on which a changed comparison decides differently, the rest of that rule's answers. Results
    made by a ruleset not in `bases` are evaluated again in full. `every_submitted` says that `rows`
    covers every submitted intake, so answers may be read without naming the intakes.
    """
    calculators = {sha: DraftImpact(draft, base) for sha, base in bases.items()}
    first = {q for c in calculators.values() for q in c.changes.first_questions}
    answers = data.answers(None if every_submitted else [row[0] for row in rows], first) if first else {}
    changed: list[IntakeImpact] = []
    unknown: list[tuple[int, int, Any]] = []
    pending: list[tuple[DraftImpact, int, int, str | None, dt.date, frozenset[str]]] = []
    for intake_id, evaluation_id, sha, fired_json, submitted in rows:
        calculator = calculators.get(sha)
        if calculator is None:
            unknown.append((intake_id, evaluation_id, submitted))
            continue
        on = data.submitted_on(submitted) if calculator.reads_dates else today
        given = answers.get(intake_id, {})
        differing = calculator.differing(given, on)
        if differing:
            pending.append((calculator, intake_id, evaluation_id, fired_json, on, differing))
            continue
        found = calculator.compare_stored(intake_id, evaluation_id, fired_json or "[]", given, on, differing)
        if found is not None:
            changed.append(found)
    if pending:
        more = {q for calculator, *_rest, differing in pending for q in calculator.more_questions(differing)}
        extra = data.answers([p[1] for p in pending], more)
        for calculator, intake_id, evaluation_id, fired_json, on, differing in pending:
            given = {**answers.get(intake_id, {}), **extra.get(intake_id, {})}
            found = calculator.compare_stored(intake_id, evaluation_id, fired_json or "[]", given, on, differing)
            if found is not None:
                changed.append(found)
    changed += _evaluated_in_full(draft, data, unknown)
    order = {row[0]: i for i, row in enumerate(rows)}
    changed.sort(key=lambda i: order[i.intake_id])
    return changed


def _evaluated_in_full(draft: Ruleset, data: StoredData, unknown: list[tuple[int, int, Any]]) -> list[IntakeImpact]:
    """Results made by a ruleset never stored as a version: evaluate those intakes in full, against their stored result."""
    if not unknown:
        return []
    full = data.answers([u[0] for u in unknown], None)
    stored = data.results([u[1] for u in unknown])
    found = []
    for intake_id, evaluation_id, submitted in unknown:
        after = summary_of_result(evaluate(draft, full.get(intake_id, {}), on=data.submitted_on(submitted)).to_dict())
        impact = compare_summaries(intake_id, evaluation_id, summary_of_result(stored.get(evaluation_id, {})), after)
        if impact is not None:
            found.append(impact)
    return found


def evaluated_on(result: Mapping[str, Any]) -> dt.date:
    """The date a stored result was evaluated as of (today when it does not say)."""
    try:
        return dt.date.fromisoformat(str(result.get("evaluated_on") or ""))
    except ValueError:
        return dt.date.today()
